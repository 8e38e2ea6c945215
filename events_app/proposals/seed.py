"""The demo's call for proposals: open now, ~300 proposals across the seven policy committees' tracks,
three reviewers per committee, scores on most submissions and decisions (not yet released) on some.

Rows go in bulk, a few flushes; the reviewers share one password hash made beforehand, so the seed stays fast.
The demo reviewer (``reviewer@demo.events.test``) sits on two committees.
"""

from __future__ import annotations

import random
import statistics
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role, User
from events_app.conferences.models import AssociationGroup, Conference, GroupKind
from events_app.conferences.seed import DEMO_SLUG, cities_with_domain
from events_app.core.clock import now
from events_app.proposals.models import (
    Call,
    Decision,
    Proposal,
    ProposalSpeaker,
    ProposalState,
    Review,
    Reviewer,
)
from events_app.sessions.models import SessionType, Track
from events_app.sessions.seed import FIRST, LAST, TOPICS, demo_speakers

DEMO_REVIEWER = ("reviewer@demo.events.test", "Rita Reviewer", "demo-reviewer-pass")
# The argon2 hash of that password, made once: hashing at seed time costs a second on a busy machine,
# and every committee member of the demo shares it.
DEMO_REVIEWER_HASH = "$argon2id$v=19$m=65536,t=3,p=4$LEXfBLhhyMA7ySYHaD4XbQ$9XkHzLWuwPslVaGoeegy7rF+V9YXDk0TUugsoyZCjps"
PROPOSALS = 300
CRITERIA = ["Relevance to cities", "Practical takeaways", "Speaker expertise"]
SHAPES = (
    "{}",
    "{}: Lessons from Member Cities",
    "{}: What Worked and What Did Not",
    "Workshop: {}",
    "Roundtable: {}",
    "{} in Small Cities",
    "{}: A Toolkit",
)
DESCRIPTION = (
    "The Annual Conference's breakout sessions come from you: city officials and partners who have "
    "solved a problem other cities face.\n\nPropose a session to one of the seven policy committees; "
    "each committee reviews its track's proposals without seeing who wrote them, and the program "
    "committee tells every speaker at once."
)


