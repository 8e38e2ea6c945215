"""Users who sign in, their sessions and failed attempts, and the bearer tokens scripts and scanners use."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events_app.db import Base, str_enum


class Role(StrEnum):
    ORGANIZER = "organizer"
    STAFF = "staff"
    PARTNER = "partner"
    # A door's scanning device, not a person: it scans, looks people up by name and keeps the
    # offline copy at its own conference, and nothing else. Only stations hold such tokens.
    STATION = "station"
    # A policy committee's member: reviews the call for proposals' submissions in their tracks, nothing else.
    REVIEWER = "reviewer"


# Each role as people say it, one of them and all of them; the values above are for code and tokens.
ROLE_WORDS = {
    Role.ORGANIZER: ("organizer", "organizers"),
    Role.STAFF: ("on-site staff", "on-site staff"),
    Role.PARTNER: ("exhibitor", "exhibitors"),
    Role.STATION: ("a door's scanner", "doors' scanners"),
    Role.REVIEWER: ("reviewer", "reviewers"),
}


# Which token roles a user of each role may hold: an organizer can equip a scanner
# device with a station token, and so can on-site staff for a station they were put at
# (a station token does less than their own); nobody can mint a token above their own
# role. A station is no person: no user has its role.
TOKEN_ROLES_FOR = {
    Role.ORGANIZER: {Role.ORGANIZER, Role.STAFF, Role.STATION},
    Role.STAFF: {Role.STAFF, Role.STATION},
    Role.PARTNER: {Role.PARTNER},
    Role.REVIEWER: {Role.REVIEWER},
}

role_type = str_enum(Role, "role", length=20)


class User(Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(role_type)
    active: Mapped[bool] = mapped_column(default=True)


class ApiToken(Base):
    """A revocable bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(role_type)
    conference_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class SignInFailure(Base):
    """A wrong password, kept for the throttle's window: shared by every app process through the database."""

    __tablename__ = "sign_in_failures"

    email: Mapped[str] = mapped_column(String(320), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(index=True)


class WebSession(Base):
    """A signed-in browser's session, kept server-side: signing out deletes it, so its cookie is dead."""

    __tablename__ = "web_sessions"

    key: Mapped[str] = mapped_column(String(128), unique=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
