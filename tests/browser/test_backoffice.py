"""An organizer in a real browser finds a city's order in the back office, records its check and sees it paid.

Every page on the way is checked with axe-core for serious or critical accessibility problems,
and the work is done with the keyboard and the form labels, as a clerk without a mouse would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.payments import service as payments
from events_app.payments.models import ReceiptMethod
from events_app.registration.checkout import PURPOSE
from events_app.settings import Settings
from tests.backoffice.conftest import place_city_order
from tests.browser_harness import serious_accessibility_violations
from tests.conftest import Caller, LiveServer
from tests.registration.conftest import World

pytestmark = pytest.mark.browser


async def _accessible(page: Page) -> None:
    assert await serious_accessibility_violations(page) == [], page.url


async def test_an_organizer_finds_the_citys_order_records_its_check_and_sees_it_paid(
    browser: Browser,
    db: AsyncSession,
    settings: Settings,
    world: World,
    organizer: Caller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    order = await place_city_order(db, settings, world)
    [server] = live_servers(1)
    context = await browser.new_context(bypass_csp=True)  # axe is injected as a script of the page
    page = await context.new_page()
    await page.goto(f"{server.url}/login?next=/office")
    await page.get_by_label("Email").fill(organizer.email)
    await page.get_by_label("Password").fill(organizer.password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Back office")
    await _accessible(page)

    await page.get_by_role("link", name=world.conference.name).click()
    await expect(page.get_by_role("heading", name="Registrations by type")).to_be_visible()
    await _accessible(page)

    await page.get_by_role("navigation", name=world.conference.name).get_by_role("link", name="Orders").click()
    search = page.get_by_label("Search")
    await search.focus()
    await page.keyboard.type("Fresno")
    await page.keyboard.press("Enter")
    # The world has this one order, so the list reads the same before the search: wait for the search's page.
    await expect(page).to_have_url(re.compile(r"[?&]q=Fresno"))
    await expect(page.get_by_role("status")).to_have_text("1 order; showing 1 to 1.")
    await _accessible(page)

    await page.get_by_role("link", name=order.number).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("invoiced")
    await _accessible(page)
    await expect(page.get_by_label("Amount in dollars", exact=True)).to_have_value("1000.00")
    await page.get_by_label("How it came").select_option("check")
    await page.get_by_label("Check number or ACH trace").fill("Check 4417")
    await page.get_by_label("Check number or ACH trace").press("Enter")

    await expect(page.get_by_role("status")).to_have_text("The payment is recorded.")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number} paid")
    await expect(page.get_by_text("Check 4417")).to_be_visible()
    await _accessible(page)

    await page.get_by_role("button", name="Refund…").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Refund $1,000.00 on order {order.number}?")
    await _accessible(page)
    await page.get_by_role("link", name="No, back to the order").click()
    await page.get_by_label("Cancel Pat Council").check()
    await page.get_by_role("button", name="Cancel ticked attendees").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Cancel these attendees of {order.number}?")
    await _accessible(page)
    await page.get_by_role("link", name="No, back to the order").click()
    await page.get_by_role("link", name="Audit log").click()
    await expect(page.get_by_role("cell", name="invoice.payment_recorded")).to_be_visible()
    await _accessible(page)
    await page.get_by_role("link", name="Types and prices").click()
    await page.get_by_role("link", name="Full conference").click()
    await expect(page.get_by_label("Capacity (empty: no limit)")).to_be_visible()
    await _accessible(page)
    await page.get_by_role("link", name="Back office").first.click()
    await page.get_by_role("link", name="Member cities").click()
    await _accessible(page)
    await page.get_by_role("link", name="Fresno").click()
    await expect(page.get_by_label("In good standing")).to_be_checked()
    await _accessible(page)
    await context.close()


async def test_the_registration_desk_money_and_people_pages_pass_axe(
    browser: Browser,
    db: AsyncSession,
    settings: Settings,
    world: World,
    organizer: Caller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    order = await place_city_order(db, settings, world)
    [payment] = await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id)
    assert payment.invoice is not None
    await payments.record_invoice_payment(
        db, settings=settings, invoice=payment.invoice, amount_cents=payment.amount_cents, method=ReceiptMethod.CHECK,
        received_on=date(2026, 11, 30), actor=None,
    )  # fmt: skip
    await db.commit()
    [server] = live_servers(1)
    context = await browser.new_context(bypass_csp=True)  # axe is injected as a script of the page
    page = await context.new_page()
    await page.goto(f"{server.url}/login?next=/office")
    await page.get_by_label("Email").fill(organizer.email)
    await page.get_by_label("Password").fill(organizer.password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Back office")
    office = f"/office/c/{world.conference.slug}"
    found: list[str] = []

    async def check(name: str) -> None:
        found.extend(f"{name}: {v}" for v in await serious_accessibility_violations(page))

    # Pages that show what was done: a code, a note, a profile and a token exist first, made through the pages.
    await page.goto(f"{server.url}{office}/promo-codes")
    await page.get_by_label("Code (letters").fill("MAYORS10")
    await page.get_by_label("Discount (percent, or dollars)").fill("10")
    await page.get_by_role("button", name="Create code").click()
    await expect(page.get_by_role("status")).to_have_text("The promo code is saved.")
    await check("promo codes")
    await page.get_by_role("link", name="MAYORS10").click()
    await check("a promo code")
    await page.get_by_role("button", name="Disable this code…").click()
    await check("disable a code?")
    await page.goto(f"{server.url}{office}/orders/{order.id}")
    await page.get_by_label("New note").fill("The clerk mails the check on Friday.")
    await page.get_by_role("button", name="Add note").click()
    await expect(page.get_by_role("status")).to_have_text("The note is added.")
    await check("an order with notes and mails")
    await page.goto(f"{server.url}/office/people")
    await page.get_by_label("Name (what holds it)").fill("Door 3 scanner")
    await page.get_by_role("button", name="Issue token").click()
    await expect(page.get_by_role("heading", name="The token Door 3 scanner is issued")).to_be_visible()
    await check("a token just issued")
    await page.get_by_role("button", name="Revoke Door 3 scanner…").click()
    await check("revoke a token?")
    await page.goto(f"{server.url}/office/people")
    users = page.locator("form[action='/office/people/users']")
    await users.get_by_label("Name", exact=True).fill("Dana Door")
    await users.get_by_label("Email").fill("dana.door@example.org")
    await users.get_by_label("Role").select_option("staff")
    await users.get_by_label("First password").fill("a-long-first-password-for-dana")
    await users.get_by_role("button", name="Add user").click()
    await page.get_by_role("button", name="Deactivate dana.door@example.org…").click()
    await expect(page.get_by_role("button", name="Yes, deactivate Dana Door")).to_be_visible()
    await check("deactivate a user?")
    for path in (
        f"{office}/policy",
        f"{office}/comps",
        f"{office}/billing",
        f"{office}/audit",
        f"{office}/orders?city=fresno",
        f"{office}/orders/{order.id}/attendees/{order.attendees[0].id}/substitute",
        "/office/billing",
        "/office/cities/import",
        "/office/audit",
        "/office/people",
        f"/c/{world.conference.slug}",
    ):
        response = await page.goto(f"{server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        await check(path)
    await context.close()
    assert found == [], "\n".join(found)
