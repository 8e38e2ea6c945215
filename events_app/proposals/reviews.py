"""Committees' reviews and the organizers' list: reviewers per track, anonymous review queues
without conflicts of interest, scores on the call's criteria, each proposal's average and spread."""

from __future__ import annotations

import math
import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.pagination import OffsetPagination
from sqlalchemy import Numeric, Row, Select, and_, case, cast, func, nulls_last, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from events_app.accounts import service as accounts
from events_app.accounts.errors import UserNotFound
from events_app.accounts.models import Role, User
from events_app.accounts.service import Principal
from events_app.conferences.errors import CityNotFound
from events_app.conferences.models import Conference, MemberCity
from events_app.core.pagination import page_of, paginate_rows
from events_app.core.shapes import shaped
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
    CoSpeaker,
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


def _seated(call: Call, user_id: uuid.UUID, *columns: Any) -> Select[*tuple[Any, ...]]:
    """``columns`` of the call's proposals in the tracks the user has a seat on, each row with that seat."""
    conference_id = call.conference_id
    seat = and_(Reviewer.track_id == Proposal.track_id, Reviewer.user_id == user_id,
                Reviewer.conference_id == conference_id)  # fmt: skip
    return select(*columns).select_from(Proposal).join(Reviewer, seat).where(Proposal.conference_id == conference_id)


def _conflict() -> ColumnElement[bool]:
    """A speaker of the proposal, its owner or a co-speaker, is from the city of the reviewer's seat.

    EXISTS is never NULL, so a seat or a speaker without a city is simply no conflict. The speakers are
    named without an alias, so the enclosing query must not read speakers itself (they would correlate):
    adapting an alias, on every request, was a fifth of a review list's CPU."""
    owner = select(ProposalSpeaker.id).where(
        ProposalSpeaker.id == Proposal.speaker_id, ProposalSpeaker.city_id == Reviewer.city_id
    )
    co = (
        select(CoSpeaker.id).join(ProposalSpeaker, ProposalSpeaker.id == CoSpeaker.speaker_id)
        .where(CoSpeaker.proposal_id == Proposal.id, ProposalSpeaker.city_id == Reviewer.city_id)
    )  # fmt: skip
    return or_(owner.exists(), co.exists())


def _queue_query(call: Call, user_id: uuid.UUID) -> Select[*tuple[Any, ...]]:
    """The proposals before the reviewer without conflicts, with their track's name and the reviewer's own review."""
    mine = and_(Review.proposal_id == Proposal.id, Review.user_id == user_id)
    return (
        _seated(call, user_id, Proposal, Track.name, Review.scores, Review.comment)
        .join(Track, Track.id == Proposal.track_id).outerjoin(Review, mine)
        .where(Proposal.state == ProposalState.SUBMITTED, ~_conflict())
    )  # fmt: skip


