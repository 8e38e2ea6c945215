"""What the cheapest requests cost the database, pinned: the health probe and a conference read."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import Connection, Engine, event
from sqlalchemy.ext.asyncio import AsyncSession

from tests.checkin.conftest import make_conference
from tests.conftest import Statements


async def test_the_health_probe_costs_one_statement_outside_a_transaction(
    client: AsyncTestClient[Litestar], statements: Statements
) -> None:
    # In a transaction asyncpg's BEGIN and the pool's ROLLBACK are two more round trips, which the
    # statement counter does not see; AUTOCOMMIT sends neither.
    isolation: list[str | None] = []

    def note(connection: Connection, *_args: Any) -> None:
        isolation.append(connection.get_execution_options().get("isolation_level"))

    event.listen(Engine, "before_cursor_execute", note)
    try:
        statements.clear()
        assert (await client.get("/health")).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    assert len(statements) == 1, statements.listing
    assert isolation == ["AUTOCOMMIT"]


async def test_reading_a_conference_again_costs_no_statement(
    client: AsyncTestClient[Litestar], db: AsyncSession, statements: Statements
) -> None:
    conference = await make_conference(db)
    await db.commit()
    await statements.settle()
    assert (await client.get(f"/api/conferences/{conference.slug}")).status_code == 200
    statements.clear()
    assert (await client.get(f"/api/conferences/{conference.slug}")).status_code == 200
    assert statements == [], statements.listing
