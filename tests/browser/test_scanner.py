"""The scanner page in headless Chromium: a wedge scanner at the door, the venue network dropping out."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin.models import Checkin, Scan
from events_app.settings import Settings
from tests.checkin.conftest import World, badge_of, build_world, place_order, register
from tests.conftest import LiveServer, MakeCaller

pytestmark = pytest.mark.browser


async def _wedge(page: Page, code: str) -> None:
    """What a USB or Bluetooth scanner does: types the code fast and presses Enter."""
    await page.locator("#wedge").focus()
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")


async def _expect_result(page: Page, result: str, name: str | None = None) -> None:
    panel = page.locator("#result")
    await expect(panel).to_have_attribute("data-result", result, timeout=10_000)
    await expect(panel).to_be_visible()
    if name is not None:
        await expect(page.locator("#result-name")).to_have_text(name)
    await panel.click()  # staff tap the answer away


async def test_scans_taken_offline_reach_the_server_exactly_once(
    browser: Browser,
    db: AsyncSession,
    settings: Settings,
    make_caller: MakeCaller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    world: World = await build_world(db, make_caller)
    await register(db, world, "lee", "Lee", "Chan")
    await db.commit()
    maria, dev, lee = [await badge_of(db, settings, world, key) for key in ("maria", "dev", "lee")]
    [server] = live_servers(1)

    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{server.url}/c/{world.conference.slug}/staff/scan#token={world.north.token}")
    await expect(page.locator("#network")).to_have_text("Online")
    await page.wait_for_function("navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready")
    await page.evaluate("navigator.serviceWorker.ready")
    assert "token=" not in page.url  # the device keeps its token; the address bar does not show it
    await expect(page.locator("#station-name")).to_have_text("North entrance")

    await _wedge(page, maria)
    await _expect_result(page, "ok", "Maria")

    await context.set_offline(True)
    await _wedge(page, dev)
    await _expect_result(page, "ok", "Dev")
    await expect(page.locator("#network")).to_contain_text("Offline")
    await _wedge(page, maria)  # she is already in: the device knows without the server
    await _expect_result(page, "already_checked_in", "Maria")
    await _wedge(page, lee)
    await _expect_result(page, "ok", "Lee")
    await _wedge(page, "EV1-THISISNOTABADGE")
    await _expect_result(page, "invalid")
    await expect(page.locator("#queue")).to_have_attribute("data-count", "4")

    await page.reload()  # a phone that restarts the page in the dead zone keeps its queue and copy
    await expect(page.locator("#network")).to_contain_text("Offline")
    await expect(page.locator("#queue")).to_have_attribute("data-count", "4")
    await _wedge(page, lee)  # admitted offline before the reload: still known to be in
    await _expect_result(page, "already_checked_in", "Lee")
    await expect(page.locator("#queue")).to_have_attribute("data-count", "5")

    await context.set_offline(False)
    await expect(page.locator("#queue")).to_have_attribute("data-count", "0", timeout=15_000)
    await expect(page.locator("#network")).to_have_text("Online")
    await context.close()

    db.expire_all()
    scans = list(await db.scalars(select(Scan).order_by(Scan.scanned_at)))
    assert len(scans) == 6  # one online, five queued: each recorded once
    assert len({s.nonce for s in scans}) == 6
    assert [str(s.result) for s in scans] == ["ok", "ok", "already_checked_in", "ok", "invalid", "already_checked_in"]
    assert [s.offline for s in scans] == [False, True, True, True, True, True]
    assert not any(s.conflict for s in scans)  # the same door twice is not a two-door clash
    assert await db.scalar(select(func.count()).select_from(Checkin)) == 3


async def test_the_desk_checks_in_a_group_and_finds_someone_by_name(
    browser: Browser,
    db: AsyncSession,
    settings: Settings,
    make_caller: MakeCaller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    world: World = await build_world(db, make_caller)
    await place_order(db, settings, world, [("Maria", "Silva"), ("Tom", "Reyes")])
    await db.commit()
    maria = await badge_of(db, settings, world, "maria")
    [server] = live_servers(1)
    page = await browser.new_page()
    await page.goto(f"{server.url}/c/{world.conference.slug}/staff/scan#token={world.desk.token}")
    await expect(page.locator("#network")).to_have_text("Online")

    await _wedge(page, maria)
    await expect(page.locator("#result")).to_have_attribute("data-result", "ok")
    await page.get_by_role("button", name="Check in Tom Reyes").click()  # offered because they share an order
    await _expect_result(page, "ok", "Tom")

    await page.get_by_label("Find by name").fill("dev pat")
    await page.get_by_role("button", name="Find").click()
    await page.get_by_role("button", name="Check in", exact=True).click()
    await _expect_result(page, "ok", "Dev")
    await page.close()

    db.expire_all()
    assert await db.scalar(select(func.count()).select_from(Checkin)) == 3
