"""Request and response shapes of users and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from events_app.accounts.models import Role

Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class UserIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    password: Annotated[str, msgspec.Meta(min_length=10, max_length=200)]
    role: Role


class UserOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    active: bool


class MeOut(msgspec.Struct):
    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    conference_id: uuid.UUID | None
    token_id: uuid.UUID | None


class TokenIn(msgspec.Struct, forbid_unknown_fields=True):
    user_id: uuid.UUID
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Door 3 scanner"])]
    role: Role | None = None
    conference_id: uuid.UUID | None = None
    expires_at: datetime | None = None


class TokenOut(msgspec.Struct):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    role: Role
    conference_id: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class IssuedTokenOut(msgspec.Struct):
    """The token's secret is in ``token`` this once; only its hash is kept."""

    token: str
    details: TokenOut
