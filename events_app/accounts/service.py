"""Users, passwords and API tokens: who someone is and what role they act in."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, case, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from events_app.accounts.errors import (
    EmailTaken,
    OwnAccount,
    PasswordTooShort,
    RoleNotForPeople,
    TokenExpiryInPast,
    TokenNotFound,
    TokenRoleNotAllowed,
    UserNotFound,
)
from events_app.accounts.models import ROLE_WORDS, TOKEN_ROLES_FOR, ApiToken, Role, User
from events_app.accounts.web_sessions import forget_user
from events_app.conferences.cache import ConferenceCache, change_notice, note_change
from events_app.conferences.errors import ConferenceNotFound
from events_app.conferences.models import Conference
from events_app.core.clock import now

T = TypeVar("T")
TOKEN_PREFIX = "evt_"  # noqa: S105 (a prefix that marks our tokens, not a secret)
# A token's last use is written at most this often, so a read stays a read.
LAST_USED_RESOLUTION = timedelta(hours=1)
# How often each process writes down the uses it noted (``TokenUses``).
TOKEN_USES_SECONDS = 10.0
# The part of each process's cache keeping tokens with their users (``principal_for_token``): a write to
# either drops it in every process (``wiring`` watches both models), so a revocation holds at once.
TOKENS = "api_tokens"

_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown email as slow as for a known one.
_DUMMY_HASH = _hasher.hash("not a real password")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is making a request, in which role, and (for a scoped token) for which conference."""

    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    conference_id: uuid.UUID | None = None
    token_id: uuid.UUID | None = None

    @property
    def role_name(self) -> str:
        return ROLE_WORDS[self.role][0]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: ApiToken
    secret: str


def _lower_priority() -> None:
    # Linux keeps a nice value per thread, and libargon2's lane threads inherit it.
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


# Argon2 is meant to take a good part of a second and 64 MiB: never on the event loop, no more at
# once than the machine has cores (a crowd signing in queues here), and below the event loop's
# priority, so the CPU it burns never keeps a scan or a health check waiting.
HASHING_NICENESS = 10
_HASHERS = ThreadPoolExecutor(
    max_workers=os.cpu_count() or 1, thread_name_prefix="password-hashing", initializer=_lower_priority
)


