"""Committees' reviews and the organizers' list: reviewers per track, anonymous review queues
without conflicts of interest, scores on the call's criteria, each proposal's average and spread."""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts import service as accounts
from events_app.accounts.errors import UserNotFound
from events_app.accounts.models import Role, User
from events_app.accounts.service import Principal
from events_app.conferences.errors import CityNotFound
from events_app.conferences.models import Conference, MemberCity
from events_app.core.clock import now
from events_app.core.spreadsheet import csv_file
from events_app.proposals.call import audit, get_call
from events_app.proposals.errors import (
    ConflictOfInterest,
    NotAReviewer,
    NotYourTrack,
    ProposalNotFound,
    ReviewerNotFound,
    ScoresNotTheCriteria,
)
from events_app.proposals.models import (
    Call,
    Decision,
    Proposal,
    ProposalSpeaker,
    ProposalState,
    Review,
    Reviewer,
)
from events_app.proposals.schemas import (
    ProposalDetail,
    ProposalRow,
    ReviewerIn,
    ReviewerOut,
    ReviewIn,
    ReviewItem,
    ReviewOut,
    Sort,
)
from events_app.proposals.submissions import get_proposal, proposals_out, shown_name, speakers_of
from events_app.sessions import service as program
from events_app.sessions.models import Track


async def assign_reviewer(
    db: AsyncSession, *, conference: Conference, data: ReviewerIn, actor: Principal | None
) -> Reviewer:
    """Makes a user a reviewer of a track (a committee's), with the city that marks their conflicts."""
    await program.get_owned(db, Track, data.track_id, conference=conference)
    if data.city_id is not None and await db.get(MemberCity, data.city_id) is None:
        raise CityNotFound("city_id is not the id of a member city.")
    if await db.get(User, data.user_id) is None:
        raise UserNotFound("user_id is not the id of a user.")
    reviewer = await db.scalar(
        select(Reviewer).where(Reviewer.track_id == data.track_id, Reviewer.user_id == data.user_id)
    )
    if reviewer is None:
        reviewer = Reviewer(conference_id=conference.id, user_id=data.user_id, track_id=data.track_id)
        db.add(reviewer)
    reviewer.city_id = data.city_id
    await db.flush()
    await audit(db, actor, "reviewer.assigned", reviewer, user_id=str(data.user_id), track_id=str(data.track_id))
    return reviewer


async def seat_reviewer(
    db: AsyncSession,
    *,
    conference: Conference,
    email: str,
    track_id: uuid.UUID,
    city_id: uuid.UUID | None,
    actor: Principal | None,
    name: str = "",
    password: str = "",
) -> Reviewer:
    """Seats a committee member on a track by e-mail; with a name and a first password, a new member gets a
    reviewer's account first (an organizer may be seated too: they can already review)."""
    user = await accounts.user_by_email(db, email=email)
    if user is None:
        if not (name.strip() and password):
            raise UserNotFound(f"No user has the email {email.strip()}: give a name and a first password to add one.")
        user = await accounts.create_user(db, email=email, name=name, password=password, role=Role.REVIEWER)
    elif user.role not in (Role.REVIEWER, Role.ORGANIZER):
        raise NotAReviewer(f"{user.email} signs in as {user.role.value}; only reviewers and organizers review.")
    data = ReviewerIn(user_id=user.id, track_id=track_id, city_id=city_id)
    return await assign_reviewer(db, conference=conference, data=data, actor=actor)


async def unseat_reviewer(db: AsyncSession, *, conference: Conference, reviewer_id: uuid.UUID,
                          actor: Principal | None) -> Reviewer:  # fmt: skip
    """Takes a member off a track's committee; the reviews they wrote stay with the proposals."""
    reviewer = await db.get(Reviewer, reviewer_id)
    if reviewer is None or reviewer.conference_id != conference.id:
        raise ReviewerNotFound("This reviewer has no seat on this conference's committees.")
    await audit(db, actor, "reviewer.unseated", reviewer, user_id=str(reviewer.user_id),
                track_id=str(reviewer.track_id))  # fmt: skip
    await db.delete(reviewer)
    await db.flush()
    return reviewer


async def list_reviewers(db: AsyncSession, *, conference: Conference) -> list[tuple[Reviewer, User]]:
    rows = await db.execute(
        select(Reviewer, User).join(User, User.id == Reviewer.user_id)
        .where(Reviewer.conference_id == conference.id).order_by(User.name)
    )  # fmt: skip
    return [(r, u) for r, u in rows]


async def _seats_of(db: AsyncSession, conference: Conference, user_id: uuid.UUID) -> dict[uuid.UUID, Reviewer]:
    rows = await db.scalars(
        select(Reviewer).where(Reviewer.conference_id == conference.id, Reviewer.user_id == user_id)
    )
    return {r.track_id: r for r in rows}


