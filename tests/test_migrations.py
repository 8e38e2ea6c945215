"""The migrations build exactly the schema the models describe, and unwind cleanly."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url

from events_app.db import alembic_config, downgrade_database, make_engine, upgrade_database
from events_app.models import Base


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    await engine.dispose()
    assert differences == [], "models differ from migrations: write a migration (events-app db revision)"


def test_migrations_form_one_history() -> None:
    """Every migration file is reachable and the heads are the domains' branches, none orphaned."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions = list(script.walk_revisions())
    assert revisions, "no migrations found"
    assert {r.revision for r in revisions} >= {"0001_foundation", "0002_audit_outbox"}


async def _scratch_postgres(database_url: str) -> tuple[str, str]:
    url = make_url(database_url)
    name = f"events_scratch_{secrets.token_hex(4)}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return url.set(database=name).render_as_string(hide_password=False), admin


async def test_downgrade_to_base_and_upgrade_again(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql"):
        scratch, admin = await _scratch_postgres(database_url)
    else:
        scratch, admin = f"sqlite+aiosqlite:///{tmp_path}/scratch.sqlite3", ""
    try:
        # Alembic runs its own event loop, so it goes to a thread.
        await asyncio.to_thread(upgrade_database, scratch)
        await asyncio.to_thread(downgrade_database, scratch, "base")
        await asyncio.to_thread(upgrade_database, scratch)
        engine = make_engine(scratch)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        await engine.dispose()
    finally:
        if admin:
            connection = await asyncpg.connect(admin)
            await connection.execute(f'DROP DATABASE IF EXISTS "{make_url(scratch).database}" WITH (FORCE)')
            await connection.close()


def test_offline_sql_can_be_generated(capsys: pytest.CaptureFixture[str]) -> None:
    """DBAs can review the SQL before a production upgrade: ``alembic upgrade --sql`` works."""
    command.upgrade(alembic_config("postgresql://reviewer@localhost/events"), "heads", sql=True)
    assert "CREATE TABLE conferences" in capsys.readouterr().out
