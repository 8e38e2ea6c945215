"""A conference with an open call for proposals, two committee tracks, two member cities; mail read from the outbox."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role
from events_app.conferences.models import AssociationGroup, Conference, GroupKind, MemberCity
from events_app.core.clock import now
from events_app.core.mail import OutboxMail, message_bytes
from events_app.proposals import call as calls
from events_app.proposals import reviews
from events_app.proposals.schemas import CallIn, ReviewerIn
from events_app.sessions import service as program
from events_app.sessions.models import SessionType, Track
from events_app.sessions.schemas import TrackIn
from tests.conftest import Caller, MakeCaller
from tests.sessions.conftest import make_conference


@dataclass
class CfpWorld:
    conference: Conference
    tracks: dict[str, Track] = field(default_factory=dict)
    cities: dict[str, MemberCity] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"/api/conferences/{self.conference.slug}/cfp"


@pytest.fixture
async def cfp(db: AsyncSession) -> CfpWorld:
    """An anonymous call, open since yesterday for ten days, for the housing and public-safety committees."""
    conference = await make_conference(db)
    world = CfpWorld(conference=conference)
    division = AssociationGroup(kind=GroupKind.DIVISION, slug="central-valley", name="Central Valley")
    db.add(division)
    await db.flush()
    for name in ("Fresno", "Modesto"):
        city = MemberCity(name=name, division_id=division.id)
        db.add(city)
        world.cities[name] = city
    for slug, name in (("housing", "Housing, Community and Economic Development"), ("safety", "Public Safety")):
        committee = AssociationGroup(kind=GroupKind.COMMITTEE, slug=slug, name=name)
        db.add(committee)
        await db.flush()
        world.tracks[slug], _ = await program.create_track(
            db, conference=conference, data=TrackIn(slug=slug, name=name, group_id=committee.id), actor=None
        )
    await calls.set_call(
        db, conference=conference, actor=None,
        data=CallIn(opens_at=now() - timedelta(days=1), closes_at=now() + timedelta(days=10),
                    track_ids=[t.id for t in world.tracks.values()],
                    session_types=[SessionType.BREAKOUT, SessionType.WORKSHOP], durations=[60, 90],
                    criteria=["Relevance", "Quality"], anonymous=True),
    )  # fmt: skip
    await db.commit()
    return world


async def mails_to(db: AsyncSession, address: str) -> list[Any]:
    rows = await db.scalars(select(OutboxMail).where(OutboxMail.recipients == address).order_by(OutboxMail.created_at))
    return [message_from_bytes(message_bytes(m), policy=email_policy.default) for m in rows]


def link_in(message: Any) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://[^/\s]+(/c/\S+/cfp/speaker/\S+)", body)
    assert found, body
    return found.group(1)


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


SignIn = Callable[..., Awaitable[str]]


@pytest.fixture
def sign_in(client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld) -> SignIn:
    """``await sign_in("ana@fresno.gov")`` -> the speaker's token, from the link mailed to them."""

    async def go(email: str) -> str:
        answer = await client.post(f"{cfp.api}/sign-in", json={"email": email})
        assert answer.status_code == 202, answer.text
        return token_of(link_in((await mails_to(db, email))[-1]))

    return go


PROPOSAL = {
    "title": "Housing elements that pass",
    "abstract": "How three cities got their housing elements certified on the first try.",
    "description": "A panel of planners and a city attorney.",
    "audience": "Planners, council members",
    "learning_objectives": "Know the state's review checklist.",
    "format": "Panel",
    "duration_minutes": 60,
    "session_type": "breakout",
}


Submit = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def submit(client: AsyncTestClient[Litestar], cfp: CfpWorld, sign_in: SignIn) -> Submit:
    """``await submit("ana@fresno.gov", name="Ana Ruiz", city="Fresno")`` -> the submitted proposal (with ``token``)."""

    async def go(
        email: str, *, name: str, city: str | None = None, track: str = "housing", **fields: Any
    ) -> dict[str, Any]:
        token = await sign_in(email)
        city_id = str(cfp.cities[city].id) if city else None
        profile = await client.put(f"{cfp.api}/speaker/{token}", json={"name": name, "city_id": city_id})
        assert profile.status_code == 200, profile.text
        body = PROPOSAL | {"track_id": str(cfp.tracks[track].id)} | fields
        made = await client.post(f"{cfp.api}/speaker/{token}/proposals", json=body)
        assert made.status_code == 201, made.text
        sent = await client.post(f"{cfp.api}/speaker/{token}/proposals/{made.json()['id']}/submit")
        assert sent.status_code == 200, sent.text
        submitted: dict[str, Any] = sent.json()
        return submitted | {"token": token}

    return go


MakeReviewer = Callable[..., Awaitable[Caller]]


@pytest.fixture
def make_reviewer(db: AsyncSession, cfp: CfpWorld, make_caller: MakeCaller) -> MakeReviewer:
    """``await make_reviewer("housing", city="Fresno")`` -> a reviewer user of that track, committed."""

    async def go(track: str, *, city: str | None = None) -> Caller:
        caller: Caller = await make_caller(Role.REVIEWER)
        city_id = cfp.cities[city].id if city else None
        await reviews.assign_reviewer(
            db, conference=cfp.conference, actor=None,
            data=ReviewerIn(user_id=caller.user_id, track_id=cfp.tracks[track].id, city_id=city_id),
        )  # fmt: skip
        await db.commit()
        return caller

    return go