def _conflicted(reviewer: Reviewer, speakers: Iterable[ProposalSpeaker]) -> bool:
    return reviewer.city_id is not None and any(s.city_id == reviewer.city_id for s in speakers)


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    call: Call
    items: list[ReviewItem]
    conflicts: int  # proposals of the reviewer's tracks left out because a speaker shares their city


async def review_queue(db: AsyncSession, *, conference: Conference, user_id: uuid.UUID) -> ReviewQueue:
    """The submitted proposals of the reviewer's tracks, without those they have a conflict with;
    without the speakers when the call is anonymous."""
    call = await get_call(db, conference=conference)
    seats = await _seats_of(db, conference, user_id)
    proposals = list(
        await db.scalars(
            select(Proposal)
            .where(
                Proposal.conference_id == conference.id,
                Proposal.track_id.in_(list(seats)),
                Proposal.state == ProposalState.SUBMITTED,
            )
            .order_by(Proposal.submitted_at)
        )
    )
    speakers = await speakers_of(db, [p.id for p in proposals])
    mine = {
        r.proposal_id: r
        for r in await db.scalars(
            select(Review).where(Review.user_id == user_id, Review.proposal_id.in_([p.id for p in proposals]))
        )
    }
    tracks = {t.id: t.name for t in await db.scalars(select(Track).where(Track.id.in_(list(seats))))}
    items, conflicts = [], 0
    for proposal in proposals:
        if _conflicted(seats[proposal.track_id], speakers[proposal.id]):
            conflicts += 1
            continue
        review = mine.get(proposal.id)
        items.append(
            ReviewItem(
                id=proposal.id, track_id=proposal.track_id, track=tracks[proposal.track_id], title=proposal.title,
                session_type=proposal.session_type, abstract=proposal.abstract, description=proposal.description,
                audience=proposal.audience, learning_objectives=proposal.learning_objectives, format=proposal.format,
                duration_minutes=proposal.duration_minutes, my_scores=review.scores if review else None,
                my_comment=review.comment if review else "",
                speakers=None if call.anonymous else [shown_name(s) for s in speakers[proposal.id]],
            )
        )  # fmt: skip
    return ReviewQueue(call=call, items=items, conflicts=conflicts)


async def review_proposal(
    db: AsyncSession, *, conference: Conference, user_id: uuid.UUID, proposal_id: uuid.UUID, data: ReviewIn
) -> Review:
    """Scores a proposal on each of the call's criteria (1-5) with a comment; a second review replaces the first."""
    call = await get_call(db, conference=conference)
    proposal = await get_proposal(db, conference=conference, proposal_id=proposal_id)
    seat = (await _seats_of(db, conference, user_id)).get(proposal.track_id)
    if seat is None:
        raise NotYourTrack("You review only the proposals of your committees' tracks.")
    if proposal.state != ProposalState.SUBMITTED:
        raise ProposalNotFound("This proposal is not before the committee.")
    if _conflicted(seat, (await speakers_of(db, [proposal.id]))[proposal.id]):
        raise ConflictOfInterest("A speaker of this proposal is from your city; another member reviews it.")
    if sorted(data.scores) != sorted(call.criteria):
        raise ScoresNotTheCriteria(f"Score each of {', '.join(call.criteria)} from 1 to 5.", criteria=call.criteria)
    review = await db.scalar(select(Review).where(Review.proposal_id == proposal.id, Review.user_id == user_id))
    if review is None:
        review = Review(proposal_id=proposal.id, user_id=user_id)
        db.add(review)
    review.scores = dict(data.scores)
    review.total = round(statistics.fmean(data.scores.values()), 2)
    review.comment = data.comment.strip()
    await db.flush()
    return review


# --- the organizers' list ---------------------------------------------------------------------------


def _standing(totals: list[float]) -> tuple[float | None, float | None]:
    """The average of the reviews' totals and their spread (population standard deviation)."""
    if not totals:
        return None, None
    return round(statistics.fmean(totals), 2), round(statistics.pstdev(totals), 2)


_SORT_KEYS = {
    "average": lambda r: (r.average is None, -(r.average or 0), r.title),
    "spread": lambda r: (r.spread is None, -(r.spread or 0), r.title),
    "reviews": lambda r: (r.reviews, r.title),
    "title": lambda r: (r.title.lower(),),
    "submitted": lambda r: (r.submitted_at is None, r.submitted_at or now()),
}


