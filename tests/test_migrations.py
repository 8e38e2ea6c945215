"""The migrations build exactly the schema the models describe, and unwind cleanly."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import async_sessionmaker

from events_app.core.mail import OutboxMail, deliver_outbox, queue_mail, readable_text
from events_app.db import make_engine
from events_app.migrate import alembic_config, downgrade_database, upgrade_database
from events_app.models import Base
from events_app.settings import Settings
from tests.conftest import MailBox


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


@asynccontextmanager
async def _scratch_database(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the suite's kind, dropped afterwards."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path}/scratch.sqlite3"
        return
    url = make_url(database_url)
    name = f"events_scratch_{secrets.token_hex(4)}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        connection = await asyncpg.connect(admin)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


async def test_downgrade_to_base_and_upgrade_again(database_url: str, tmp_path: Path) -> None:
    async with _scratch_database(database_url, tmp_path) as scratch:
        # Alembic runs its own event loop, so it goes to a thread.
        await asyncio.to_thread(upgrade_database, scratch)
        await asyncio.to_thread(downgrade_database, scratch, "base")
        await asyncio.to_thread(upgrade_database, scratch)
        engine = make_engine(scratch)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        await engine.dispose()


def test_offline_sql_can_be_generated(capsys: pytest.CaptureFixture[str]) -> None:
    """DBAs can review the SQL before a production upgrade: ``alembic upgrade --sql`` works."""
    command.upgrade(alembic_config("postgresql://reviewer@localhost/events"), "heads", sql=True)
    assert "CREATE TABLE conferences" in capsys.readouterr().out


async def test_mails_queued_either_side_of_the_parts_migration_are_delivered(
    database_url: str, tmp_path: Path, mail_settings: Settings, smtp_server: MailBox
) -> None:
    """A mail queued as a MIME message before 0005 leaves after it; one queued as parts survives a downgrade."""
    async with _scratch_database(database_url, tmp_path) as scratch:
        settings = replace(mail_settings, database_url=scratch)
        await asyncio.to_thread(upgrade_database, scratch, "0004_mail_about")
        before = EmailMessage(policy=email_policy.default)
        before["To"], before["Subject"] = "old@example.test", "Queued before"
        before.set_content("Sent as it was stored.")
        engine = make_engine(scratch)
        async with engine.begin() as connection:
            # The release before wrote no ``parts``, which this INSERT leaves out as it did.
            await connection.execute(
                insert(OutboxMail.__table__).values(  # type: ignore[arg-type]
                    recipients="old@example.test", subject="Queued before", message=bytes(before)
                )
            )
        await engine.dispose()
        await asyncio.to_thread(upgrade_database, scratch)

        engine = make_engine(scratch)
        async with async_sessionmaker(engine)() as db:
            await queue_mail(db, settings=settings, to=["new@example.test"], subject="Queued after", text="Built.")
            await db.commit()
        await engine.dispose()
        await asyncio.to_thread(downgrade_database, scratch, "0004_mail_about")
        engine = make_engine(scratch)
        async with engine.connect() as connection:
            stored = await connection.scalar(text("SELECT message FROM outbox_mails WHERE subject = 'Queued after'"))
        await engine.dispose()
        assert readable_text(stored) == "Built.\n"  # what the release before sends

        await asyncio.to_thread(upgrade_database, scratch)
        engine = make_engine(scratch)
        assert await deliver_outbox(engine, settings) == 2
        await engine.dispose()
        [old], [new] = smtp_server.to("old@example.test"), smtp_server.to("new@example.test")
        assert old["Subject"] == "Queued before"
        assert "Sent as it was stored." in old.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert new["Subject"] == "Queued after"
