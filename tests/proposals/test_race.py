"""A speaker's "confirm" sent twice at the same moment through two app processes makes one session, one
program speaker and one comp registration; and two organizers accepting at once audit one decision."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.proposals import call as calls
from events_app.proposals import decisions, submissions
from events_app.proposals.models import Proposal, ProposalSpeaker
from events_app.proposals.schemas import DecisionIn, ProfileIn, ProposalIn
from events_app.registration.models import Attendee
from events_app.sessions.models import ProgramSession, Speaker
from events_app.settings import Settings
from tests.conftest import Caller, LiveServer, session_for
from tests.proposals.conftest import CfpWorld

ROUNDS = 5


async def accepted_proposals(db: AsyncSession, cfp: CfpWorld, settings: Settings) -> list[tuple[str, Proposal]]:
    """``ROUNDS`` speakers, each with one accepted and released proposal; their link tokens."""
    made = []
    for n in range(ROUNDS):
        speaker = ProposalSpeaker(conference_id=cfp.conference.id, email=f"speaker{n}@fresno.gov")
        db.add(speaker)
        await db.flush()
        await submissions.update_profile(db, conference=cfp.conference, speaker=speaker,
                                         data=ProfileIn(name=f"Speaker {n}"))  # fmt: skip
        proposal = await submissions.create_proposal(
            db, conference=cfp.conference, speaker=speaker,
            data=ProposalIn(track_id=cfp.tracks["housing"].id, title=f"Talk {n}", abstract="Why and how."),
        )  # fmt: skip
        await submissions.submit_proposal(db, proposal=proposal, speaker=speaker)
        made.append((submissions.speaker_token(settings, speaker), proposal))
    await db.commit()
    return made


@pytest.mark.postgres_only
async def test_confirm_sent_twice_at_once_from_two_processes_makes_one_session_and_one_registration(
    db: AsyncSession, settings: Settings, cfp: CfpWorld, organizer: Caller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:  # fmt: skip
    made = await accepted_proposals(db, cfp, settings)
    first, second = live_servers(2)
    api = f"/api/conferences/{cfp.conference.slug}/cfp"
    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(client.get(f"{first.url}/health"), client.get(f"{second.url}/health"))
        # Two organizers accept every proposal at the same moment, one through each process.
        accepts = await asyncio.gather(*(
            client.post(f"{server.url}{api}/proposals/{proposal.id}/decision", json={"decision": "accepted"},
                        headers=organizer.headers)
            for _token, proposal in made for server in (first, second)
        ))  # fmt: skip
        assert {a.status_code for a in accepts} == {200}
        released = await client.post(f"{first.url}{api}/release", headers=organizer.headers)
        assert released.json()["accepted"] == ROUNDS
        answers = await asyncio.gather(*(
            client.post(f"{server.url}{api}/speaker/{token}/proposals/{proposal.id}/confirm")
            for token, proposal in made for server in (first, second)
        ))  # fmt: skip
    assert {a.status_code for a in answers} == {200}, [a.text for a in answers if a.status_code != 200]

    async with session_for(settings) as check:
        assert await check.scalar(select(func.count(ProgramSession.id))) == ROUNDS
        assert await check.scalar(select(func.count(Speaker.id))) == ROUNDS
        assert await check.scalar(select(func.count(Attendee.id))) == ROUNDS
        linked = await check.scalars(select(Proposal.session_id).where(Proposal.id.in_([p.id for _, p in made])))
        assert len(set(linked)) == ROUNDS
        decided = await check.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "proposals.decided"))
        assert decided == ROUNDS


async def test_the_same_decision_twice_is_recorded_once(db: AsyncSession, settings: Settings, cfp: CfpWorld) -> None:
    [(_token, proposal)] = (await accepted_proposals(db, cfp, settings))[:1]
    for _ in range(2):
        await decisions.decide(db, conference=cfp.conference, proposal_id=proposal.id,
                               data=DecisionIn(decision="accepted"), actor=None)  # fmt: skip
    await db.commit()
    assert await db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "proposals.decided")) == 1
    assert (await calls.get_call(db, conference=cfp.conference)).decisions_released_at is None
