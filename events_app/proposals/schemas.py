"""Request and response shapes of the call for proposals.

Two views of a proposal: ``ProposalOut`` for its speakers and organizers, with names; and
``ReviewItem`` for reviewers, which has no field for a speaker's name, e-mail or city when
the call is anonymous, so nothing can leak through a template or an export by mistake.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from events_app.proposals.models import Decision, ProposalState, SpeakerResponse
from events_app.sessions.models import SessionType

Name = Annotated[str, msgspec.Meta(max_length=200)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
LongText = Annotated[str, msgspec.Meta(max_length=20_000)]
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
Minutes = Annotated[int, msgspec.Meta(ge=5, le=600)]
Score = Annotated[int, msgspec.Meta(ge=1, le=5)]
Criterion = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
SORTS = ("average", "spread", "reviews", "title", "submitted")
# The questions a proposal answers, in the order the form asks them.
QUESTIONS = (
    "title", "abstract", "description", "audience", "learning_objectives", "format", "duration_minutes", "co_speakers",
)  # fmt: skip
Sort = Literal["average", "spread", "reviews", "title", "submitted"]


class CallIn(msgspec.Struct, forbid_unknown_fields=True):
    opens_at: datetime
    closes_at: datetime
    track_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=100)]
    session_types: Annotated[list[SessionType], msgspec.Meta(min_length=1)] = msgspec.field(
        default_factory=lambda: [SessionType.BREAKOUT]
    )
    durations: Annotated[list[Minutes], msgspec.Meta(min_length=1, max_length=20)] = msgspec.field(
        default_factory=lambda: [60]
    )
    criteria: Annotated[list[Criterion], msgspec.Meta(min_length=1, max_length=10)] = msgspec.field(
        default_factory=lambda: ["Relevance", "Quality"]
    )
    anonymous: bool = True
    description: LongText = ""


class CallTrack(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str


class CallOut(msgspec.Struct):
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    tracks: list[CallTrack]
    session_types: list[str]
    durations: list[int]
    criteria: list[str]
    anonymous: bool
    description: str
    decisions_released_at: datetime | None
    questions: list[str] = msgspec.field(default_factory=lambda: list(QUESTIONS))


class SignInIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class Window(msgspec.Struct, forbid_unknown_fields=True):
    starts_at: datetime
    ends_at: datetime


class ProfileIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name = ""
    title: ShortText = ""
    organization: ShortText = ""
    city_id: uuid.UUID | None = None
    bio: LongText = ""
    availability: Annotated[list[Window], msgspec.Meta(max_length=20)] = []


class ProfileOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    name: str
    title: str
    organization: str
    city_id: uuid.UUID | None
    bio: str
    has_photo: bool
    availability: list[Window]


class ProposalIn(msgspec.Struct, forbid_unknown_fields=True):
    track_id: uuid.UUID
    title: Title
    session_type: SessionType = SessionType.BREAKOUT
    abstract: LongText = ""
    description: LongText = ""
    audience: Annotated[str, msgspec.Meta(max_length=500)] = ""
    learning_objectives: LongText = ""
    format: ShortText = ""
    duration_minutes: Minutes = 60


class CoSpeakerIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class ProposalContent(msgspec.Struct):
    """What the speakers wrote: the part of a proposal that every view of it shows."""

    id: uuid.UUID
    track_id: uuid.UUID
    title: str
    session_type: str
    abstract: str
    description: str
    audience: str
    learning_objectives: str
    format: str
    duration_minutes: int


class ProposalOut(ProposalContent):
    state: ProposalState
    submitted_at: datetime | None
    speaker_name: str
    speaker_email: str
    co_speakers: list[str]
    # What the speaker was told; an organizer's decision stays private until it is released.
    decision: Decision
    response: SpeakerResponse
    session_id: uuid.UUID | None


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    scores: Annotated[dict[Criterion, Score], msgspec.Meta(max_length=10)]
    comment: LongText = ""


class ReviewOut(msgspec.Struct):
    reviewer: str
    scores: dict[str, int]
    total: float
    comment: str


class ReviewItem(ProposalContent):
    """A proposal as a reviewer sees it: the speakers appear only when the call is not anonymous."""

    track: str
    my_scores: dict[str, int] | None
    my_comment: str
    speakers: list[str] | None = None


class ProposalRow(msgspec.Struct):
    """A proposal in the organizers' list: who, where, how it was scored, what was decided."""

    id: uuid.UUID
    title: str
    track_id: uuid.UUID
    track: str
    session_type: str
    duration_minutes: int
    state: ProposalState
    submitted_at: datetime | None
    speaker_name: str
    speaker_email: str
    speaker_city: str
    reviews: int
    average: float | None
    spread: float | None
    decision: Decision
    released: bool
    response: SpeakerResponse
    session_id: uuid.UUID | None


class ProposalDetail(msgspec.Struct):
    row: ProposalRow
    proposal: ProposalOut
    reviews: list[ReviewOut]


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["accepted", "rejected", "waitlisted"]


class ReleaseOut(msgspec.Struct):
    accepted: int
    rejected: int
    waitlisted: int


class ReviewerIn(msgspec.Struct, forbid_unknown_fields=True):
    user_id: uuid.UUID
    track_id: uuid.UUID
    city_id: uuid.UUID | None = None


class ReviewerOut(msgspec.Struct):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    email: str
    track_id: uuid.UUID
    city_id: uuid.UUID | None


class Confirmation(msgspec.Struct):
    proposal_id: uuid.UUID
    response: SpeakerResponse
    session_id: uuid.UUID | None


class ReviewQueueOut(msgspec.Struct):
    """One page of a reviewer's queue; ``total``, ``limit`` and ``offset`` page it as every list of the API pages."""

    criteria: list[str]
    anonymous: bool
    proposals: list[ReviewItem]
    total: int
    limit: int
    offset: int
    left_out_for_conflicts: int