async def seed(db: AsyncSession, *, rng: random.Random) -> None:
    conference = await db.scalar(select(Conference).where(Conference.slug == DEMO_SLUG))
    if conference is None or await db.scalar(select(Call.id).where(Call.conference_id == conference.id)):
        return
    committees = set(await db.scalars(select(AssociationGroup.id).where(AssociationGroup.kind == GroupKind.COMMITTEE)))
    tracks = [
        t
        for t in await db.scalars(select(Track).where(Track.conference_id == conference.id).order_by(Track.name))
        if t.group_id in committees
    ]
    if not tracks:
        return

    def uid() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    moment = now()
    db.add(
        Call(
            id=uid(),
            conference_id=conference.id,
            opens_at=moment - timedelta(days=30),
            closes_at=moment + timedelta(days=21),
            description=DESCRIPTION,
            track_ids=[str(t.id) for t in tracks],
            session_types=[SessionType.BREAKOUT.value, SessionType.WORKSHOP.value, SessionType.ROUNDTABLE.value],
            durations=[60, 90],
            criteria=CRITERIA,
            anonymous=True,
        )
    )
    city_list = await cities_with_domain(db)

    # Three committee members per track; the demo reviewer also sits on the first two.
    shared_hash = DEMO_REVIEWER_HASH
    taken_emails = set(await db.scalars(select(User.email)))
    demo = User(id=uid(), email=DEMO_REVIEWER[0], name=DEMO_REVIEWER[1], password_hash=shared_hash, role=Role.REVIEWER)
    users = [] if demo.email in taken_emails else [demo]
    seats: dict[uuid.UUID, list[Reviewer]] = {t.id: [] for t in tracks}
    for n, track in enumerate(tracks):
        for k in range(3):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            home, _city, domain = rng.choice(city_list)
            user = User(
                id=uid(),
                email=f"{first[0]}{last}.r{n}{k}@{domain}".lower(),
                name=f"{first} {last}",
                password_hash=shared_hash,
                role=Role.REVIEWER,
            )
            users.append(user)
            seats[track.id].append(
                Reviewer(id=uid(), conference_id=conference.id, user_id=user.id, track_id=track.id, city_id=home)
            )
        if n < 2 and users and users[0] is demo:
            seats[track.id].append(Reviewer(id=uid(), conference_id=conference.id, user_id=demo.id, track_id=track.id))
    db.add_all(users)
    await db.flush()

    speakers = [
        ProposalSpeaker(
            id=uid(),
            conference_id=conference.id,
            email=p.city_email or f"{p.first}.{p.last}@cfp-{n}.example".lower(),
            name=p.name,
            title=p.title,
            organization=p.organization,
            city_id=p.city_id,
            bio=f"{p.name} serves as {p.title} ({p.organization}).",
        )
        for n, p in enumerate(demo_speakers(rng, city_list, count=240, expert_every=8))
    ]
    db.add_all(speakers)
    await db.flush()  # rows of one flush go in by table, not in the order their references need

    proposals: list[Proposal] = []
    reviews: list[Review] = []
    ranked: list[tuple[float, Proposal]] = []
    for n in range(PROPOSALS):
        track = tracks[n % len(tracks)]
        topics = TOPICS.get(track.name) or ("Local Government",)
        title = rng.choice(SHAPES).format(rng.choice(topics))
        speaker = speakers[n % len(speakers)] if n < len(speakers) else rng.choice(speakers)
        draft = n % 15 == 14
        proposal = Proposal(
            id=uid(),
            conference_id=conference.id,
            speaker_id=speaker.id,
            track_id=track.id,
            session_type=SessionType.WORKSHOP.value
            if title.startswith("Workshop")
            else (SessionType.ROUNDTABLE.value if title.startswith("Roundtable") else SessionType.BREAKOUT.value),
            title=title,
            abstract=f"{speaker.organization} shares how it approached {title.lower()}.",
            description="Examples, numbers, and what we would do differently.",
            audience="Council members and staff",
            learning_objectives="Leave with three steps your city can take next quarter.",
            format=rng.choice(("Panel", "Talk with Q&A", "Hands-on", "Case study")),
            duration_minutes=rng.choice((60, 60, 90)),
            state=ProposalState.DRAFT if draft else ProposalState.SUBMITTED,
            submitted_at=None if draft else moment - timedelta(days=rng.randint(1, 29)),
        )
        proposals.append(proposal)
        if draft or rng.random() < 0.25:
            continue
        clear = [s for s in seats[track.id] if s.city_id is None or s.city_id != speaker.city_id]
        totals = []
        for seat in rng.sample(clear, k=min(len(clear), rng.randint(2, 3))):
            scores = {c: rng.randint(1, 5) for c in CRITERIA}
            total = round(statistics.fmean(scores.values()), 2)
            totals.append(total)
            reviews.append(
                Review(
                    id=uid(),
                    proposal_id=proposal.id,
                    user_id=seat.user_id,
                    scores=scores,
                    total=total,
                    comment=rng.choice(("", "Timely.", "Needs a city voice.", "Strong examples.")),
                )
            )
        if totals:
            ranked.append((statistics.fmean(totals), proposal))
    # The program committee has decided on the best, the weakest and a few in between; nothing is released yet.
    ranked.sort(key=lambda r: -r[0])
    for decision, chosen in (
        (Decision.ACCEPTED, ranked[:30]),
        (Decision.WAITLISTED, ranked[30:42]),
        (Decision.REJECTED, ranked[-20:]),
    ):
        for _average, proposal in chosen:
            proposal.decision, proposal.decided_at = decision, moment
    db.add_all([seat for track_seats in seats.values() for seat in track_seats])
    db.add_all(proposals)
    await db.flush()
    db.add_all(reviews)
