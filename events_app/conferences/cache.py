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
program's latest release, which every calendar poll needs). A model named with a ``part`` (API
tokens and their users) drops only that part's values when written.

Values that change far more often (who holds which booth, many times a minute in a booking rush) are
kept in a named part: a write the ORM does not see (a booth claimed by a conditional UPDATE) says
with ``note_change`` which part it changed, and its commit drops that part alone, everywhere (the
NOTIFY's payload, or the part's own stamp file), so the conferences stay kept. Its statement may
carry the NOTIFY itself (``change_notice``): the notice then costs no round trip of its own. A kept
value may also last only until a time it names (a booth list until its first hold runs out, which
no write marks).

A snapshot read while a change commits is dropped, not kept: the generation is taken before the
read and the copy is stored only if no invalidation came in between. The badge public key needs
none of this: it never changes once made (``checkin.keys`` keeps it per process).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import structlog
from sqlalchemy import ColumnElement, Select, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, make_transient_to_detached

from events_app.conferences.models import Conference
from events_app.core.clock import now

log = structlog.get_logger(__name__)

CHANNEL = "events_conference_changed"
EVERYTHING = ""  # a notice's payload naming no part: every copy goes
_CHANGED = "conference_changed"  # a session's info key: it flushed a write to a conference
_PARTS_CHANGED = "kept_parts_changed"  # a session's info key: {part: whether its NOTIFY was already sent}
RECONNECT_SECONDS = 1.0

T = TypeVar("T")
# Models whose committed writes invalidate every cache; others join through ``watch_writes_to``.
_watched: tuple[type[Any], ...] = (Conference,)
# Models whose committed writes drop only the values kept in their part.
_watched_parts: dict[type[Any], str] = {}
# Every cache of this process by database URL, so a commit here clears them at once.
_caches: weakref.WeakSet[ConferenceCache] = weakref.WeakSet()


def stamp_path(database_url: str) -> Path | None:
    """The stamp file of a SQLite database file; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(f"{url.database}.conference-stamp")


def _part_stamp(path: Path, part: str) -> Path:
    """The stamp file that a change of ``part`` alone replaces, beside the one for everything."""
    return path.with_name(f"{path.name}.{part}") if part else path


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
        # By part, each value with when it runs out.
        self._kept: dict[str, dict[Hashable, tuple[Any, datetime | None]]] = {}
        self._generation = 0
        self._part_generations: dict[str, int] = {}
        self._seen_stamps: dict[str, tuple[int, int]] = {}
        # SQLite's stamp is always there to compare; PostgreSQL's listener must be connected first.
        self.live = self._stamp_path is not None
        _caches.add(self)

    def invalidate(self, part: str = EVERYTHING) -> None:
        """Drops every copy, or only the values kept in ``part``."""
        if part:
            self._kept.pop(part, None)
            self._part_generations[part] = self._part_generations.get(part, 0) + 1
            return
        self._by_slug.clear()
        self._kept.clear()
        self._generation += 1

    @property
    def generation(self) -> int:
        """How many times the copies were dropped: a test waits on it to know a change was heard of."""
        return self._generation

    def _generations(self, part: str) -> tuple[int, int]:
        return self._generation, self._part_generations.get(part, 0)

    def _check_stamp(self, part: str = EVERYTHING) -> None:
        if self._stamp_path is None:
            return
        for changed in (EVERYTHING, part) if part else (EVERYTHING,):
            current = _stamp(_part_stamp(self._stamp_path, changed))
            if current != self._seen_stamps.get(changed, (0, 0)):
                self._seen_stamps[changed] = current
                self.invalidate(changed)

    def kept_conference(self, slug: str) -> Conference | None:
        """The process's snapshot of the conference at ``slug``, if it keeps one: shared, so only to read."""
        self._check_stamp()
        return self._by_slug.get(slug) if self.live else None

    def kept(self, key: Hashable, *, part: str = EVERYTHING) -> Any:
        """The value kept under ``key`` and still good, or None; nothing is read."""
        self._check_stamp(part)
        if self.live and (kept := self._kept.get(part, {}).get(key)) is not None:
            copy, until = kept
            if until is None or now() < until:
                return copy
        return None

    async def get(self, db: AsyncSession, *, slug: str) -> Conference | None:
        """The conference at ``slug`` in ``db``'s session (a copy of the process's snapshot, or read)."""
        kept = self.kept_conference(slug)
        if kept is not None:
            return await db.merge(kept, load=False)
        generation = self._generation
        conference = await db.scalar(select(Conference).where(Conference.slug == slug))
        if conference is not None and self.live and generation == self._generation:
            self._by_slug[slug] = snapshot(conference)
        return conference

    async def value(
        self,
        key: Hashable,
        read: Callable[[], Awaitable[T | None]],
        *,
        part: str = EVERYTHING,
        runs_out: Callable[[T], datetime | None] = lambda _found: None,
    ) -> T | None:
        """What ``read`` finds, kept under ``key`` like a conference: for values that change only with
        watched rows (``watch_writes_to``) or with writes that name their ``part`` (``note_change``) and,
        when ``runs_out`` names a time for it, with the clock until then. None (nothing found) is not kept:
        it may be there a moment later."""
        if (kept := self.kept(key, part=part)) is not None:
            return kept  # type: ignore[no-any-return]
        generations = self._generations(part)
        found = await read()
        if found is not None and self.live and generations == self._generations(part):
            self._kept.setdefault(part, {})[key] = (found, runs_out(found))
        return found

    async def row(
        self, db: AsyncSession, model: type[T], *, key: Hashable, query: Select[T], params: dict[str, Any] | None = None
    ) -> T | None:
        """The row of a watched model that ``query`` (bound with ``params``) finds, by ``key``, in ``db``'s session."""

        async def read() -> T | None:
            found = await db.scalar(query, params)
            return None if found is None else snapshot(found)

        kept = await self.value((model, key), read)
        return None if kept is None else await db.merge(kept, load=False)

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
                await connection.add_listener(CHANNEL, lambda _connection, _pid, _channel, part: self.invalidate(part))
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


