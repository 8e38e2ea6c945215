"""Seats of seat-limited runs: RSVPs, the waitlist, offers and the sweep that passes seats on.

Seats of a seat-limited run are a counter on the run changed only by conditional
UPDATEs (``seats_taken < seat_limit``), so two app processes never hand out one seat
twice. A seat that frees goes first to the next person waiting: they get an offer
(the seat stays held for them) and a mail, and have ``OFFER_WINDOW`` to confirm. An
offer that runs out lapses and the seat moves on; nothing needs a timer for that to be
right, because every RSVP, agenda view and session page first sweeps that run's
expired offers; each app process also sweeps every minute (core.rounds), so the next
person is mailed even when nobody opens a page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from events_app.audit.service import record
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.db import ONE_TRANSACTION, make_session_maker
from events_app.registration.models import Attendee
from events_app.sessions.agenda_links import ACTIVE, agenda_for, agenda_url, mail_attendee
from events_app.sessions.errors import NoOffer
from events_app.sessions.models import ProgramSession, Rsvp, RsvpStatus, SessionRun
from events_app.sessions.schemas import RsvpOut, RunRsvpsOut
from events_app.settings import Settings

OFFER_WINDOW = timedelta(hours=12)
# RSVPs that hold a seat or a place in line.
LIVE = (RsvpStatus.CONFIRMED, RsvpStatus.OFFERED, RsvpStatus.WAITING)
# Route option of a read that sweeps offers first (``sweep_offers``): a seat passed on is written in several
# statements that stand or fall together, so on PostgreSQL it keeps its transaction (see ``db.RequestSessions``).
SWEEPS_SEATS: dict[str, Any] = {ONE_TRANSACTION: True}


# --- the seat counter -----------------------------------------------------------------------------


async def _take_seat(db: AsyncSession, run_id: uuid.UUID) -> bool:
    limit = select(ProgramSession.seat_limit).where(ProgramSession.id == SessionRun.session_id).scalar_subquery()
    taken = await db.execute(
        update(SessionRun)
        .where(SessionRun.id == run_id, SessionRun.seats_taken < limit)
        .values(seats_taken=SessionRun.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


async def _give_back_seat(db: AsyncSession, run_id: uuid.UUID) -> None:
    await db.execute(
        update(SessionRun)
        .where(SessionRun.id == run_id, SessionRun.seats_taken > 0)
        .values(seats_taken=SessionRun.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


async def seats_left(db: AsyncSession, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Seats still free on each seat-limited run among ``run_ids``."""
    if not run_ids:
        return {}
    rows = await db.execute(
        select(SessionRun.id, ProgramSession.seat_limit, SessionRun.seats_taken)
        .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
        .where(SessionRun.id.in_(run_ids), ProgramSession.seat_limit.is_not(None))
    )
    return {run_id: max((limit or 0) - taken, 0) for run_id, limit, taken in rows.all()}


# --- offers ---------------------------------------------------------------------------------------


async def _offer_next(db: AsyncSession, *, conference: Conference, settings: Settings, run_id: uuid.UUID) -> bool:
    """Offers a seat (already counted as taken) to the next person waiting; False when nobody waits."""
    moment = now()
    for _attempt in range(5):
        next_in_line = await db.scalar(
            select(Rsvp.id)
            .where(Rsvp.run_id == run_id, Rsvp.status == RsvpStatus.WAITING)
            .order_by(Rsvp.queued_at, Rsvp.id)
            .limit(1)
        )
        if next_in_line is None:
            return False
        offered = await db.execute(
            update(Rsvp)
            .where(Rsvp.id == next_in_line, Rsvp.status == RsvpStatus.WAITING)
            .values(status=RsvpStatus.OFFERED, offer_expires_at=moment + OFFER_WINDOW, updated_at=moment)
            .execution_options(synchronize_session=False)
        )
        if offered.rowcount == 1:  # type: ignore[attr-defined]
            await _mail_offer(db, conference=conference, settings=settings, rsvp_id=next_in_line)
            return True
        # Someone else took that person in the meantime; look again.
    return False


async def _free_seat(db: AsyncSession, *, conference: Conference, settings: Settings, run_id: uuid.UUID) -> None:
    """Hands a freed seat to the next person waiting (an offer), or back to the pool."""
    if not await _offer_next(db, conference=conference, settings=settings, run_id=run_id):
        await _give_back_seat(db, run_id)


async def _fill_from_waitlist(
    db: AsyncSession, *, conference: Conference, settings: Settings, run_id: uuid.UUID | None = None
) -> None:
    """Offers seats that are free while people wait (the organizer raised a seat limit, say)."""
    query = (
        select(SessionRun.id)
        .join(Rsvp, Rsvp.run_id == SessionRun.id)
        .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
        .where(
            ProgramSession.conference_id == conference.id,
            Rsvp.status == RsvpStatus.WAITING,
            SessionRun.seats_taken < ProgramSession.seat_limit,
        )
        .distinct()
    )
    if run_id is not None:
        query = query.where(SessionRun.id == run_id)
    for free_run in list(await db.scalars(query)):
        while await _take_seat(db, free_run):
            if not await _offer_next(db, conference=conference, settings=settings, run_id=free_run):
                await _give_back_seat(db, free_run)
                break


