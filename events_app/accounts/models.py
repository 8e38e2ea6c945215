"""Users who sign in, and the bearer tokens that scripts and scanner devices use."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events_app.db import Base, str_enum


class Role(StrEnum):
    ORGANIZER = "organizer"
    STAFF = "staff"
    PARTNER = "partner"


# Which token roles a user of each role may hold: an organizer can equip a scanner
# device with a staff token; nobody can mint a token above their own role.
TOKEN_ROLES_FOR = {
    Role.ORGANIZER: {Role.ORGANIZER, Role.STAFF},
    Role.STAFF: {Role.STAFF},
    Role.PARTNER: {Role.PARTNER},
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
