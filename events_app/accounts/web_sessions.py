"""Signed-in browsers' sessions, kept server-side in the database (Litestar's server-side sessions).

The cookie holds only a random session id; the session itself is a ``web_sessions`` row that
every app process reads. Signing out deletes the row, so a copied or replayed cookie signs
nobody in. A session is written when it changes (signing in), not on every page: anonymous
visitors cost no write, and a session ends ``max_age`` after sign-in however busy it was.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty, Message, ScopeSession
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from events_app.accounts.models import WebSession
from events_app.core.clock import now
from events_app.db import make_session_maker

STORE_NAME = "web-sessions"
SESSION_USER_KEY = "user_id"
_LOADED = "events_app.session_as_loaded"


class DatabaseStore(Store):
    """Litestar's ``Store`` over the ``web_sessions`` table, for the server-side session backend."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = make_session_maker(engine)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        if isinstance(expires_in, int):
            expires_in = timedelta(seconds=expires_in)
        expires_at = now() + expires_in if expires_in is not None else None
        statement = self._insert(WebSession).values(key=key, value=data, expires_at=expires_at)
        statement = statement.on_conflict_do_update(
            index_elements=[WebSession.key],
            set_={"value": data, "expires_at": expires_at, "updated_at": now()},
        )
        async with self._sessions() as db:
            await db.execute(statement)
            await db.commit()

    async def _row(self, db: AsyncSession, key: str) -> WebSession | None:
        row = await db.scalar(select(WebSession).where(WebSession.key == key))
        if row is not None and row.expires_at is not None and row.expires_at <= now():
            return None
        return row

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        async with self._sessions() as db:
            row = await self._row(db, key)
            return row.value if row is not None else None

    async def delete(self, key: str) -> None:
        async with self._sessions() as db:
            await db.execute(delete(WebSession).where(WebSession.key == key))
            await db.commit()

    async def delete_all(self) -> None:
        async with self._sessions() as db:
            await db.execute(delete(WebSession))
            await db.commit()

    async def exists(self, key: str) -> bool:
        async with self._sessions() as db:
            return await self._row(db, key) is not None

    async def expires_in(self, key: str) -> int | None:
        async with self._sessions() as db:
            row = await self._row(db, key)
            if row is None or row.expires_at is None:
                return None
            return int((row.expires_at - now()).total_seconds())


async def forget_expired(db: AsyncSession) -> None:
    """Deletes sessions past their end (called as people sign in, so the table stays small)."""
    await db.execute(delete(WebSession).where(WebSession.expires_at <= now()))


async def forget_user(db: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Deletes every session signed in as this user, so none of their browsers is signed in any more.

    Signing in keeps nothing in a session but the user's id, so their sessions are the rows holding
    exactly that: found by the database, not by decoding every signed-in browser's session here.
    """
    signed_in = ChangedOnlySessions.serialize_data({SESSION_USER_KEY: str(user_id)})
    await db.execute(delete(WebSession).where(WebSession.value == signed_in))


class ChangedOnlySessions(ServerSideSessionBackend):
    """Litestar's server-side backend, writing a session only when it changed.

    A cookie naming no live session is never adopted: a new session gets a fresh id, so
    nobody can plant an id in a browser and wait for its owner to sign in with it.
    """

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        if connection.scope.get(_LOADED) is None:
            return connection.get_session_id() or self.generate_session_id()
        return super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        session = await super().load_from_connection(connection)
        connection.scope[_LOADED] = self.serialize_data(session) if session else None  # type: ignore[literal-required]
        return session

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        loaded = connection.scope.get(_LOADED)
        if scope_session is not Empty and not scope_session:
            if loaded is None:
                return  # an anonymous visitor: nothing to keep, no cookie to clear
            scope_session = Empty  # emptied by hand: the same as signing out
        if scope_session is not Empty and self.serialize_data(scope_session) == loaded:
            return
        await super().store_in_message(scope_session, message, connection)


class WebSessionConfig(ServerSideSessionConfig):
    _backend_class = ChangedOnlySessions