async def _mail_offer(db: AsyncSession, *, conference: Conference, settings: Settings, rsvp_id: uuid.UUID) -> None:
    rsvp = await db.get_one(Rsvp, rsvp_id, populate_existing=True)
    attendee = await db.get_one(Attendee, rsvp.attendee_id)
    run = await db.get_one(SessionRun, rsvp.run_id)
    session = await db.get_one(ProgramSession, run.session_id)
    agenda = await agenda_for(db, attendee=attendee)
    zone = ZoneInfo(conference.timezone)
    deadline = (rsvp.offer_expires_at or now()).astimezone(zone)
    await mail_attendee(
        db, settings=settings, attendee=attendee, subject=f"A seat opened: {session.title}",
        body=(
            f"A seat opened in {session.title} "
            f"({run.starts_at.astimezone(zone):%a %b %-d, %-I:%M %p}). It is kept for you until "
            f"{deadline:%a %b %-d, %-I:%M %p %Z}; confirm it on your agenda:\n"
            f"{agenda_url(settings, conference, agenda)}\n\n"
            "If you do not confirm by then, it goes to the next person.\n"
        ),
    )  # fmt: skip


# --- the sweep ------------------------------------------------------------------------------------


async def sweep_offers(
    db: AsyncSession, *, conference: Conference, settings: Settings, run_id: uuid.UUID | None = None
) -> int:
    """Passes on the seats of offers that ran out and of registrations that no longer stand; returns how many.

    A cancelled or refunded attendee's seat frees itself here, so registration need not know about seats;
    seats free while people wait (a raised seat limit) are offered down the line as well.
    """
    moment = now()
    expired = (Rsvp.status == RsvpStatus.OFFERED) & (Rsvp.offer_expires_at <= moment)
    inactive = Rsvp.status.in_(LIVE) & Rsvp.attendee_id.in_(
        select(Attendee.id).where(Attendee.conference_id == conference.id, Attendee.status.not_in(ACTIVE))
    )
    query = select(Rsvp.id, Rsvp.run_id, Rsvp.status).where(expired | inactive)
    if run_id is not None:
        query = query.where(Rsvp.run_id == run_id)
    else:
        query = (
            query.join(SessionRun, SessionRun.id == Rsvp.run_id)
            .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
            .where(ProgramSession.conference_id == conference.id)
        )
    passed_on = 0
    for rsvp_id, seat_run, status in (await db.execute(query)).all():
        lapses = status == RsvpStatus.OFFERED and await db.scalar(
            select(Rsvp.id).where(Rsvp.id == rsvp_id, Rsvp.offer_expires_at <= moment)
        )
        done = await db.execute(
            update(Rsvp)
            .where(Rsvp.id == rsvp_id, Rsvp.status == status)
            .values(status=RsvpStatus.LAPSED if lapses else RsvpStatus.CANCELLED, updated_at=moment)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1 and status != RsvpStatus.WAITING:  # type: ignore[attr-defined]
            passed_on += 1
            await _free_seat(db, conference=conference, settings=settings, run_id=seat_run)
    await _fill_from_waitlist(db, conference=conference, settings=settings, run_id=run_id)
    return passed_on


async def sweep_once(engine: AsyncEngine, settings: Settings) -> int:
    """One sweep of every conference with seats in play, each in its own transaction; returns seats passed on."""
    sessions = make_session_maker(engine)
    async with sessions() as db:
        conference_ids = list(
            await db.scalars(
                select(ProgramSession.conference_id)
                .join(SessionRun, SessionRun.session_id == ProgramSession.id)
                .join(Rsvp, Rsvp.run_id == SessionRun.id)
                .where(Rsvp.status.in_(LIVE))
                .distinct()
            )
        )
    passed_on = 0
    for conference_id in conference_ids:
        async with sessions() as db, db.begin():
            conference = await db.get_one(Conference, conference_id)
            passed_on += await sweep_offers(db, conference=conference, settings=settings)
    return passed_on


# --- one attendee's RSVP --------------------------------------------------------------------------


async def waitlist_position(db: AsyncSession, rsvp: Rsvp) -> int:
    ahead = await db.scalar(
        select(func.count())
        .select_from(Rsvp)
        .where(Rsvp.run_id == rsvp.run_id, Rsvp.status == RsvpStatus.WAITING, Rsvp.queued_at < rsvp.queued_at)
    )
    return (ahead or 0) + 1


async def request_seat(
    db: AsyncSession, *, conference: Conference, settings: Settings, attendee: Attendee, run_id: uuid.UUID
) -> Rsvp:
    """The attendee's RSVP for a seat-limited run: a seat when one is free and nobody waits, else a place in line.

    An RSVP that already holds a seat, an offer or a place is answered as it stands.
    """
    await sweep_offers(db, conference=conference, settings=settings, run_id=run_id)
    rsvp = await db.scalar(select(Rsvp).where(Rsvp.run_id == run_id, Rsvp.attendee_id == attendee.id))
    if rsvp is not None and rsvp.status in LIVE:
        return rsvp
    # Nobody may jump the line: with people waiting, a newcomer waits too.
    line = await db.scalar(
        select(func.count())
        .select_from(Rsvp)
        .where(Rsvp.run_id == run_id, Rsvp.status.in_((RsvpStatus.WAITING, RsvpStatus.OFFERED)))
    )
    seated = not line and await _take_seat(db, run_id)
    status = RsvpStatus.CONFIRMED if seated else RsvpStatus.WAITING
    moment = now()
    if rsvp is None:
        rsvp = Rsvp(run_id=run_id, attendee_id=attendee.id, status=status, queued_at=moment)
        db.add(rsvp)
    else:
        rsvp.status, rsvp.queued_at, rsvp.offer_expires_at = status, moment, None
    await db.flush()
    await record(
        db, actor=None, action="program.rsvp", subject_type="run", subject_id=run_id, conference_id=conference.id,
        attendee_id=str(attendee.id), status=status.value,
    )  # fmt: skip
    return rsvp


async def take_offer(
    db: AsyncSession, *, conference: Conference, settings: Settings, attendee: Attendee, run_id: uuid.UUID
) -> None:
    """Takes the seat offered to the attendee, if the offer still stands."""
    await sweep_offers(db, conference=conference, settings=settings, run_id=run_id)
    confirmed = await db.execute(
        update(Rsvp)
        .where(Rsvp.run_id == run_id, Rsvp.attendee_id == attendee.id, Rsvp.status == RsvpStatus.OFFERED)
        .values(status=RsvpStatus.CONFIRMED, offer_expires_at=None, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    if confirmed.rowcount != 1:  # type: ignore[attr-defined]
        raise NoOffer("There is no seat offer for you on this session (it may have run out).")
    await record(
        db, actor=None, action="program.offer_confirmed", subject_type="run", subject_id=run_id,
        conference_id=conference.id, attendee_id=str(attendee.id),
    )  # fmt: skip


async def give_up_seat(
    db: AsyncSession, *, conference: Conference, settings: Settings, attendee: Attendee, run_id: uuid.UUID
) -> None:
    """Gives back the attendee's seat, offer or place in line; a seat goes to the next person waiting."""
    moment = now()
    for held, frees_seat in ((RsvpStatus.CONFIRMED, True), (RsvpStatus.OFFERED, True), (RsvpStatus.WAITING, False)):
        given_back = await db.execute(
            update(Rsvp)
            .where(Rsvp.run_id == run_id, Rsvp.attendee_id == attendee.id, Rsvp.status == held)
            .values(status=RsvpStatus.CANCELLED, offer_expires_at=None, updated_at=moment)
            .execution_options(synchronize_session=False)
        )
        if given_back.rowcount == 1:  # type: ignore[attr-defined]
            if frees_seat:
                await _free_seat(db, conference=conference, settings=settings, run_id=run_id)
            await record(
                db, actor=None, action="program.rsvp_cancelled", subject_type="run", subject_id=run_id,
                conference_id=conference.id, attendee_id=str(attendee.id), was=held.value,
            )  # fmt: skip
            return


# --- a run's RSVPs --------------------------------------------------------------------------------


async def run_rsvps(db: AsyncSession, *, conference: Conference, settings: Settings, run: SessionRun) -> RunRsvpsOut:
    """A run's live RSVPs (seated, offered, waiting) in line order, each waiting one with its place in line.

    Expired offers are swept first, so the seats taken are current.
    """
    await sweep_offers(db, conference=conference, settings=settings, run_id=run.id)
    await db.refresh(run, ["seats_taken"])
    rows = await db.execute(
        select(Rsvp, Attendee)
        .join(Attendee, Attendee.id == Rsvp.attendee_id)
        .where(Rsvp.run_id == run.id, Rsvp.status.in_(LIVE))
        .order_by(Rsvp.queued_at, Rsvp.id)
    )
    waiting = 0
    rsvps = []
    for rsvp, attendee in rows.all():
        position = None
        if rsvp.status == RsvpStatus.WAITING:
            waiting += 1
            position = waiting
        rsvps.append(
            RsvpOut(
                attendee_id=attendee.id, name=f"{attendee.first_name} {attendee.last_name}",
                email=attendee.email, status=rsvp.status.value, queued_at=rsvp.queued_at,
                offer_expires_at=rsvp.offer_expires_at, position=position,
            )
        )  # fmt: skip
    return RunRsvpsOut(run_id=run.id, seat_limit=run.session.seat_limit, seats_taken=run.seats_taken, rsvps=rsvps)
