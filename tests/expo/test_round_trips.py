"""What a booth hold and the booth list cost the database, pinned: a booking window opens to every partner at
once, and every partner's page reads the list."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import Statements
from tests.expo.conftest import ExpoWorld, MakePartner, PartnerUser

Client = AsyncTestClient[Litestar]

# Reading the booth, the partner's lock, the claim, the hold and its audit row: the partner and the
# conference's booking terms are kept by the process, and no window here admits by points.
HOLD_STATEMENTS = 5
# A booth read as taken is refused as read: the token and the partner (both on their first use), and the booth.
TAKEN_STATEMENTS = 3
# A partner at its live-hold limit is refused by the count its lock returns: the booth and the lock.
LIMIT_STATEMENTS = 2
# The process keeps the list, and who a partner's user acts for: anyone's list costs nothing, a partner's too.
PUBLIC_LIST_STATEMENTS = 0
PARTNER_LIST_STATEMENTS = 0


async def warmed_partner(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, statements: Statements
) -> PartnerUser:
    """A partner whose first requests read what every later one finds in the process's copies; nothing counted."""
    acme = await make_partner("Acme Paving")
    await statements.settle()
    await client.get(f"{expo.api}/booths", headers=acme.headers)
    await client.get(f"{expo.api}/access", headers=acme.headers)  # the booking terms
    statements.clear()
    return acme


async def test_holding_a_free_booth_costs_at_most_five_statements(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, statements: Statements
) -> None:
    acme = await warmed_partner(client, expo, make_partner, statements)
    response = await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=acme.headers)
    assert response.status_code == 201, response.text
    assert len(statements) <= HOLD_STATEMENTS, statements.listing


async def test_losing_a_booth_to_another_partner_costs_at_most_three_statements(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, statements: Statements
) -> None:
    first, second = await make_partner("First"), await make_partner("Second")
    await statements.settle()
    held = await client.post(f"{expo.api}/holds", json={"booth_code": "102"}, headers=first.headers)
    assert held.status_code == 201
    statements.clear()
    refused = await client.post(f"{expo.api}/holds", json={"booth_code": "102"}, headers=second.headers)
    assert refused.status_code == 409
    assert len(statements) <= TAKEN_STATEMENTS, statements.listing


async def test_a_partner_at_its_hold_limit_is_refused_in_two_statements(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, statements: Statements
) -> None:
    acme = await warmed_partner(client, expo, make_partner, statements)
    for code in ("101", "105"):  # the default limit: two live holds
        assert (
            await client.post(f"{expo.api}/holds", json={"booth_code": code}, headers=acme.headers)
        ).status_code == 201
    statements.clear()  # the holds' notices drop only the kept booth list, which this refusal does not read
    refused = await client.post(f"{expo.api}/holds", json={"booth_code": "109"}, headers=acme.headers)
    assert refused.json()["code"] == "hold-limit-reached", refused.text
    assert len(statements) <= LIMIT_STATEMENTS, statements.listing


async def test_a_warm_booth_list_costs_no_statement_for_anyone(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, statements: Statements
) -> None:
    acme = await warmed_partner(client, expo, make_partner, statements)
    response = await client.get(f"{expo.api}/booths")
    assert response.status_code == 200
    assert len(statements) <= PUBLIC_LIST_STATEMENTS, statements.listing
    statements.clear()
    response = await client.get(f"{expo.api}/booths", headers=acme.headers)
    assert response.status_code == 200
    assert len(statements) <= PARTNER_LIST_STATEMENTS, statements.listing