async def _in_hashing_thread(work: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(_HASHERS, work, *args)


async def hash_password(password: str) -> str:
    return await _in_hashing_thread(_hasher.hash, password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normal_email(email: str) -> str:
    return email.strip().lower()


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_user(db: AsyncSession, *, email: str, name: str, password: str, role: Role) -> User:
    """Adds a user who signs in with ``email`` and ``password``."""
    if len(password) < 10:
        raise PasswordTooShort("A password needs at least 10 characters.")
    if role not in TOKEN_ROLES_FOR:
        raise RoleNotForPeople("A station is a scanning device: it holds a token, no user has its role.")
    email = normal_email(email)
    if await db.scalar(select(User.id).where(User.email == email)):
        raise EmailTaken(f"A user with the email {email} already exists.")
    user = User(email=email, name=name.strip(), password_hash=await hash_password(password), role=role)
    db.add(user)
    await db.flush()
    return user


async def list_users(db: AsyncSession) -> list[User]:
    return list(await db.scalars(select(User).order_by(User.email)))


async def get_user(db: AsyncSession, *, user_id: uuid.UUID) -> User:
    user = await db.get(User, user_id)
    if user is None:
        raise UserNotFound("No user has this id.")
    return user


async def user_by_email(db: AsyncSession, *, email: str) -> User | None:
    """The account with this email (however it was typed), active or not."""
    return await db.scalar(select(User).where(User.email == normal_email(email)))


async def set_active(db: AsyncSession, *, user_id: uuid.UUID, active: bool, actor: Principal) -> User:
    """Lets a user sign in again, or stops them: a deactivated user's browsers are signed out and their
    tokens refused (their tokens work again if they are reactivated; revoke one to end it for good)."""
    user = await get_user(db, user_id=user_id)
    if user.id == actor.user_id and not active:
        raise OwnAccount("You cannot deactivate your own account; another organizer can.")
    user.active = active
    if not active:
        await forget_user(db, user_id=user.id)
    await db.flush()
    return user


async def authenticate(db: AsyncSession, *, email: str, password: str) -> User | None:
    """The active user with these credentials, or None; timing does not reveal which emails exist."""
    user = await db.scalar(select(User).where(User.email == normal_email(email)))
    # The connection goes back to the pool while the hash is checked: a crowd signing in at
    # once must not hold every connection (and starve /health) for seconds.
    await db.commit()
    matches = await _in_hashing_thread(_password_matches, user.password_hash if user else _DUMMY_HASH, password)
    if not matches or user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    return user


def principal_for_user(user: User) -> Principal:
    return Principal(user_id=user.id, email=user.email, name=user.name, role=user.role)


async def issue_token(
    db: AsyncSession,
    *,
    user_id: uuid.UUID,
    name: str,
    role: Role | None = None,
    conference_id: uuid.UUID | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Creates a bearer token for a user; the secret is returned here and never stored."""
    user = await get_user(db, user_id=user_id)
    role = role or user.role
    if role not in TOKEN_ROLES_FOR[user.role]:
        raise TokenRoleNotAllowed(f"A {user.role} cannot hold a {role} token.")
    if conference_id is not None and await db.get(Conference, conference_id) is None:
        raise ConferenceNotFound("No conference has this id.")
    if expires_at is not None and expires_at <= now():
        raise TokenExpiryInPast("A token's expiry must be in the future.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        token_hash=hash_token(secret),
        role=role,
        conference_id=conference_id,
        expires_at=expires_at,
    )
    db.add(token)
    await db.flush()
    return IssuedToken(token=token, secret=secret)


async def list_tokens(db: AsyncSession, *, user_id: uuid.UUID | None = None) -> list[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.created_at)
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(await db.scalars(query))


async def revoke_token(db: AsyncSession, *, token_id: uuid.UUID) -> ApiToken:
    """Stops a token working at once; revoking twice keeps the first revocation time."""
    token = await db.get(ApiToken, token_id)
    if token is None:
        raise TokenNotFound("No API token has this id.")
    if token.revoked_at is None:
        token.revoked_at = now()
    await db.flush()
    return token


# Read as columns with the statement built once: every API request runs it, and building it per call
# and loading the token and its user as entities showed in a door scan's profile; only the columns are read.
_TOKEN_QUERY = (
    select(
        ApiToken.id,
        ApiToken.role,
        ApiToken.conference_id,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        ApiToken.last_used_at,
        User.id,
        User.email,
        User.name,
        User.role,
        User.active,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


async def principal_for_token(
    db: AsyncSession, *, secret: str, uses: TokenUses, cache: ConferenceCache | None = None
) -> Principal | None:
    """The principal a bearer token stands for, or None when it is unknown, revoked or expired.

    With a ``cache`` a known token's row is kept per process: a door sends its token with every
    scan, and reading it was one of a scan's round trips. Expiry is checked against the clock on
    every use; revoking a token or changing its user drops every process's copies. A use is
    noted in ``uses``, to be written down later, not by this request.
    """
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token_hash = hash_token(secret)

    async def read() -> tuple[Any, ...] | None:
        found = (await db.execute(_TOKEN_QUERY, {"token_hash": token_hash})).first()
        return None if found is None else tuple(found)

    row = await (cache.value(token_hash, read, part=TOKENS) if cache is not None else read())
    if row is None:
        return None
    token_id, role, conference_id, expires_at, revoked_at, last_used_at, user_id, email, name, user_role, active = row
    moment = now()
    if (
        revoked_at is not None
        or (expires_at is not None and expires_at <= moment)
        or not active
        or role not in TOKEN_ROLES_FOR[user_role]
    ):
        return None
    if last_used_at is None or moment - last_used_at > LAST_USED_RESOLUTION:
        uses.note(token_id, moment)
    return Principal(user_id=user_id, email=email, name=name, role=role, conference_id=conference_id, token_id=token_id)


class TokenUses:
    """Uses of tokens that this process has yet to write down: each token's first use since its last write.

    A token's first use of the hour once wrote its ``last_used_at`` inside the request: the request
    committed its read and ran an UPDATE in a transaction of its own, which at a booking rush was a
    quarter of the app's time. Now a background round writes every noted use in one statement, and
    once more as the app stops. A use is lost only with a crash, and ``last_used_at`` is only ever
    shown to the hour.
    """

    def __init__(self) -> None:
        self._first_use: dict[uuid.UUID, datetime] = {}

    def note(self, token_id: uuid.UUID, moment: datetime) -> None:
        self._first_use.setdefault(token_id, moment)

    async def write_down(self, engine: AsyncEngine) -> int:
        """Writes the noted uses; returns how many tokens it changed. Safe in several processes at once.

        The condition lets one of several processes that noted the same token write it; the others
        change nothing. A changed token drops every process's kept copies, which would otherwise go
        on noting a use with their old ``last_used_at``.
        """
        if not self._first_use:
            return 0
        noted, self._first_use = self._first_use, {}
        column_type = ApiToken.last_used_at.type
        # Each token its own moment, and the limits computed here: SQLite has no datetime arithmetic.
        moment_of = case({t: literal(m, column_type) for t, m in noted.items()}, value=ApiToken.id)
        stale_at = case(
            {t: literal(m - LAST_USED_RESOLUTION, column_type) for t, m in noted.items()}, value=ApiToken.id
        )
        statement = (
            update(ApiToken)
            .where(ApiToken.id.in_(noted), or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= stale_at))
            .values(last_used_at=moment_of)
        )
        # On PostgreSQL each changed row's RETURNING carries the notice: no round trip of its own.
        notify = engine.dialect.name == "postgresql"
        try:
            async with AsyncSession(engine) as db:
                changed = len(
                    (await db.execute(statement.returning(change_notice(TOKENS) if notify else ApiToken.id))).all()
                )
                if changed:
                    note_change(db.sync_session, TOKENS, notice_sent=notify)
                await db.commit()
        except BaseException:
            self._first_use |= noted  # tried again next round, with the earlier moments
            raise
        return changed


async def principal_for_session(db: AsyncSession, *, user_id: str) -> Principal | None:
    try:
        user = await db.get(User, uuid.UUID(user_id))
    except ValueError:
        return None
    if user is None or not user.active:
        return None
    return principal_for_user(user)