async def proposal_rows(
    db: AsyncSession, *, conference: Conference, track_id: uuid.UUID | None = None,
    state: ProposalState | None = None, decision: Decision | None = None, sort: Sort = "average",
    ids: Sequence[uuid.UUID] | None = None,
) -> list[ProposalRow]:  # fmt: skip
    """Every proposal with its speaker, its reviews' average and spread and its decision, filtered and sorted."""
    query = (
        select(Proposal, ProposalSpeaker, Track.name, MemberCity.name)
        .join(ProposalSpeaker, ProposalSpeaker.id == Proposal.speaker_id)
        .join(Track, Track.id == Proposal.track_id)
        .outerjoin(MemberCity, MemberCity.id == ProposalSpeaker.city_id)
        .where(Proposal.conference_id == conference.id)
    )
    if track_id is not None:
        query = query.where(Proposal.track_id == track_id)
    if state is not None:
        query = query.where(Proposal.state == state)
    else:
        query = query.where(Proposal.state != ProposalState.DRAFT)  # drafts are the speakers' own business
    if decision is not None:
        query = query.where(Proposal.decision == decision)
    if ids is not None:
        query = query.where(Proposal.id.in_(ids))
    found = (await db.execute(query)).all()
    totals: dict[uuid.UUID, list[float]] = defaultdict(list)
    review_rows = await db.execute(
        select(Review.proposal_id, Review.total).join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.conference_id == conference.id)
    )  # fmt: skip
    for proposal_id, total in review_rows:
        totals[proposal_id].append(total)
    rows = []
    for proposal, speaker, track_name, city_name in found:
        average, spread = _standing(totals[proposal.id])
        rows.append(
            ProposalRow(
                id=proposal.id, title=proposal.title, track_id=proposal.track_id, track=track_name,
                session_type=proposal.session_type, duration_minutes=proposal.duration_minutes, state=proposal.state,
                submitted_at=proposal.submitted_at, speaker_name=speaker.name, speaker_email=speaker.email,
                speaker_city=city_name or speaker.organization, reviews=len(totals[proposal.id]), average=average,
                spread=spread, decision=proposal.decision, released=proposal.released_at is not None,
                response=proposal.response, session_id=proposal.session_id,
            )
        )  # fmt: skip
    rows.sort(key=_SORT_KEYS[sort])
    return rows


async def reviews_of(db: AsyncSession, *, proposal: Proposal) -> list[tuple[Review, User]]:
    rows = await db.execute(
        select(Review, User).join(User, User.id == Review.user_id)
        .where(Review.proposal_id == proposal.id).order_by(Review.created_at)
    )  # fmt: skip
    return [(r, u) for r, u in rows]


async def proposals_csv(rows: Sequence[ProposalRow]) -> str:
    """The organizers' export: every proposal with its speaker, scores and decision."""
    header = ["title", "track", "type", "minutes", "state", "speaker", "email", "city or organization", "reviews",
              "average", "spread", "decision", "released", "response"]  # fmt: skip
    return await csv_file(
        header,
        ([r.title, r.track, r.session_type, r.duration_minutes, r.state.value, r.speaker_name, r.speaker_email,
          r.speaker_city, r.reviews, r.average, r.spread, r.decision.value, "yes" if r.released else "no",
          r.response.value] for r in rows),
        byte_order_mark=True,
    )  # fmt: skip


async def review_queue_csv(queue: ReviewQueue) -> str:
    """A reviewer's export: their proposals and their own scores; speakers only when the call is not anonymous."""
    header = ["title", "track", "type", "minutes", "abstract", *queue.call.criteria, "comment"]
    if not queue.call.anonymous:
        header.append("speakers")
    rows = []
    for item in queue.items:
        scores = [(item.my_scores or {}).get(c, "") for c in queue.call.criteria]
        row = [
            item.title,
            item.track,
            item.session_type,
            item.duration_minutes,
            item.abstract,
            *scores,
            item.my_comment,
        ]
        if item.speakers is not None:
            row.append("; ".join(item.speakers))
        rows.append(row)
    return await csv_file(header, rows, byte_order_mark=True)


def reviewer_out(reviewer: Reviewer, user: User) -> ReviewerOut:
    return ReviewerOut(id=reviewer.id, user_id=user.id, name=user.name, email=user.email, track_id=reviewer.track_id,
                       city_id=reviewer.city_id)  # fmt: skip


async def reviewer_user(db: AsyncSession, *, reviewer: Reviewer) -> User:
    return await db.get_one(User, reviewer.user_id)


async def proposal_detail(db: AsyncSession, *, conference: Conference, proposal_id: uuid.UUID) -> ProposalDetail:
    """A proposal for organizers: its row, its answers and every review, signed."""
    proposal = await get_proposal(db, conference=conference, proposal_id=proposal_id)
    rows = await proposal_rows(db, conference=conference, ids=[proposal.id], state=proposal.state)
    shown = (await proposals_out(db, [proposal]))[0]
    shown = msgspec.structs.replace(shown, decision=proposal.decision)  # organizers see their own decision
    signed = [ReviewOut(reviewer=u.name, scores=r.scores, total=r.total, comment=r.comment)
              for r, u in await reviews_of(db, proposal=proposal)]  # fmt: skip
    return ProposalDetail(row=rows[0], proposal=shown, reviews=signed)
