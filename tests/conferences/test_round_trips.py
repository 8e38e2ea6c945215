"""What the cheapest requests cost the database, pinned: the health probe and a conference read."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.checkin.conftest import make_conference
from tests.conftest import Statements


async def test_the_health_probe_costs_one_statement_outside_a_transaction(
    client: AsyncTestClient[Litestar], statements: Statements
) -> None:
    statements.clear()
    assert (await client.get("/health")).status_code == 200
    assert len(statements) == 1, statements.listing
    assert statements.isolation == ["AUTOCOMMIT"]


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
