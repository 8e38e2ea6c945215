"""The program of a conference: rooms, tracks, sessions and their runs, speakers, releases and feed caches.

The tables hold the organizers' *working copy*. What the public sees comes only from a
``ScheduleRelease``: a numbered, frozen snapshot of the program with a changelog against
the release before it. A session can run several times; each run (``SessionRun``) keeps
its own id for life, which is what calendar feeds use as the event's UID.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events_app.db import Base, ConferenceId, str_enum


class SessionType(StrEnum):
    KEYNOTE = "keynote"
    GENERAL_SESSION = "general-session"
    BREAKOUT = "breakout"
    WORKSHOP = "workshop"
    ROUNDTABLE = "roundtable"
    MOBILE_TOUR = "mobile-tour"
    NETWORKING = "networking"
    AWARDS = "awards"
    EXPO_HOURS = "expo-hours"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


class SessionStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class SpeakerRole(StrEnum):
    KEYNOTE = "keynote"
    MODERATOR = "moderator"
    PANELIST = "panelist"
    PRESENTER = "presenter"


class Room(Base):
    """A place where runs happen; an off-site room is where a mobile tour goes (or boards its bus)."""

    __tablename__ = "program_rooms"
    __table_args__ = (
        UniqueConstraint("conference_id", "name"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    conference_id: Mapped[ConferenceId]
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int | None]
    floor: Mapped[str] = mapped_column(String(200), default="")
    accessible: Mapped[bool] = mapped_column(default=True)
    off_site: Mapped[bool] = mapped_column(default=False)
    # Daily hours in the conference's time zone; None means the room is open all day.
    opens_at: Mapped[time | None]
    closes_at: Mapped[time | None]
    position: Mapped[int] = mapped_column(default=0)


class Track(Base):
    """A thread through the program, often owned by a policy committee or a municipal department."""

    __tablename__ = "program_tracks"
    __table_args__ = (UniqueConstraint("conference_id", "slug"),)

    conference_id: Mapped[ConferenceId]
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    color: Mapped[str] = mapped_column(String(7), default="#4a5568")
    group_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("association_groups.id", ondelete="SET NULL"))


class Speaker(Base):
    __tablename__ = "program_speakers"

    conference_id: Mapped[ConferenceId]
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    organization: Mapped[str] = mapped_column(String(200), default="")
    city_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member_cities.id", ondelete="SET NULL"))
    bio: Mapped[str] = mapped_column(Text, default="")
    photo_url: Mapped[str] = mapped_column(String(500), default="")
    # Private: used to tell the speaker about schedule changes, never published.
    email: Mapped[str | None] = mapped_column(String(320))

    availability: Mapped[list[SpeakerAvailability]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="SpeakerAvailability.starts_at"
    )


class SpeakerAvailability(Base):
    """A window in which a speaker can be scheduled; a speaker with none is available throughout."""

    __tablename__ = "program_speaker_availability"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    speaker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_speakers.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class ProgramSession(Base):
    """A session of the program (named so to stay clear of the database session)."""

    __tablename__ = "program_sessions"
    __table_args__ = (
        UniqueConstraint("conference_id", "code"),
        CheckConstraint("seat_limit IS NULL OR seat_limit > 0", name="seat_limit_positive"),
        CheckConstraint("credit_hours >= 0", name="credit_hours_not_negative"),
    )

    conference_id: Mapped[ConferenceId]
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[SessionType] = mapped_column(str_enum(SessionType, "session_type"))
    track_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("program_tracks.id", ondelete="SET NULL"), index=True)
    seat_limit: Mapped[int | None]
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal(0))
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus, "session_status"), default=SessionStatus.DRAFT
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)

    runs: Mapped[list[SessionRun]] = relationship(
        lazy="selectin", order_by="SessionRun.starts_at", back_populates="session"
    )
    speakers: Mapped[list[SessionSpeaker]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="SessionSpeaker.position"
    )


class SessionRun(Base):
    """One scheduled slot of a session; removed runs are kept (``removed_at``) so feeds can cancel them."""

    __tablename__ = "program_runs"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("seats_taken >= 0", name="seats_taken_not_negative"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_sessions.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_rooms.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    # Seats held by confirmed RSVPs and open waitlist offers; only changed by conditional UPDATEs.
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)

    session: Mapped[ProgramSession] = relationship(back_populates="runs", lazy="raise")

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


class SessionSpeaker(Base):
    __tablename__ = "program_session_speakers"
    __table_args__ = (UniqueConstraint("session_id", "speaker_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_sessions.id", ondelete="CASCADE"), index=True)
    speaker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_speakers.id", ondelete="CASCADE"), index=True)
    role: Mapped[SpeakerRole] = mapped_column(str_enum(SpeakerRole, "speaker_role"), default=SpeakerRole.PRESENTER)
    position: Mapped[int] = mapped_column(default=0)


class ScheduleRelease(Base):
    """A published version of the program: the exact schedule JSON the public gets, and what changed."""

    __tablename__ = "program_releases"
    __table_args__ = (UniqueConstraint("conference_id", "number"),)

    conference_id: Mapped[ConferenceId]
    number: Mapped[int]
    note: Mapped[str] = mapped_column(String(2000), default="")
    released_by: Mapped[str] = mapped_column(String(320), default="")
    schedule: Mapped[bytes] = mapped_column(LargeBinary)
    changelog: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # run id -> digest of everything a calendar shows of it; tells the next release what changed.
    digests: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class RsvpStatus(StrEnum):
    CONFIRMED = "confirmed"  # holds a seat
    WAITING = "waiting"  # in line for a seat
    OFFERED = "offered"  # a freed seat is kept for them until offer_expires_at
    LAPSED = "lapsed"  # the offer ran out; the seat went on to the next person
    CANCELLED = "cancelled"  # they gave the seat (or their place in line) back


# An agenda's link before any was revoked: the link an attendee is mailed before their agenda is made.
FIRST_LINK_VERSION = 1


class Agenda(Base):
    """One attendee's personal agenda: the version of their signed link and a revision for their feed."""

    __tablename__ = "program_agendas"

    attendee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), unique=True)
    conference_id: Mapped[ConferenceId]
    # Raising it revokes every link (and feed subscription) made before.
    link_version: Mapped[int] = mapped_column(default=FIRST_LINK_VERSION)
    revision: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime]


class AgendaItem(Base):
    """A run on an attendee's agenda; taking it off keeps the row so their calendar sees it cancelled."""

    __tablename__ = "program_agenda_items"
    __table_args__ = (UniqueConstraint("agenda_id", "run_id"),)

    agenda_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_agendas.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_runs.id", ondelete="CASCADE"), index=True)
    removed_at: Mapped[datetime | None]


class Rsvp(Base):
    """A claim on a seat of a seat-limited run, or a place in its waitlist (first come, first served)."""

    __tablename__ = "program_rsvps"
    __table_args__ = (UniqueConstraint("run_id", "attendee_id"),)

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_runs.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    status: Mapped[RsvpStatus] = mapped_column(str_enum(RsvpStatus, "rsvp_status"))
    # When they joined the line; re-joining puts them at its end.
    queued_at: Mapped[datetime] = mapped_column(index=True)
    offer_expires_at: Mapped[datetime | None]


class FeedCache(Base):
    """A calendar feed built once for one version of its source, shared by every app process."""

    __tablename__ = "program_feed_cache"
    __table_args__ = (UniqueConstraint("conference_id", "key"),)

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(200))
    etag: Mapped[str] = mapped_column(String(80))
    last_modified: Mapped[datetime]
    body: Mapped[bytes] = mapped_column(LargeBinary)
