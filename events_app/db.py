"""Database wiring: the declarative base, shared column types, engine and each request's session.

One engine per process. SQLite gets foreign keys, WAL and a busy timeout on every
connection because it enforces none of them by default, and its writers take the write
lock when they begin (``BEGIN IMMEDIATE``), so they queue on the busy timeout instead of
failing when a read turns into a write.

A request has one session (``db_session``): committed when its handler has returned, before
the answer is sent, so a refused COMMIT is answered as what it is (a conflict, or busy)
and never as the success the handler chose; anything not committed by then is rolled back.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import msgspec
import structlog
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Insert,
    MetaData,
    Table,
    TypeDecorator,
    event,
    insert,
    inspect,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, make_transient_to_detached, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

from events_app.core.clock import now

log = structlog.get_logger(__name__)


# Stable constraint names: Alembic's batch mode on SQLite and later migrations rely on them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and read back time-zone aware on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive time is ambiguous (local? UTC?): refused rather than guessed.
            raise TypeError("a stored time needs a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Every model's base: UUID primary key and UTC timestamps of creation and last change."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


# The conference a row belongs to: rows go with their conference, and lists are read by it.
ConferenceId = Annotated[uuid.UUID, mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)]


def str_enum(cls: type[StrEnum], name: str, *, length: int = 30) -> Enum:
    """A ``StrEnum`` stored as its values in a VARCHAR (no native ENUM type: adding a member needs no ALTER TYPE)."""
    return Enum(cls, name=name, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


# The execution option marking a connection whose transactions write (see ``writing``).
WRITES = "events_app_writes"
# How long a SQLite writer waits for the write lock before it is told "busy, retry".
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_connected(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


# Connections are replaced after this long instead of being pinged at every checkout: a ping costs
# three round trips on asyncpg (BEGIN, an empty statement, ROLLBACK) on every request, and a server
# restart between checkouts is rare enough to answer with a retry or a 503.
POOL_RECYCLE_SECONDS = 1800


def _sqlite_begin(connection: Connection) -> None:
    # The sqlite3 driver begins a transaction itself only before its first INSERT, UPDATE or
    # DELETE, DEFERRED (a SAVEPOINT begins one too). A DEFERRED transaction that has read
    # cannot become a writer once another connection committed meanwhile: SQLite refuses at
    # once ("database is locked"), without waiting. A writer that begins IMMEDIATE holds the
    # write lock from its first statement, so other writers wait their turn on the busy
    # timeout (SQLAlchemy's documented recipe: emit our own BEGIN in the ``begin`` event).
    # Other work keeps the driver's way: with WAL its reads never wait for a writer.
    if connection.get_execution_options().get(WRITES, False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_returned(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry, state: PoolResetState) -> None:
    # A COMMIT that SQLite refuses (a deferred foreign key) leaves its transaction open and
    # the write lock held, while SQLAlchemy counts the transaction as ended and skips its
    # rollback when the connection goes back to the pool: every later writer would wait.
    if state.transaction_was_reset and dbapi_connection.driver_connection.in_transaction:
        dbapi_connection.rollback()


def _json_text(value: object) -> str:
    return msgspec.json.encode(value).decode()


def make_engine(url: str, *, pool_size: int = 20, pool_timeout: float = 30.0) -> AsyncEngine:
    """An engine for ``url``; creates the folder of a SQLite file if it is missing.

    The pool keeps its ``pool_size`` connections open and makes no others: overflow connections are
    closed as soon as demand dips, and under steady load (32 clients on /health) that meant a new
    connection every hundred requests, each a new PostgreSQL backend that re-prepares every statement.

    A request that finds every connection taken waits ``pool_timeout`` seconds for one, then
    is answered 503 busy (``sqlalchemy.exc.TimeoutError``) rather than queueing without end.
    """
    options: dict[str, Any] = {
        "pool_recycle": POOL_RECYCLE_SECONDS,
        # JSON columns (booth shapes, features, refund bands) are read on every booth list and floor plan:
        # msgspec decodes them several times faster than the standard library, to the same Python values.
        "json_serializer": _json_text,
        "json_deserializer": msgspec.json.decode,
    }
    path = url.split(":///", 1)[1] if url.startswith("sqlite") and ":///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    if not url.startswith("sqlite") or (path and path != ":memory:"):
        options |= {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
    engine = create_async_engine(url, **options)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_connected)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        event.listen(engine.sync_engine, "reset", _sqlite_returned)
    return engine


def writing(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` for work that writes: on SQLite its transactions begin IMMEDIATE (elsewhere nothing changes)."""
    return engine.execution_options(**{WRITES: True})


def upsert_statement(db: AsyncSession) -> Callable[..., Any]:
    """The dialect's ``insert`` with ON CONFLICT support (PostgreSQL and SQLite share the syntax)."""
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


