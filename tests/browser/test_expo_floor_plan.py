"""A partner holds a booth by clicking it on the floor plan, watches the countdown, and books it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.demo import seed_demo
from tests.browser_harness import shim_stripe_js
from tests.conftest import LiveServer
from tests.stripe_harness import CARD_3DS, LocalStripe, webhook_url

pytestmark = pytest.mark.browser


async def test_a_partner_holds_and_books_a_booth_on_the_floor_plan(
    browser: Browser, db: AsyncSession, live_servers: Callable[..., list[LiveServer]]
) -> None:
    await seed_demo(db)
    await db.commit()
    [server] = live_servers(1)
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()

    await page.goto(f"{server.url}/c/annual-2027")
    await page.get_by_role("link", name="Expo").click()
    await page.get_by_role("link", name="sign in").click()
    await page.get_by_label("Email").fill("partner@demo.events.test")
    await page.get_by_label("Password").fill("demo-partner-pass")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Expo floor plan")

    await page.get_by_label("Size").select_option("10x20")
    await page.get_by_label("Available only").check()
    await expect(page.locator("#filter-count")).to_contain_text("booths shown")
    assert await page.locator("g.booth.status-booked:not(.filtered-out)").count() == 0
    booth = page.locator('g.booth.status-available[data-size="10x20"]').first
    code = await booth.get_attribute("data-code")
    await booth.click()
    await expect(page.locator("#booth-details")).to_contain_text(f"Booth {code}: 10x20")
    await page.locator("#booth-panel").get_by_role("button", name=f"Hold booth {code}").click()

    await expect(page.get_by_text("The booth is yours for now")).to_be_visible()
    await expect(page.locator(f'g.booth[data-code="{code}"]')).to_have_attribute("data-status", "mine-held")
    countdown = page.locator("time.countdown").first
    await expect(countdown).to_have_text(re.compile(r"^(29|30):\d\d$"))
    first = await countdown.inner_text()
    await page.wait_for_timeout(1500)
    assert await countdown.inner_text() != first, "the countdown should tick"

    await page.get_by_label("Purchase order number (optional)").fill("PO-2027-118")
    await page.get_by_role("button", name=f"Book booth {code} and send the invoice").click()
    await expect(page.get_by_text("The invoice is on its way")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=f"{code}: 10x20")
    await expect(row).to_contain_text("Invoiced")
    await expect(row).to_contain_text(re.compile(r"INV-\d{4}-\d{5}"))

    await page.get_by_role("link", name="Expo floor plan").click()
    await expect(page.locator(f'g.booth[data-code="{code}"]')).to_have_attribute("data-status", "mine-booked")
    await context.close()


@pytest.mark.parametrize("card", ["4242424242424242", CARD_3DS], ids=["card", "3-d-secure-card"])
async def test_a_partner_pays_for_a_held_booth_by_card(
    browser: Browser,
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_env: dict[str, str],
    live_servers: Callable[..., list[LiveServer]],
    card: str,
) -> None:
    await seed_demo(db)
    await db.commit()
    [server] = live_servers(1, **stripe_env)
    localstripe.send_webhooks_to(webhook_url(server.url))
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    await shim_stripe_js(page, localstripe)  # localstripe's Stripe.js has no createPaymentMethod

    await page.goto(f"{server.url}/login?next=/c/annual-2027/expo")
    await page.get_by_label("Email").fill("partner@demo.events.test")
    await page.get_by_label("Password").fill("demo-partner-pass")
    await page.get_by_role("button", name="Sign in").click()
    booth = page.locator('g.booth.status-available[data-size="10x10"]').first
    code = await booth.get_attribute("data-code")
    await booth.click()
    await page.locator("#booth-panel").get_by_role("button", name=f"Hold booth {code}").click()
    await expect(page.get_by_text("The booth is yours for now")).to_be_visible()

    card_field = page.locator(".card-element").first
    await card_field.locator('input[placeholder="number"]').fill(card)
    await card_field.locator('input[placeholder="exp_month"]').fill("12")
    await card_field.locator('input[placeholder="exp_year"]').fill("30")
    await card_field.locator('input[placeholder="cvc"]').fill("123")
    await card_field.locator('input[placeholder="postal_code"]').fill("90802")
    await page.get_by_role("button", name=re.compile(r"^Pay \$[\d,.]+ by card$")).click()
    if card == CARD_3DS:
        await expect(page.get_by_role("heading", name="Confirm your card")).to_be_visible()
        await page.get_by_role("button", name="Complete authentication").click()
    await page.wait_for_url("**/expo/dashboard**")
    row = page.get_by_role("row").filter(has_text=f"{code}: 10x10")
    for _ in range(50):  # the webhook, not the browser, makes the booking firm
        if "Confirmed" in await row.inner_text():
            break
        await page.wait_for_timeout(200)
        await page.reload()
    await expect(row).to_contain_text("Confirmed")
    await context.close()
