"""Badge keys, scanning stations, scans, check-ins and session attendance.

The database holds the rules that must survive two processes racing: one check-in per
attendee (``uq_checkins_attendee_id``), one answer per client nonce
(``uq_checkin_scans_conference_id_nonce``) and one attendance row per attendee and
session. Services insert and let the constraint decide; they never read-then-write.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

import events_app.registration.models
import events_app.sessions.models
from events_app.db import Base, ConferenceId, str_enum

# The tables our foreign keys name (attendees, program rooms, sessions and runs) must be in
# the metadata whenever ours are, whatever imported this module first.
_REFERENCED = (events_app.registration.models.Attendee, events_app.sessions.models.SessionRun)


class StationKind(StrEnum):
    ENTRANCE = "entrance"
    SESSION_ROOM = "session_room"
    REGISTRATION_DESK = "registration_desk"
    PARTNER_BOOTH = "partner_booth"


class ScanKind(StrEnum):
    ENTRY = "entry"
    SESSION = "session"
    EXIT = "exit"
    LEAD = "lead"


class ScanResult(StrEnum):
    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    UNPAID = "unpaid"
    CANCELLED = "cancelled"
    REVOKED = "revoked"
    WRONG_CONFERENCE = "wrong_conference"
    INVALID = "invalid"
    NOT_REGISTERED_FOR_SESSION = "not_registered_for_session"


class BadgeKey(Base):
    """A conference's Ed25519 key pair; the private half sealed under the service secret (or in settings)."""

    __tablename__ = "badge_keys"

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), unique=True)
    key_id: Mapped[str] = mapped_column(String(8), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    # AES-GCM nonce + ciphertext; NULL when the operator supplies the private key in settings.
    private_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary(128))


class Station(Base):
    """A scanning device's post: an entrance door, a session room, the desk or a partner's booth."""

    __tablename__ = "checkin_stations"
    __table_args__ = (UniqueConstraint("conference_id", "name"),)

    conference_id: Mapped[ConferenceId]
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[StationKind] = mapped_column(str_enum(StationKind, "station_kind"))
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("program_rooms.id", ondelete="SET NULL"), index=True)
    # Whether an attendee whose invoice is not settled may go in here (flagged, but admitted).
    allow_unpaid: Mapped[bool] = mapped_column(default=False)
    token_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="SET NULL"), unique=True)
    retired_at: Mapped[datetime | None]

    @property
    def has_token(self) -> bool:
        """Whether a device is equipped to scan here (the token itself is shown once, never kept)."""
        return self.token_id is not None

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class StationAssignment(Base):
    """An on-site staff member an organizer put at a station: they may equip their own device for it."""

    __tablename__ = "checkin_station_assignments"
    __table_args__ = (UniqueConstraint("station_id", "user_id"),)

    station_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checkin_stations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class PrintStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BadgePrint(Base):
    """A run of badge sheets for a whole conference (or one type, order or attendee), done in the background.

    Its state lives here, not in a process's memory: whichever app process runs it, any other
    can show its progress and hand out the finished PDF.
    """

    __tablename__ = "badge_prints"

    conference_id: Mapped[ConferenceId]
    registration_type_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("registration_types.id", ondelete="CASCADE")
    )
    # A narrower print: one order's badges, or one attendee's (a reprint drawn like the others).
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("registration_orders.id", ondelete="CASCADE"))
    attendee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    requested_by: Mapped[str] = mapped_column(String(320))
    status: Mapped[PrintStatus] = mapped_column(str_enum(PrintStatus, "print_status"), index=True)
    badges_total: Mapped[int] = mapped_column(default=0)
    badges_drawn: Mapped[int] = mapped_column(default=0)
    # The process working on it writes this as it goes; a print whose heartbeat stops is taken over.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(String(300), default="")
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))


class Scan(Base):
    """Every badge presented to a station, with the answer given; the answer is replayed for its nonce."""

    __tablename__ = "checkin_scans"
    __table_args__ = (UniqueConstraint("conference_id", "nonce"),)

    conference_id: Mapped[ConferenceId]
    station_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checkin_stations.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("program_sessions.id", ondelete="SET NULL"))
    kind: Mapped[ScanKind] = mapped_column(str_enum(ScanKind, "scan_kind"))
    result: Mapped[ScanResult] = mapped_column(str_enum(ScanResult, "scan_result"))
    nonce: Mapped[str] = mapped_column(String(64))
    scanned_at: Mapped[datetime] = mapped_column(index=True)
    offline: Mapped[bool] = mapped_column(default=False)
    manual: Mapped[bool] = mapped_column(default=False)
    # True when this badge was admitted at another door earlier (one of the two offline): staff review these.
    conflict: Mapped[bool] = mapped_column(default=False)
    # When staff marked the conflict seen; until then every door's page and the dashboard show it.
    conflict_seen_at: Mapped[datetime | None]
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)

    station: Mapped[Station] = relationship(lazy="joined", innerjoin=True)


class Checkin(Base):
    """An attendee's arrival at the conference: at most one, whichever door saw them first."""

    __tablename__ = "checkins"

    conference_id: Mapped[ConferenceId]
    attendee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), unique=True)
    station_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checkin_stations.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(index=True)
    admitted_unpaid: Mapped[bool] = mapped_column(default=False)

    station: Mapped[Station] = relationship(lazy="joined", innerjoin=True)


class SessionAttendance(Base):
    """An attendee's presence at one run of a session: first entry, last exit."""

    __tablename__ = "session_attendance"
    __table_args__ = (UniqueConstraint("run_id", "attendee_id"),)

    conference_id: Mapped[ConferenceId]
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_sessions.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_runs.id", ondelete="CASCADE"))
    attendee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checkin_stations.id", ondelete="CASCADE"))
    entered_at: Mapped[datetime]
    exited_at: Mapped[datetime | None]


class SessionCreditRule(Base):
    """The presence a session asks before it gives education credit (default: three quarters of a run)."""

    __tablename__ = "session_credit_rules"
    __table_args__ = (CheckConstraint("minimum_presence_minutes > 0", name="minimum_positive"),)

    conference_id: Mapped[ConferenceId]
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("program_sessions.id", ondelete="CASCADE"), unique=True)
    minimum_presence_minutes: Mapped[int]