def snapshot(row: T) -> T:
    """A detached copy with the row's columns, untouched by what the request later does to its own: what a
    process may keep of a row and share between requests that only read it."""
    mapper = inspect(row).mapper
    copy = mapper.class_(**{attr.key: getattr(row, attr.key) for attr in mapper.column_attrs})
    make_transient_to_detached(copy)
    return copy  # type: ignore[no-any-return]


def _database_url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def _note_conference_writes(session: Session, *_args: Any) -> None:
    for written in (*session.new, *session.dirty, *session.deleted):
        if isinstance(written, _watched):
            session.info[_CHANGED] = True
            return  # everything goes, the parts with it
        if (part := _watched_parts.get(type(written))) is not None:
            note_change(session, part, notice_sent=False)


def change_notice(part: str) -> ColumnElement[Any]:
    """SQL that tells every process at commit that ``part`` changed (PostgreSQL), for the RETURNING clause
    of a write the ORM does not see: the notice rides on the write's own statement, and only on a row
    it changed."""
    return func.pg_notify(CHANNEL, part)


def note_change(session: Session, part: str, *, notice_sent: bool) -> None:
    """A write the ORM does not see changed what the values kept in ``part`` are read from: its commit
    drops them in every process. ``notice_sent`` when its statement carried ``change_notice``."""
    parts: dict[str, bool] = session.info.setdefault(_PARTS_CHANGED, {})
    parts[part] = parts.get(part, False) or notice_sent


def _notify_before_commit(session: Session) -> None:
    # The commit's own final flush comes after this event: count what it is about to write too.
    _note_conference_writes(session)
    if session.get_bind().dialect.name != "postgresql":
        return
    # Part of the transaction: delivered to every listener at its commit, dropped with a rollback.
    unsent = [EVERYTHING] if session.info.get(_CHANGED) else []
    unsent = unsent or [part for part, sent in session.info.get(_PARTS_CHANGED, {}).items() if not sent]
    for part in unsent:
        session.execute(text("SELECT pg_notify(:channel, :part)"), {"channel": CHANNEL, "part": part})


def _after_commit(session: Session) -> None:
    parts = list(session.info.pop(_PARTS_CHANGED, {}))
    changed = [EVERYTHING] if session.info.pop(_CHANGED, False) else parts
    if not changed:
        return
    url = _database_url(session)
    path = stamp_path(url)
    for part in changed:
        if path is not None:
            _touch(_part_stamp(path, part))
        for cache in list(_caches):
            if cache.database_url == url:
                cache.invalidate(part)


def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_PARTS_CHANGED, None)


def watch_writes_to(*models: type[Any], part: str = EVERYTHING) -> None:
    """Rows of ``models`` may be kept by ``ConferenceCache.row``: a committed write to one invalidates like a
    conference's, or, named with a ``part``, drops the values kept in that part alone. Only ORM writes are
    seen: rows of a model also written by bulk UPDATE must not be kept by ``row``, and values read from them
    belong in the part that such writes drop (``note_change``)."""
    global _watched
    if part == EVERYTHING:
        _watched = tuple({*_watched, *models})
    else:
        _watched_parts.update(dict.fromkeys(models, part))


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
