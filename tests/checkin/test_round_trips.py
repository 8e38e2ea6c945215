"""What a scan costs the database, pinned: doors scan thousands of badges an hour, so a later change
must not quietly add a round trip to the path every attendee takes."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.settings import Settings
from tests.checkin.conftest import Door, World, badge_of, scan
from tests.conftest import Statements

SCAN_STATEMENTS = 4
# The badge's holder is read with their first check-in, so a repeat needs no try at a second one.
REPEAT_STATEMENTS = 2


async def _warm(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    settings: Settings,
    world: World,
    statements: Statements,
    door: Door,
) -> None:
    """Fills the process's caches as a door in use has them: the first scan notes the door token's use (the
    write drops its kept copy in every process, once an hour), the next one keeps it again."""
    dev = await badge_of(db, settings, world, "dev")
    await scan(client, world, door, dev)
    await statements.settle()
    await scan(client, world, door, dev)


async def test_a_first_check_in_costs_at_most_four_statements(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, statements: Statements
) -> None:
    token = await badge_of(db, settings, world, "maria")
    await _warm(client, db, settings, world, statements, world.north)
    statements.clear()
    answer = await scan(client, world, world.north, token)
    assert answer["result"] == "ok"
    assert len(statements) <= SCAN_STATEMENTS, statements.listing


async def test_a_repeat_scan_at_another_door_costs_at_most_two_statements(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, statements: Statements
) -> None:
    token = await badge_of(db, settings, world, "maria")
    await scan(client, world, world.north, token)
    await _warm(client, db, settings, world, statements, world.south)
    statements.clear()
    answer = await scan(client, world, world.south, token)
    assert answer["result"] == "already_checked_in"
    assert len(statements) <= REPEAT_STATEMENTS, statements.listing
