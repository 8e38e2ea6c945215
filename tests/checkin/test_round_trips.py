"""What a scan costs the database, pinned: doors scan thousands of badges an hour, so a later change
must not quietly add a round trip to the path every attendee takes."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.settings import Settings
from tests.checkin.conftest import World, badge_of, scan
from tests.conftest import Statements

SCAN_STATEMENTS = 5


async def test_a_first_check_in_costs_at_most_five_statements(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, statements: Statements
) -> None:
    token = await badge_of(db, settings, world, "maria")
    await statements.settle()
    await scan(client, world, world.north, await badge_of(db, settings, world, "dev"))  # warm the process's caches
    statements.clear()
    answer = await scan(client, world, world.north, token)
    assert answer["result"] == "ok"
    assert len(statements) <= SCAN_STATEMENTS, statements.listing


async def test_a_repeat_scan_at_another_door_costs_at_most_five_statements(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, statements: Statements
) -> None:
    token = await badge_of(db, settings, world, "maria")
    await scan(client, world, world.north, token)
    await statements.settle()
    await scan(client, world, world.south, await badge_of(db, settings, world, "dev"))  # warm the process's caches
    statements.clear()
    answer = await scan(client, world, world.south, token)
    assert answer["result"] == "already_checked_in"
    assert len(statements) <= SCAN_STATEMENTS, statements.listing
