"""The call for proposals of a conference: the call itself, speakers' profiles, proposals and their
co-speakers, the committees' reviewers and their reviews.

A proposal moves draft -> submitted (-> withdrawn); an organizer's ``decision`` is private
until the decisions are released in one batch (``released_at``); an accepted speaker then
confirms or declines (``response``). Confirming turns the proposal into a program session,
linked both ways, exactly once: the step is a conditional UPDATE on ``response``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from events_app.db import Base, ConferenceId, str_enum


class ProposalState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class Decision(StrEnum):
    UNDECIDED = "undecided"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"


class SpeakerResponse(StrEnum):
    WAITING = "waiting"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class Call(Base):
    """A conference's one call for proposals: when it is open, what it accepts, how it is reviewed."""

    __tablename__ = "cfp_calls"
    __table_args__ = (
        UniqueConstraint("conference_id"),
        CheckConstraint("closes_at > opens_at", name="closes_after_open"),
    )

    conference_id: Mapped[ConferenceId]
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # What the call page says, in the organizers' words (plain text, paragraphs).
    description: Mapped[str] = mapped_column(Text, default="")
    session_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    track_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    durations: Mapped[list[int]] = mapped_column(JSON, default=list)
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Reviewers then see neither the speakers' names nor their e-mail addresses nor cities.
    anonymous: Mapped[bool] = mapped_column(default=True)
    decisions_released_at: Mapped[datetime | None]


class ProposalSpeaker(Base):
    """Someone who proposes (or co-presents) a session: known by e-mail, signed in by a mailed link."""

    __tablename__ = "cfp_speakers"
    __table_args__ = (UniqueConstraint("conference_id", "email"),)

    conference_id: Mapped[ConferenceId]
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    organization: Mapped[str] = mapped_column(String(200), default="")
    city_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member_cities.id", ondelete="SET NULL"), index=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    # The stored photo's own name (a random id and the extension its bytes proved), never the uploader's.
    photo: Mapped[str] = mapped_column(String(60), default="")
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Raised to make every earlier sign-in link stop working.
    link_version: Mapped[int] = mapped_column(default=1)
    program_speaker_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("program_speakers.id", ondelete="SET NULL"), unique=True
    )
    attendee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("attendees.id", ondelete="SET NULL"), unique=True)


class Proposal(Base):
    __tablename__ = "cfp_proposals"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration_positive"),)

    conference_id: Mapped[ConferenceId]
    speaker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cfp_speakers.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_tracks.id"), index=True)
    session_type: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    abstract: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(String(500), default="")
    learning_objectives: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(200), default="")
    duration_minutes: Mapped[int] = mapped_column(default=60)
    state: Mapped[ProposalState] = mapped_column(
        str_enum(ProposalState, "proposal_state"), default=ProposalState.DRAFT, index=True
    )
    submitted_at: Mapped[datetime | None]
    decision: Mapped[Decision] = mapped_column(str_enum(Decision, "proposal_decision"), default=Decision.UNDECIDED)
    decided_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    response: Mapped[SpeakerResponse] = mapped_column(
        str_enum(SpeakerResponse, "speaker_response"), default=SpeakerResponse.WAITING
    )
    responded_at: Mapped[datetime | None]
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("program_sessions.id", ondelete="SET NULL"), unique=True
    )


class CoSpeaker(Base):
    """A speaker invited onto someone else's proposal."""

    __tablename__ = "cfp_co_speakers"
    __table_args__ = (UniqueConstraint("proposal_id", "speaker_id"),)

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cfp_proposals.id", ondelete="CASCADE"), index=True)
    speaker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cfp_speakers.id", ondelete="CASCADE"), index=True)


class Reviewer(Base):
    """A committee member who reviews one track's proposals; their city decides their conflicts of interest."""

    __tablename__ = "cfp_reviewers"
    __table_args__ = (UniqueConstraint("track_id", "user_id"),)

    conference_id: Mapped[ConferenceId]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_tracks.id", ondelete="CASCADE"), index=True)
    city_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member_cities.id", ondelete="SET NULL"))


class Review(Base):
    __tablename__ = "cfp_reviews"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cfp_proposals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Criterion -> score 1..5, for the criteria the call named when the review was written.
    scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    total: Mapped[float] = mapped_column(default=0.0)
    comment: Mapped[str] = mapped_column(Text, default="")
