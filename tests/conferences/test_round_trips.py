"""What the cheapest requests cost the database, pinned: the health probe and a conference read."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.checkin.conftest import make_conference
from tests.conftest import Statements


async def test_the_health_probe_asks_the_driver_and_begins_no_transaction(
    client: AsyncTestClient[Litestar], statements: Statements
) -> None:
    statements.clear()
    assert (await client.get("/health")).status_code == 200
    # Its one SELECT goes to the driver itself: nothing passes SQLAlchemy's statement path, which is where a
    # transaction would begin (asyncpg's BEGIN comes with the first statement sent that way). That it does
    # reach the database is the 503 test's (tests/test_service_basics.py).
    assert statements == [], statements.listing


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