async def _review_items(db: AsyncSession, call: Call, found: Sequence[Row[*tuple[Any, ...]]]) -> list[ReviewItem]:
    """The rows as the reviewer sees them; the speakers are read only when the call names them."""
    speakers = None if call.anonymous else await speakers_of(db, [proposal.id for proposal, *_ in found])
    return [
        shaped(
            ReviewItem, proposal, track=track, my_scores=scores, my_comment=comment or "",
            speakers=None if speakers is None else [shown_name(s) for s in speakers[proposal.id]],
        )
        for proposal, track, scores, comment in found
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    call: Call
    items: list[ReviewItem]
    total: int  # proposals before the reviewer, on every page
    conflicts: int  # proposals of the reviewer's tracks left out because a speaker shares their city


async def review_queue(
    db: AsyncSession, *, call: Call, user_id: uuid.UUID, limit: int | None = None, offset: int = 0
) -> ReviewQueue:
    """The submitted proposals of the reviewer's tracks in the order they came, without those they have a
    conflict with, without the speakers when the call is anonymous; ``limit`` of them from ``offset``, or all."""
    conflict = _conflict()
    state = Proposal.state == ProposalState.SUBMITTED
    seen, conflicts = (
        await db.execute(_seated(call, user_id, func.count(), func.count(case((conflict, 1)))).where(state))
    ).one()
    query = _queue_query(call, user_id).order_by(Proposal.submitted_at, Proposal.id).limit(limit).offset(offset)
    items = await _review_items(db, call, (await db.execute(query)).all())
    return ReviewQueue(call=call, items=items, total=seen - conflicts, conflicts=conflicts)


async def review_item(db: AsyncSession, *, call: Call, user_id: uuid.UUID, proposal_id: uuid.UUID) -> ReviewItem:
    """One proposal of the reviewer's queue."""
    found = (await db.execute(_queue_query(call, user_id).where(Proposal.id == proposal_id))).all()
    if not found:
        raise ProposalNotFound("This proposal is not in your review queue.")
    return (await _review_items(db, call, found))[0]


async def review_proposal(
    db: AsyncSession, *, conference: Conference, user_id: uuid.UUID, proposal_id: uuid.UUID, data: ReviewIn
) -> Review:
    """Scores a proposal on each of the call's criteria (1-5) with a comment; a second review replaces the first."""
    call = await get_call(db, conference=conference)
    proposal = await get_proposal(db, conference=conference, proposal_id=proposal_id)
    # None: no seat on the proposal's track.
    conflicted = await db.scalar(_seated(call, user_id, _conflict()).where(Proposal.id == proposal.id))
    if conflicted is None:
        raise NotYourTrack("You review only the proposals of your committees' tracks.")
    if proposal.state != ProposalState.SUBMITTED:
        raise ProposalNotFound("This proposal is not before the committee.")
    if conflicted:
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


@dataclass(frozen=True, slots=True)
class ProposalFilter:
    """Which proposals the organizers' list shows, in which order; no state means submitted or withdrawn."""

    track_id: uuid.UUID | None = None
    state: ProposalState | None = None
    decision: Decision | None = None
    sort: Sort = "average"


EVERY_PROPOSAL = ProposalFilter()


def _rows_query(
    conference: Conference, shown: ProposalFilter, ids: Sequence[uuid.UUID] | None
) -> Select[*tuple[Any, ...]]:
    """One statement for the whole list: each proposal with its speaker and its reviews' count, average and
    variance, grouped in the database so no review row travels for it."""
    standing = (
        select(Review.proposal_id, func.count().label("reviews"), func.avg(Review.total).label("average"),
               func.avg(Review.total * Review.total).label("square"))
        .join(Proposal, Proposal.id == Review.proposal_id).where(Proposal.conference_id == conference.id)
        .group_by(Review.proposal_id).subquery()
    )  # fmt: skip
    variance = standing.c.square - standing.c.average * standing.c.average
    query = (
        select(
            Proposal.id, Proposal.title, Proposal.track_id, Track.name, Proposal.session_type,
            Proposal.duration_minutes, Proposal.state, Proposal.submitted_at, ProposalSpeaker.name,
            ProposalSpeaker.email, func.coalesce(MemberCity.name, ProposalSpeaker.organization), standing.c.reviews,
            standing.c.average, variance, Proposal.decision, Proposal.released_at, Proposal.response,
            Proposal.session_id,
        )
        .join(ProposalSpeaker, ProposalSpeaker.id == Proposal.speaker_id)
        .join(Track, Track.id == Proposal.track_id)
        .outerjoin(MemberCity, MemberCity.id == ProposalSpeaker.city_id)
        .outerjoin(standing, standing.c.proposal_id == Proposal.id)
        .where(Proposal.conference_id == conference.id)
    )  # fmt: skip
    if shown.track_id is not None:
        query = query.where(Proposal.track_id == shown.track_id)
    if shown.state is not None:
        query = query.where(Proposal.state == shown.state)
    else:
        query = query.where(Proposal.state != ProposalState.DRAFT)  # drafts are the speakers' own business
    if shown.decision is not None:
        query = query.where(Proposal.decision == shown.decision)
    if ids is not None:
        query = query.where(Proposal.id.in_(ids))
    # Rounded as shown, so that proposals whose figures look the same go by title, whatever the float noise.
    shown_average = func.round(cast(standing.c.average, Numeric), 2)
    order = {
        "average": (nulls_last(shown_average.desc()), Proposal.title),
        "spread": (nulls_last(func.round(cast(variance, Numeric), 4).desc()), Proposal.title),
        "reviews": (func.coalesce(standing.c.reviews, 0), Proposal.title),
        "title": (func.lower(Proposal.title),),
        "submitted": (nulls_last(Proposal.submitted_at),),
    }
    return query.order_by(*order[shown.sort], Proposal.id)  # the id keeps pages apart where all else ties


def _row(found: Row[*tuple[Any, ...]]) -> ProposalRow:
    (id_, title, track_id, track, session_type, minutes, state, submitted_at, speaker_name, speaker_email,
     speaker_city, reviews, average, variance, decision, released_at, response, session_id) = found  # fmt: skip
    return ProposalRow(
        id=id_, title=title, track_id=track_id, track=track, session_type=session_type, duration_minutes=minutes,
        state=state, submitted_at=submitted_at, speaker_name=speaker_name, speaker_email=speaker_email,
        speaker_city=speaker_city, reviews=reviews or 0,
        average=None if average is None else round(average, 2),
        spread=None if variance is None else round(math.sqrt(max(variance, 0.0)), 2),  # population deviation
        decision=decision, released=released_at is not None, response=response, session_id=session_id,
    )  # fmt: skip


async def proposal_rows(
    db: AsyncSession, *, conference: Conference, shown: ProposalFilter = EVERY_PROPOSAL,
    ids: Sequence[uuid.UUID] | None = None,
) -> list[ProposalRow]:  # fmt: skip
    """Every proposal with its speaker, its reviews' average and spread and its decision, filtered and sorted."""
    return [_row(found) for found in await db.execute(_rows_query(conference, shown, ids))]


async def proposal_page(
    db: AsyncSession, *, conference: Conference, shown: ProposalFilter, limit: int, offset: int
) -> OffsetPagination[ProposalRow]:
    """``proposal_rows``, one page of them."""
    return page_of(await paginate_rows(db, _rows_query(conference, shown, None), limit=limit, offset=offset), _row)


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
    rows = await proposal_rows(db, conference=conference, shown=ProposalFilter(state=proposal.state), ids=[proposal.id])
    shown = (await proposals_out(db, [proposal]))[0]
    shown = msgspec.structs.replace(shown, decision=proposal.decision)  # organizers see their own decision
    signed = [ReviewOut(reviewer=u.name, scores=r.scores, total=r.total, comment=r.comment)
              for r, u in await reviews_of(db, proposal=proposal)]  # fmt: skip
    return ProposalDetail(row=rows[0], proposal=shown, reviews=signed)
