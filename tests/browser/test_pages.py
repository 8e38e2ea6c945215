"""The shared layout in a real browser: readable on a phone, usable from the keyboard."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.async_api import Browser, Route
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.demo import seed_demo
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def test_conference_home_fits_a_phone_and_signs_in_staff(
    browser: Browser, db: AsyncSession, live_servers: Callable[..., list[LiveServer]]
) -> None:
    await seed_demo(db)
    await db.commit()
    [server] = live_servers(1)
    phone = await browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = await phone.new_page()

    await page.goto(f"{server.url}/")
    await page.get_by_role("link", name="Annual Conference & Expo 2027").click()
    assert await page.get_by_role("heading", level=1).inner_text() == "Annual Conference & Expo 2027"
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page scrolls sideways on a phone"

    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Skip to content"

    await page.get_by_role("link", name="Staff sign-in").click()
    await page.get_by_label("Email").fill("staff@demo.events.test")
    await page.get_by_label("Password").fill("demo-staff-pass")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_text("Sam Staff, on-site staff").wait_for()
    await phone.close()


async def test_api_docs_show_at_a_venue_without_internet(
    browser: Browser, live_servers: Callable[..., list[LiveServer]]
) -> None:
    [server] = live_servers(1)
    page = await browser.new_page()
    outside: list[str] = []

    async def offline(route: Route) -> None:
        if route.request.url.startswith(server.url):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await page.route("**/*", offline)
    await page.goto(f"{server.url}/schema")
    await page.get_by_text("Events service API").first.wait_for()
    await page.get_by_text("Registration, program, expo, check-in and calendar feeds").first.wait_for()
    # The viewer falls back to the system font when its web font cannot load; nothing else is fetched.
    assert [url for url in outside if "fonts.gstatic.com" not in url] == []
