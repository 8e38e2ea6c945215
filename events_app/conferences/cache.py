"""Each process's copy of the conferences by slug, so a request does not read its conference row again.

Nearly every request names a conference, and a conference (its dates, status, time zone and
the organizers' settings, all columns of its row) changes a few times a year. A process keeps
a clean snapshot per slug and hands each request its own copy, merged into the request's
session without SQL, so a handler may change or lazy-load it as before.

A copy is trusted only while invalidation is live, and every committed write to a conference
invalidates it in every process:

- PostgreSQL: the writing transaction sends ``NOTIFY events_conference_changed`` (delivered at
  its commit, never on rollback); each process LISTENs on its own connection. While that
  connection is down, the process reads from the database and keeps nothing.
- SQLite (one machine): after the commit the writer replaces a stamp file beside the database
  file; a process compares the stamp (inode and mtime) before using its copies.

Rows of other models that change as rarely and only through the ORM (a door's station) are
kept the same way once ``watch_writes_to`` names them, and so are values read from them (the
program's latest release, which every calendar poll needs). A snapshot read while a change commits
is dropped, not kept: the generation is taken before the read and the copy is stored only if
no invalidation came in between. The badge public key needs none of this: it never changes
once made (``checkin.keys`` keeps it per process).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import structlog
from sqlalchemy import Select, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, make_transient_to_detached

from events_app.conferences.models import Conference

log = structlog.get_logger(__name__)

CHANNEL = "events_conference_changed"
_CHANGED = "conference_changed"  # a session's info key: it flushed a write to a conference
RECONNECT_SECONDS = 1.0

T = TypeVar("T")
# Models whose committed writes invalidate every cache; others join through ``watch_writes_to``.
_watched: tuple[type[Any], ...] = (Conference,)
# Every cache of this process by database URL, so a commit here clears them at once.
_caches: weakref.WeakSet[ConferenceCache] = weakref.WeakSet()


def stamp_path(database_url: str) -> Path | None:
    """The stamp file of a SQLite database file; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(f"{url.database}.conference-stamp")


def _stamp(path: Path) -> tuple[int, int]:
    try:
        found = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (found.st_ino, found.st_mtime_ns)


def _touch(path: Path) -> None:
    # A new file replaces the old one, so its inode changes even when two writes share an mtime tick.
    spare = path.with_name(f"{path.name}.{os.getpid()}")
    spare.write_bytes(b"")
    spare.replace(path)


class ConferenceCache:
    """Clean conference snapshots of one process, used only while invalidation is live."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._stamp_path = stamp_path(database_url)
        self._postgres = make_url(database_url).get_backend_name() == "postgresql"
        self._by_slug: dict[str, Conference] = {}
        self._kept: dict[Hashable, Any] = {}
        self._generation = 0
        self._seen_stamp = (0, 0)
        # SQLite's stamp is always there to compare; PostgreSQL's listener must be connected first.
        self.live = self._stamp_path is not None
        _caches.add(self)

    def invalidate(self) -> None:
        self._by_slug.clear()
        self._kept.clear()
        self._generation += 1

    @property
    def generation(self) -> int:
        """How many times the copies were dropped: a test waits on it to know a change was heard of."""
        return self._generation

    def _check_stamp(self) -> None:
        if self._stamp_path is None:
            return
        current = _stamp(self._stamp_path)
        if current != self._seen_stamp:
            self._seen_stamp = current
            self.invalidate()

    async def get(self, db: AsyncSession, *, slug: str) -> Conference | None:
        """The conference at ``slug`` in ``db``'s session (a copy of the process's snapshot, or read)."""
        self._check_stamp()
        snapshot = self._by_slug.get(slug) if self.live else None
        if snapshot is not None:
            return await db.merge(snapshot, load=False)
        generation = self._generation
        conference = await db.scalar(select(Conference).where(Conference.slug == slug))
        if conference is not None and self.live and generation == self._generation:
            self._by_slug[slug] = _snapshot(conference)
        return conference

    async def value(self, key: Hashable, read: Callable[[], Awaitable[T | None]]) -> T | None:
        """What ``read`` finds, kept under ``key`` like a conference: for values that change only with
        watched rows (``watch_writes_to``). None (nothing found) is not kept: it may be there a moment later."""
        self._check_stamp()
        if self.live and key in self._kept:
            return self._kept[key]  # type: ignore[no-any-return]
        generation = self._generation
        found = await read()
        if found is not None and self.live and generation == self._generation:
            self._kept[key] = found
        return found

    async def row(self, db: AsyncSession, model: type[T], *, key: Hashable, query: Select[T]) -> T | None:
        """The row of a watched model that ``query`` finds, by ``key``, in ``db``'s session."""

        async def read() -> T | None:
            found = await db.scalar(query)
            return None if found is None else _snapshot(found)

        snapshot = await self.value((model, key), read)
        return None if snapshot is None else await db.merge(snapshot, load=False)

    @asynccontextmanager
    async def listening(self) -> AsyncIterator[None]:
        """An app lifespan: on PostgreSQL, LISTEN for changes for as long as the app runs."""
        if not self._postgres:
            yield
            return
        task = asyncio.create_task(self._listen())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.live = False

    async def _listen(self) -> None:
        url = make_url(self.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            lost = asyncio.Event()
            connection = None
            try:
                connection = await asyncpg.connect(url, timeout=10)
                connection.add_termination_listener(lambda _c, lost=lost: lost.set())
                await connection.add_listener(CHANNEL, lambda *_args: self.invalidate())
                # Anything may have changed while nobody listened.
                self.invalidate()
                self.live = True
                await lost.wait()
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("conference_cache_listener_down", error=str(exc))
            finally:
                self.live = False
                self.invalidate()
                if connection is not None and not connection.is_closed():
                    await connection.close()
            await asyncio.sleep(RECONNECT_SECONDS)


def _snapshot(row: T) -> T:
    """A detached copy with the row's columns, untouched by what the request later does to its own."""
    mapper = inspect(row).mapper
    copy = mapper.class_(**{attr.key: getattr(row, attr.key) for attr in mapper.column_attrs})
    make_transient_to_detached(copy)
    return copy  # type: ignore[no-any-return]


def _database_url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def _note_conference_writes(session: Session, *_args: Any) -> None:
    if any(isinstance(o, _watched) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


def _notify_before_commit(session: Session) -> None:
    # The commit's own final flush comes after this event: count what it is about to write too.
    _note_conference_writes(session)
    if session.info.get(_CHANGED) and session.get_bind().dialect.name == "postgresql":
        # Part of the transaction: delivered to every listener at its commit, dropped with a rollback.
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


def _after_commit(session: Session) -> None:
    if not session.info.pop(_CHANGED, False):
        return
    url = _database_url(session)
    if (path := stamp_path(url)) is not None:
        _touch(path)
    for cache in list(_caches):
        if cache.database_url == url:
            cache.invalidate()


def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def watch_writes_to(*models: type[Any]) -> None:
    """Rows of ``models`` may be kept by ``ConferenceCache.row``: a committed write to one invalidates like a
    conference's. Only ORM writes are seen; a model written by bulk UPDATE must not be watched."""
    global _watched
    _watched = tuple({*_watched, *models})


def watch_conference_writes() -> None:
    """Every session of the process reports its committed conference writes (idempotent)."""
    for name, hook in (
        ("after_flush", _note_conference_writes),
        ("before_commit", _notify_before_commit),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


def cache_for(engine: AsyncEngine) -> ConferenceCache:
    return ConferenceCache(engine.url.render_as_string(hide_password=False))
