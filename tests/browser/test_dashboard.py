"""The arrivals dashboard in a browser: it moves by itself when a door scans someone in."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.settings import Settings
from tests.checkin.conftest import World, badge_of, build_world, nonce
from tests.conftest import Caller, LiveServer, MakeCaller

pytestmark = pytest.mark.browser


async def test_the_dashboard_counts_an_arrival_without_a_reload(
    browser: Browser,
    db: AsyncSession,
    settings: Settings,
    make_caller: MakeCaller,
    staff: Caller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    world: World = await build_world(db, make_caller)
    token = await badge_of(db, settings, world, "maria")
    [server] = live_servers(1)
    page = await browser.new_page()
    await page.goto(f"{server.url}/login?next=/c/{world.conference.slug}/staff/dashboard")
    await page.get_by_label("Email").fill(staff.email)
    await page.get_by_label("Password").fill(staff.password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#live-state")).to_have_text("Live")
    await expect(page.locator("#checked-in")).to_have_text("0")
    await expect(page.locator("#registered")).to_have_text("2")

    async with httpx.AsyncClient() as http:
        scanned = await http.post(
            f"{server.url}/api/conferences/{world.conference.slug}/checkin/scans",
            json={"kind": "entry", "nonce": nonce(), "token": token},
            headers=world.north.headers,
        )
    assert scanned.json()["result"] == "ok"
    await expect(page.locator("#checked-in")).to_have_text("1")
    await expect(page.locator("#by-door")).to_contain_text("North entrance")
    await expect(page.locator("#by-type")).to_contain_text("Full conference")
    await page.close()
