"""What an order costs the database, pinned: a registration rush is thousands of these at once.

Issue 11 aimed at ten statements, and an invoiced order of three costs nine: one read (its types with
the seats they hold, and the attendees' cities), the types' lock (whose counter shows the seats still fit,
so they are not counted again), the payment, the invoice's number, then one INSERT per table written
(order, attendees, invoice, mails, audit entries), however many attendees. Near a type's last seats the
count under the lock makes it ten.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import Statements
from tests.registration.conftest import World
from tests.registration.test_group_orders import URL, clerk_order

ORDER_STATEMENTS = 9


async def test_an_invoiced_order_of_three_costs_no_more_statements_than_today(
    client: AsyncTestClient[Litestar], world: World, statements: Statements
) -> None:
    # The first request of a process reads what every later one finds in its copy.
    await statements.settle()
    assert (await client.post(f"{URL}/quote", json=clerk_order(world))).status_code == 200
    statements.clear()
    response = await client.post(f"{URL}/orders", json=clerk_order(world, payment_method="invoice", po_number="PO-1"))
    assert response.status_code == 201, response.text
    assert len(statements) <= ORDER_STATEMENTS, statements.listing
