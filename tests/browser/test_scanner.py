"""The scanner page in headless Chromium: a wedge scanner at the door, the venue network dropping out."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin.models import Checkin, Scan
from events_app.core.clock import now
from events_app.registration.cancellation import revoke
from events_app.registration.models import AttendeeStatus
from events_app.settings import Settings
from tests.checkin.conftest import Door, World, badge_of, build_world, place_order, register
from tests.conftest import Caller, LiveServer, MakeCaller

pytestmark = pytest.mark.browser

NOT_ANSWERING = "Server not answering: checking on this device"


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


async def _open_door(browser: Browser, server: LiveServer, world: World, door: Door) -> tuple[BrowserContext, Page]:
    """A door's device: its own browser, opened on the scanner with the station's token."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{server.url}/c/{world.conference.slug}/staff/scan#token={door.token}")
    await expect(page.locator("#network")).to_have_text("Online")
    return context, page


async def test_a_hung_server_gets_a_local_answer_and_one_recorded_scan(
    browser: Browser,
    db: AsyncSession,
    settings: Settings,
    make_caller: MakeCaller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    world: World = await build_world(db, make_caller)
    maria = await badge_of(db, settings, world, "maria")
    [server] = live_servers(1)
    north_device, north = await _open_door(browser, server, world, world.north)
    south_device, south = await _open_door(browser, server, world, world.south)

    os.kill(server.process.pid, signal.SIGSTOP)  # alive, connections accepted, nothing answered
    try:
        await north.locator("#wedge").focus()
        await north.keyboard.type(maria)
        await north.keyboard.press("Enter")
        # The deadline is 1.5 s, then the door answers from its own copy; the hung server never would.
        # The margin is for a browser painting on a machine busy with the whole suite.
        await expect(north.locator("#result")).to_have_attribute("data-result", "ok", timeout=3_000)
        await expect(north.locator("#result-word")).to_have_text("Go ahead (offline)")
        await expect(north.locator("#network")).to_have_text(NOT_ANSWERING)
        await expect(north.locator("#queue")).to_have_attribute("data-count", "1")
        await north.locator("#result").click()
        # The other door scanned nothing: its heartbeat alone tells staff.
        await expect(south.locator("#network")).to_have_text(NOT_ANSWERING, timeout=10_000)
    finally:
        os.kill(server.process.pid, signal.SIGCONT)

    await expect(north.locator("#queue")).to_have_attribute("data-count", "0", timeout=20_000)
    await expect(north.locator("#network")).to_have_text("Online")
    await expect(north.locator("#last-sync")).to_contain_text("1 scan sent, 0 conflicts")
    await expect(south.locator("#network")).to_have_text("Online", timeout=10_000)
    await expect(north.locator("#result")).to_be_hidden()  # the server's late answer shows no second result
    await north_device.close()
    await south_device.close()

    db.expire_all()
    assert await db.scalar(select(func.count()).select_from(Scan)) == 1
    assert await db.scalar(select(func.count()).select_from(Checkin)) == 1


@pytest.mark.parametrize("north_reconnects_first", [True, False], ids=["first-door-first", "second-door-first"])
async def test_two_doors_reconnecting_in_either_order_credit_the_door_that_scanned_first(
    browser: Browser,
    db: AsyncSession,
    settings: Settings,
    make_caller: MakeCaller,
    staff: Caller,
    live_servers: Callable[..., list[LiveServer]],
    north_reconnects_first: bool,
) -> None:
    world: World = await build_world(db, make_caller)
    maria = await badge_of(db, settings, world, "maria")
    north_id = world.north.station.id
    [server] = live_servers(1)
    north_device, north = await _open_door(browser, server, world, world.north)
    south_device, south = await _open_door(browser, server, world, world.south)
    dashboard = await browser.new_page()
    await dashboard.goto(f"{server.url}/login?next=/c/{world.conference.slug}/staff/dashboard")
    await dashboard.get_by_label("Email").fill(staff.email)
    await dashboard.get_by_label("Password").fill(staff.password)
    await dashboard.get_by_role("button", name="Sign in").click()
    await expect(dashboard.locator("#live-state")).to_have_text("Live")

    await north_device.set_offline(True)
    await south_device.set_offline(True)
    await _wedge(north, maria)
    await _expect_result(north, "ok", "Maria")
    await _wedge(south, maria)  # she walks round; the south door cannot know she is in
    await _expect_result(south, "ok", "Maria")

    first, second = [(north_device, north), (south_device, south)][:: 1 if north_reconnects_first else -1]
    for device, page in (first, second):
        await device.set_offline(False)
        await expect(page.locator("#queue")).to_have_attribute("data-count", "0", timeout=15_000)
    await expect(second[1].locator("#last-sync")).to_contain_text("1 scan sent, 1 conflict")

    db.expire_all()
    north_scan = await db.scalar(select(Scan).where(Scan.station_id == north_id))
    checkin = await db.scalar(select(Checkin))
    assert north_scan is not None
    assert checkin is not None
    assert (checkin.station_id, checkin.checked_in_at) == (north_id, north_scan.scanned_at)

    clash = re.compile(r"Maria Lopez entered at North entrance, .+; let in again at South entrance, ")
    for page in (north, south):
        await page.reload()
        await expect(page.locator("#conflict-items")).to_have_text(clash)
    await expect(dashboard.locator("#conflicts")).to_contain_text("Maria Lopez: entered at North entrance")
    await expect(dashboard.locator("#by-door")).to_contain_text("North entrance")
    await expect(dashboard.locator("#by-door")).not_to_contain_text("South entrance")

    await dashboard.get_by_role("button", name="Mark seen").click()
    await expect(dashboard.locator("#conflicts li")).to_have_count(0)
    await south.reload()
    await expect(south.locator("#network")).to_have_text("Online")
    await expect(south.locator("#conflicts")).to_be_hidden()
    for device in (north_device, south_device, dashboard.context):
        await device.close()


async def test_the_look_up_stays_usable_beside_a_group_and_says_who_cannot_come_in(
    browser: Browser,
    db: AsyncSession,
    settings: Settings,
    make_caller: MakeCaller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    world: World = await build_world(db, make_caller)
    await place_order(db, settings, world, [("Maria", "Silva"), ("Tom", "Reyes")])
    await register(db, world, "ann", "Ann", "Gone")
    revoke(world.people["ann"], AttendeeStatus.CANCELLED, at=now())
    await db.commit()
    maria = await badge_of(db, settings, world, "maria")
    [server] = live_servers(1)
    page = await browser.new_page(viewport={"width": 375, "height": 740})
    await page.goto(f"{server.url}/c/{world.conference.slug}/staff/scan#token={world.desk.token}")
    await expect(page.locator("#network")).to_have_text("Online")

    await _wedge(page, maria)
    await expect(page.get_by_role("button", name="Check in Tom Reyes")).to_be_visible()
    # Tom is still waiting on the answer panel; the look-up form is not under it.
    await page.get_by_label("Find by name").fill("silva")
    await page.get_by_role("button", name="Find").click()
    maria_hit = page.locator("#lookup-results li", has_text="Maria Silva")
    await expect(maria_hit).to_contain_text("Already checked in")
    await expect(maria_hit.get_by_role("button", name="Check in")).to_have_count(0)

    await page.get_by_label("Find by name").fill("ann gone")
    await page.get_by_role("button", name="Find").click()
    ann_hit = page.locator("#lookup-results li", has_text="Ann Gone")
    await expect(ann_hit).to_contain_text("Cancelled: not admitted")
    await expect(ann_hit.get_by_role("button", name="Check in")).to_have_count(0)
    await page.close()
