"""A real browser registers and pays by card: Debian's chromium, Stripe.js served by localstripe, webhooks over HTTP.

localstripe's Stripe.js has no ``createPaymentMethod`` (it is an empty stub), so the test
adds a small shim to the script as the browser loads it: the shim posts the card Element's
values to ``/v1/payment_methods`` and the test answers that call with the emulator's own
PaymentMethod, made with the secret key (its API refuses a publishable key there). It
stands in for exactly what Stripe.js does in production; everything else is real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from playwright.async_api import Browser
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.registration.models import AttendeeStatus, Order, OrderStatus
from tests.browser_harness import shim_stripe_js
from tests.conftest import LiveServer
from tests.registration.conftest import World
from tests.stripe_harness import CARD_3DS, LocalStripe, webhook_url

pytestmark = pytest.mark.browser


async def _order_status(db: AsyncSession, buyer_email: str) -> OrderStatus | None:
    await db.rollback()
    order = await db.scalar(
        select(Order).where(Order.buyer_email == buyer_email).execution_options(populate_existing=True)
    )
    return order.status if order else None


@pytest.mark.parametrize("card", ["4242424242424242", CARD_3DS], ids=["card", "3-d-secure-card"])
async def test_a_clerk_registers_two_officials_and_pays_by_card_in_a_browser(
    db: AsyncSession,
    world: World,
    localstripe: LocalStripe,
    stripe_env: dict[str, str],
    live_servers: Callable[..., list[LiveServer]],
    browser: Browser,
    card: str,
) -> None:
    [server] = live_servers(1, **stripe_env)
    localstripe.send_webhooks_to(webhook_url(server.url))
    page = await browser.new_page()
    await shim_stripe_js(page, localstripe)
    await page.goto(f"{server.url}/c/annual-2027")
    await page.get_by_role("link", name="Register").first.click()
    await page.get_by_label("Your name").first.fill("Carla Clerk")
    await page.get_by_label("Your email").first.fill("clerk@fresno.gov")
    await page.get_by_role("button", name="Add another attendee").click()
    for i, (first, email) in enumerate((("Maria", "mayor@fresno.gov"), ("Tom", "tlee@fresno.gov"))):
        await page.locator(f'input[name="a{i}_first_name"]').fill(first)
        await page.locator(f'input[name="a{i}_last_name"]').fill("Official")
        await page.locator(f'input[name="a{i}_email"]').fill(email)
    await page.get_by_label("Pay now by card").check()
    await page.get_by_role("button", name="Check rates and totals").click()
    assert await page.locator("#total").inner_text() == "$1,000.00"
    await page.get_by_role("button", name="Register", exact=True).click()

    await page.wait_for_url("**/registration/checkout/**")
    card_field = page.locator("#card-element")
    await card_field.locator('input[placeholder="number"]').fill(card)
    await card_field.locator('input[placeholder="exp_month"]').fill("12")
    await card_field.locator('input[placeholder="exp_year"]').fill("30")
    await card_field.locator('input[placeholder="cvc"]').fill("123")
    await card_field.locator('input[placeholder="postal_code"]').fill("93721")
    await page.get_by_role("button", name="Pay $1,000.00").click()
    if card == CARD_3DS:
        # localstripe's Stripe.js shows its 3-D Secure dialog from confirmCardPayment.
        await page.get_by_role("button", name="Complete authentication").click()

    await page.wait_for_url("**/registration/manage/**")
    for _ in range(100):
        if await _order_status(db, "clerk@fresno.gov") == OrderStatus.PAID:
            break
        await asyncio.sleep(0.1)
    await page.reload()
    assert (await page.locator("#order-status").inner_text()).strip() == "Confirmed"
    order = await db.scalar(select(Order).where(Order.buyer_email == "clerk@fresno.gov"))
    assert order is not None
    assert {a.status for a in order.attendees} == {AttendeeStatus.CONFIRMED}