def table_of(model: type[Base]) -> Table:
    """The model's table, for Core statements: the session runs them as they are, without the ORM's paths."""
    return Base.metadata.tables[model.__tablename__]


@cache
def _insert_or_nothing(insert: Callable[..., Any], model: type[Base]) -> tuple[Insert, frozenset[str]]:
    """The table's INSERT ... ON CONFLICT DO NOTHING taking its values as parameters, and the table's columns.

    Built once per table: building it with ``.values()`` on every call, its coercions and the
    compiled cache's key of those values were a large part of a door scan's profile. A Core
    statement on the table skips the ORM's bulk-insert path too; the column defaults still apply.
    """
    table = table_of(model)
    return insert(table).on_conflict_do_nothing(), frozenset(table.columns.keys())


async def insert_unless_taken(db: AsyncSession, model: type[Base], values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: False when a unique constraint already holds the row.

    The database decides every race this way: a concurrent inserter waits for the other's
    commit, then finds the key taken. Unlike catching IntegrityError it needs no savepoint
    and leaves a PostgreSQL transaction usable.
    """
    statement, columns = _insert_or_nothing(upsert_statement(db), model)
    # Parameters naming no column would be dropped silently; ``.values()`` refused them.
    if unknown := values.keys() - columns:
        raise ValueError(f"{model.__name__} has no column {', '.join(sorted(unknown))}.")
    # A Core statement does not autoflush as the ORM's did: the row may refer to one still pending.
    await db.flush()
    result = await db.execute(statement, values)
    return bool(result.rowcount)  # type: ignore[attr-defined]


@cache
def _insert_of(model: type[Base]) -> tuple[Insert, tuple[tuple[str, Column[Any]], ...]]:
    """The table's INSERT taking its values as parameters, and each column's attribute key."""
    columns = tuple((attr.key, attr.columns[0]) for attr in inspect(model).column_attrs)
    return insert(table_of(model)), columns  # type: ignore[return-value]


def _default(column: Column[Any]) -> Any:
    """The column's Python-side default, as an INSERT would take it (None when it has none)."""
    default = column.default
    if default is None:
        if column.server_default is not None:
            # NULL sent for it would override the database's default rather than take it.
            raise ValueError(f"{column.table.name}.{column.name} has only a server default; set it on the object.")
        return None
    arg = default.arg  # type: ignore[attr-defined]
    # SQLAlchemy wraps a callable default to take the execution context, which ours never read.
    return arg(None) if callable(arg) else arg


async def write_pending(db: AsyncSession, *models: type[Base]) -> None:
    """Writes the session's new objects of ``models`` (all, when none is named) with one Core INSERT per table.

    For a hot request that only adds rows (an order: its attendees, invoice, mails and audit entries): the
    unit of work's flush (sorting its actions, cascades, events, history) cost it more CPU than building and
    sending the INSERTs. As the flush would, tables go in foreign-key order and rows in the order they were
    added, and missing columns take their Python defaults, set on the objects too; the objects are then
    persistent, as if just loaded. Unlike the flush, relationships are not synchronised: each object names
    its parents by their id columns.
    """
    pending = sorted(
        (obj for obj in db.new if not models or isinstance(obj, models)), key=lambda obj: inspect(obj).insert_order
    )
    by_table: dict[Table, list[Base]] = {}
    for obj in pending:
        by_table.setdefault(table_of(type(obj)), []).append(obj)
    # An autoflush before the first INSERT would write the same objects through the unit of work.
    with db.no_autoflush:
        for table in _tables_in_order(frozenset(by_table)):
            objects = by_table[table]
            statement, columns = _insert_of(type(objects[0]))
            rows = []
            for obj in objects:
                values = obj.__dict__
                for key, column in columns:
                    if key not in values:
                        setattr(obj, key, _default(column))
                rows.append({column.key: values[key] for key, column in columns})
            await db.execute(statement, rows)
    for obj in pending:
        db.expunge(obj)
        make_transient_to_detached(obj)
    db.add_all(pending)


@cache
def _tables_in_order(tables: frozenset[Table]) -> list[Table]:
    """``tables`` in foreign-key order: parents before the rows that name them."""
    return [table for table in Base.metadata.sorted_tables if table in tables]


def make_session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after a commit: an answer or a mail is built from them after it."""
    return async_sessionmaker(engine, expire_on_commit=False)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Route option: a read whose writes stand or fall together, so it keeps its transaction (see ``RequestSessions``).
ONE_TRANSACTION = "events_app_one_transaction"
_SCOPE_KEY = "events_app.db_session"


class RequestSessions:
    """Each request's one session: made on first use, committed before the answer, closed after it.

    Authentication, dependencies and the handler all use the same session, so what the
    handler changed is committed once, in ``provide``. On SQLite a request that may write
    (POST, PUT, PATCH, DELETE) begins its transactions as a writer once its handler takes
    the session; authentication before it only read, holding no lock.

    On PostgreSQL a read (GET, HEAD, OPTIONS) runs each statement in its own transaction
    (AUTOCOMMIT): READ COMMITTED takes a snapshot per statement anyway, so it reads the same,
    without asyncpg's BEGIN and the COMMIT or ROLLBACK, two round trips per request. What a
    read writes is then committed statement by statement and holds no lock: a token's last
    use, a stored feed, an agenda or badge key made on first use are one statement each. A
    read whose writes must stand or fall together declares ``opt={ONE_TRANSACTION: True}``.
    """

    def __init__(self, make_session: Callable[..., AsyncSession], engine: AsyncEngine) -> None:
        self._make_session = make_session
        # Only SQLite tells a writer's transaction from a reader's (see ``_sqlite_begin``).
        self._writer = writing(engine).sync_engine if engine.dialect.name == "sqlite" else None
        # On SQLite a round trip is a function call: its reads keep their transaction.
        reading = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._reader = reading.sync_engine if engine.dialect.name == "postgresql" else None

    def of(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
        """The request's session (made now if this is its first use)."""
        session: AsyncSession | None = connection.scope.get(_SCOPE_KEY)  # type: ignore[assignment]
        if session is None:
            session = self._make_session()
            if self._reader is not None and _only_reads(connection):
                # The pool sets the connection's isolation back when it returns, for the next request.
                session.sync_session.bind = self._reader
            connection.scope[_SCOPE_KEY] = session  # type: ignore[literal-required]
        return session

    async def provide(self, request: Request[Any, Any, Any]) -> AsyncGenerator[AsyncSession, None]:
        """The ``db_session`` dependency.

        Litestar resumes a generator dependency after the handler returned and its answer was
        built, but before anything is sent; an exception raised here becomes the answer
        instead. So a refused COMMIT reaches the error handlers (409 for a conflict, 503 for
        busy or unreachable) and the client never hears of the success. A handler that
        raised gets its work rolled back. A handler that answers a refusal without raising
        (a form shown again with its error) rolls back itself before it builds the page.
        """
        session = self.of(request)
        if self._writer is not None and request.method in UNSAFE_METHODS:
            # Authentication's reads held no lock on SQLite: ending them sends nothing.
            if session.in_transaction():
                await session.commit()
            session.sync_session.bind = self._writer
        try:
            yield session
        except Exception:
            await _roll_back_quietly(session)
            raise
        if _has_work(session):
            await session.commit()

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Ends the request's session as its answer starts, and again when the request is done.

        Anything still uncommitted at that point is rolled back, and the connection (with a
        SQLite write lock, if one was taken) goes back before the answer is sent: the session
        store, which writes a signed-in browser's session on its own connection as the answer
        starts, never waits on a lock this very request holds.
        """

        async def close_when_answered(scope: Scope, receive: Receive, send: Send) -> None:
            async def closing_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await _close(scope)
                await send(message)

            try:
                await app(scope, receive, closing_send if scope["type"] == ScopeType.HTTP else send)
            finally:
                await _close(scope)

        return close_when_answered


def _only_reads(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    handler = connection.scope.get("route_handler")
    return connection.scope.get("method") in SAFE_METHODS and not (handler and handler.opt.get(ONE_TRANSACTION))


async def roll_back(db: AsyncSession, *shown: object) -> None:
    """Forgets a refused change, and reloads what the page shows again (a rollback expires it).

    The request's session commits whatever a handler leaves in it, so a handler that answers a
    refusal with a page rather than an error must roll back itself.
    """
    await db.rollback()
    for thing in shown:
        await db.refresh(thing)


def _has_work(session: AsyncSession) -> bool:
    """Whether ending the request's session must commit: it holds a connection or unflushed changes.

    A read served from the process's caches (a conference merged in without SQL) has neither,
    and committing it would still build and tear down an empty transaction.
    """
    transaction = session.sync_session.get_transaction()
    if transaction is None:
        return False
    return bool(transaction.connections or session.new or session.dirty or session.deleted)


async def _roll_back_quietly(session: AsyncSession) -> None:
    # After a failure the connection may be gone; the failure is what the client hears of.
    try:
        await session.rollback()
    except Exception as exc:
        log.warning("rollback_failed", error=repr(exc))


async def _close(scope: Scope) -> None:
    session: AsyncSession | None = scope.pop(_SCOPE_KEY, None)  # type: ignore[misc]
    if session is not None:
        try:
            await session.close()
        except Exception as exc:
            log.warning("session_close_failed", error=repr(exc))
