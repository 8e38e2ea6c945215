"""What a booth hold costs the database, pinned: a booking window opens to every partner at once."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import Statements
from tests.expo.conftest import ExpoWorld, MakePartner

HOLD_STATEMENTS = 8


async def test_holding_a_free_booth_costs_at_most_eight_statements(
    client: AsyncTestClient[Litestar], expo: ExpoWorld, make_partner: MakePartner, statements: Statements
) -> None:
    acme = await make_partner("Acme Paving")
    # The first request of a process reads what every later one finds in its copy.
    await statements.settle()
    await client.get(f"{expo.api}/booths", headers=acme.headers)
    statements.clear()
    response = await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=acme.headers)
    assert response.status_code == 201, response.text
    assert len(statements) <= HOLD_STATEMENTS, statements.listing


async def test_losing_a_booth_to_another_partner_costs_at_most_eight_statements(
    client: AsyncTestClient[Litestar], expo: ExpoWorld, make_partner: MakePartner, statements: Statements
) -> None:
    first, second = await make_partner("First"), await make_partner("Second")
    await statements.settle()
    held = await client.post(f"{expo.api}/holds", json={"booth_code": "102"}, headers=first.headers)
    assert held.status_code == 201
    statements.clear()
    refused = await client.post(f"{expo.api}/holds", json={"booth_code": "102"}, headers=second.headers)
    assert refused.status_code == 409
    assert len(statements) <= HOLD_STATEMENTS, statements.listing
