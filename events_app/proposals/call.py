"""The call itself: when it is open, what it takes, how it is reviewed; and the audit of the call's changes."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.proposals.errors import (
    CallClosed,
    CallClosesBeforeOpen,
    CallNotFound,
)
from events_app.proposals.models import (
    Call,
    Proposal,
    Reviewer,
)
from events_app.proposals.schemas import (
    CallIn,
    CallOut,
    CallTrack,
)
from events_app.sessions import service as program
from events_app.sessions.models import Track


async def audit(
    db: AsyncSession, actor: Principal | None, action: str, thing: Proposal | Call | Reviewer, **details: object
) -> None:
    await record(
        db, actor=actor, action=f"proposals.{action}", subject_type=type(thing).__name__.lower(),
        subject_id=thing.id, conference_id=thing.conference_id, **details,
    )  # fmt: skip


async def find_call(db: AsyncSession, *, conference: Conference) -> Call | None:
    return await db.scalar(select(Call).where(Call.conference_id == conference.id))


async def get_call(db: AsyncSession, *, conference: Conference) -> Call:
    call = await find_call(db, conference=conference)
    if call is None:
        raise CallNotFound(f"{conference.name} has no call for proposals.")
    return call


def is_open(call: Call, at: datetime | None = None) -> bool:
    moment = at or now()
    return call.opens_at <= moment < call.closes_at


def require_open(call: Call) -> None:
    moment = now()
    if moment < call.opens_at:
        raise CallClosed("The call for proposals is not open yet.", opens_at=call.opens_at.isoformat())
    if moment >= call.closes_at:
        raise CallClosed("The call for proposals has closed.", closed_at=call.closes_at.isoformat())


async def call_tracks(db: AsyncSession, *, call: Call) -> list[Track]:
    ids = [uuid.UUID(i) for i in call.track_ids]
    tracks = {t.id: t for t in await db.scalars(select(Track).where(Track.id.in_(ids)))}
    return [tracks[i] for i in ids if i in tracks]


async def set_call(db: AsyncSession, *, conference: Conference, data: CallIn, actor: Principal | None) -> Call:
    """Opens (or changes) the conference's call: its window, tracks, session types, durations, criteria."""
    opens, closes = (
        program.to_utc(data.opens_at, conference.timezone),
        program.to_utc(data.closes_at, conference.timezone),
    )
    if closes <= opens:
        raise CallClosesBeforeOpen("The call must close after it opens.")
    for track_id in data.track_ids:
        await program.get_owned(db, Track, track_id, conference=conference)
    fields = msgspec.structs.asdict(data)
    fields.update(
        opens_at=opens,
        closes_at=closes,
        track_ids=[str(t) for t in dict.fromkeys(data.track_ids)],
        session_types=[t.value for t in dict.fromkeys(data.session_types)],
        durations=sorted(set(data.durations)),
        criteria=list(dict.fromkeys(c.strip() for c in data.criteria)),
    )
    call = await find_call(db, conference=conference)
    if call is None:
        call = Call(conference_id=conference.id)
        db.add(call)
    for key, value in fields.items():
        setattr(call, key, value)
    await db.flush()
    await audit(db, actor, "call.set", call, opens_at=opens.isoformat(), closes_at=closes.isoformat())
    return call


async def call_out(db: AsyncSession, *, call: Call) -> CallOut:
    """The call as its page and the API show it."""
    tracks = [CallTrack(id=t.id, slug=t.slug, name=t.name) for t in await call_tracks(db, call=call)]
    return CallOut(
        opens_at=call.opens_at, closes_at=call.closes_at, is_open=is_open(call), tracks=tracks,
        session_types=call.session_types, durations=call.durations, criteria=call.criteria,
        anonymous=call.anonymous, description=call.description, decisions_released_at=call.decisions_released_at,
    )  # fmt: skip
