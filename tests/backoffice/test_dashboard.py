"""A conference's dashboard in the back office: seats by type, money, arrivals today; and the audit log."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.settings import Settings
from tests.backoffice.conftest import form, sign_in
from tests.checkin import conftest as checkin
from tests.conftest import MakeCaller


def cells(html: str, row_header: str) -> list[str]:
    """The cells of the table row headed ``row_header``."""
    row = re.search(rf"<th scope=\"row\">{re.escape(row_header)}</th>(.*?)</tr>", html, re.S)
    assert row is not None, row_header
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def fact(html: str, term: str) -> str:
    found = re.search(rf"<dt>{re.escape(term)}</dt><dd>(.*?)</dd>", html, re.S)
    assert found is not None, term
    return found.group(1).strip()


async def test_the_dashboard_counts_seats_money_and_todays_arrivals(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, make_caller: MakeCaller
) -> None:
    world = await checkin.build_world(db, make_caller)
    await checkin.place_order(db, settings, world, [("Ana", "Ruiz"), ("Ben", "Ortiz")], rtype=world.priced)
    await db.commit()
    token = await checkin.badge_of(db, settings, world, "maria")
    await checkin.scan(client, world, world.north, token)
    await sign_in(client, world.organizer)

    page = (await client.get("/office/c/annual-2027/")).text
    # confirmed, held, offered, capacity, left, waitlist
    assert cells(page, "Full conference") == ["2", "0", "0", "no limit", "no limit", "0"]
    assert cells(page, "Full conference (paid)") == ["0", "2", "0", "no limit", "no limit", "0"]
    assert fact(page, "Invoiced") == "$1,200.00"
    assert fact(page, "Open invoices") == "1 ($1,200.00 due)"
    assert fact(page, "Collected") == "$0.00"
    assert re.search(r'id="arrivals-h">Arrivals today</h2>\s*<p class="big-number">1</p>', page)

    orders = (await client.get("/office/c/annual-2027/orders", params={"status": "invoiced"})).text
    order_path = re.search(r'href="(/office/c/annual-2027/orders/[0-9a-f-]{36})"', orders)
    assert order_path is not None
    await client.post(
        f"{order_path.group(1)}/payments", data=form(client, amount="1200", method="check", received_on="2026-11-30")
    )
    page = (await client.get("/office/c/annual-2027/")).text
    assert fact(page, "Collected") == "$1,200.00"
    assert fact(page, "Open invoices") == "0 ($0.00 due)"
    assert cells(page, "Full conference (paid)")[:2] == ["2", "0"]


async def test_the_audit_log_filters_by_kind_of_action_and_by_who(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, make_caller: MakeCaller
) -> None:
    world = await checkin.build_world(db, make_caller)
    await checkin.place_order(db, settings, world, [("Ana", "Ruiz")], rtype=world.priced)
    await db.commit()
    await sign_in(client, world.organizer)
    log = (await client.get("/office/c/annual-2027/audit")).text
    assert "station.created" in log
    assert "invoice.issued" in log
    invoices_only = (await client.get("/office/c/annual-2027/audit", params={"action": "invoice."})).text
    assert "invoice.issued" in invoices_only
    assert "station.created" not in invoices_only.split("<tbody>")[1]
    by_organizer = (await client.get("/office/c/annual-2027/audit", params={"who": world.organizer.email})).text
    assert "station.created" in by_organizer.split("<tbody>")[1]
    assert "invoice.issued" not in by_organizer.split("<tbody>")[1]
