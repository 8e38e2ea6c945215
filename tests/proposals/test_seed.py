"""The demo's call: open, 300 proposals over the seven committees, reviewers without conflicts, decisions to release."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import authenticate
from events_app.conferences.models import Conference
from events_app.demo import seed_demo
from events_app.proposals import call as calls
from events_app.proposals import reviews
from events_app.proposals.models import Decision, Proposal, Reviewer
from events_app.proposals.seed import DEMO_REVIEWER


async def test_the_demo_call_is_open_with_reviewed_proposals_in_every_committee(db: AsyncSession) -> None:
    await seed_demo(db)
    await db.commit()
    conference = (await db.scalars(select(Conference).where(Conference.slug == "annual-2027"))).one()
    call = await calls.get_call(db, conference=conference)
    assert calls.is_open(call)
    assert len(call.track_ids) == 7
    proposals = list(await db.scalars(select(Proposal).where(Proposal.conference_id == conference.id)))
    assert len(proposals) == 300
    assert len({p.track_id for p in proposals}) == 7
    decided = Counter(p.decision for p in proposals if p.decision != Decision.UNDECIDED)
    assert set(decided) == {Decision.ACCEPTED, Decision.REJECTED, Decision.WAITLISTED}
    assert all(p.released_at is None for p in proposals)

    rows = await reviews.proposal_rows(db, conference=conference)
    assert sum(1 for r in rows if r.reviews >= 2) > 150
    seats = Counter(r.track_id for r in await db.scalars(select(Reviewer)))
    assert min(seats.values()) >= 3

    demo = await authenticate(db, email=DEMO_REVIEWER[0], password=DEMO_REVIEWER[2])
    assert demo is not None
    queue = await reviews.review_queue(db, call=call, user_id=demo.id)
    assert len(queue.items) > 50
    assert all(item.speakers is None for item in queue.items)
