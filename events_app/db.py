"""Database wiring: the declarative base, shared column types, engine and migrations.

One engine per process. SQLite gets foreign keys, WAL and a busy timeout on every
connection because it enforces none of them by default.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig
from advanced_alchemy.types import DateTimeUTC
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Enum, ForeignKey, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry

from events_app.core.clock import now

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Stable constraint names: Alembic's batch mode on SQLite and later migrations rely on them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every model's base: UUID primary key and UTC timestamps of creation and last change."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTimeUTC(timezone=True)}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


# The conference a row belongs to: rows go with their conference, and lists are read by it.
ConferenceId = Annotated[uuid.UUID, mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)]


def str_enum(cls: type[StrEnum], name: str, *, length: int = 30) -> Enum:
    """A ``StrEnum`` stored as its values in a VARCHAR (no native ENUM type: adding a member needs no ALTER TYPE)."""
    return Enum(cls, name=name, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


# Connections are replaced after this long instead of being pinged at every checkout: a ping costs
# three round trips on asyncpg (BEGIN, an empty statement, ROLLBACK) on every request, and a server
# restart between checkouts is rare enough to answer with a retry or a 503.
POOL_RECYCLE_SECONDS = 1800


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An engine for ``url``; creates the folder of a SQLite file if it is missing."""
    options: dict[str, Any] = {"pool_recycle": POOL_RECYCLE_SECONDS}
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    else:
        options |= {"pool_size": pool_size, "max_overflow": pool_size}
    engine = create_async_engine(url, **options)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def upsert_statement(db: AsyncSession) -> Callable[..., Any]:
    """The dialect's ``insert`` with ON CONFLICT support (PostgreSQL and SQLite share the syntax)."""
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


async def insert_unless_taken(db: AsyncSession, model: type[Base], values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: False when a unique constraint already holds the row.

    The database decides every race this way: a concurrent inserter waits for the other's
    commit, then finds the key taken. Unlike catching IntegrityError it needs no savepoint
    and leaves a PostgreSQL transaction usable.
    """
    result = await db.execute(upsert_statement(db)(model).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)  # type: ignore[attr-defined]


def make_alchemy_config(engine: AsyncEngine) -> SQLAlchemyAsyncConfig:
    """One session per request: committed on a 2xx or 3xx answer (forms redirect after a POST), else rolled back."""
    return SQLAlchemyAsyncConfig(
        engine_instance=engine,
        before_send_handler="autocommit_include_redirects",
        session_config=AsyncSessionConfig(expire_on_commit=False),
        metadata=Base.metadata,
        create_all=False,
    )


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str, revision: str = "heads") -> None:
    """Apply migrations up to ``revision``. Runs its own event loop: call it outside one."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade_database(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
