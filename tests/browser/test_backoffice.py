"""An organizer in a real browser finds a city's order in the back office, records its check and sees it paid.

Every page on the way is checked with axe-core for serious or critical accessibility problems,
and the work is done with the keyboard and the form labels, as a clerk without a mouse would.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

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
