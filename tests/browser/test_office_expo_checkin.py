"""The back office's expo and check-in in Chromium: a phone becomes a door's scanner from the QR code on the
organizer's screen and scans a badge; a staff member signs in and starts scanning alone; every page on the
way passes axe-core with no serious or critical violation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import assignments
from events_app.expo import holds
from events_app.expo.models import Booth
from events_app.settings import Settings
from tests.browser_harness import READ_QR, serious_accessibility_violations, sign_in
from tests.checkin.conftest import badge_of, build_world, organizer_principal
from tests.conftest import Caller, LiveServer, MakeCaller
from tests.expo import conftest as expo_world
from tests.expo.conftest import ExpoWorld, MakePartner

pytestmark = pytest.mark.browser

expo = expo_world.expo
make_partner = expo_world.make_partner


async def test_a_phone_reads_the_stations_qr_code_and_scans_a_badge(
    browser: Browser,
    db: AsyncSession,
    settings: Settings,
    make_caller: MakeCaller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    world = await build_world(db, make_caller)
    maria = await badge_of(db, settings, world, "maria")
    await assignments.assign(
        db, station=world.desk.station, email=world.staff.email, actor=await organizer_principal(db, world.organizer)
    )
    await db.commit()
    [server] = live_servers(1)
    found: list[str] = []

    async def accessible(page: Page) -> None:
        found.extend(f"{page.url}: {v}" for v in await serious_accessibility_violations(page))

    organizer = await browser.new_context(bypass_csp=True)  # axe is injected as a script of the page
    screen = await organizer.new_page()
    await sign_in(screen, server, world.organizer, "/office")
    await screen.get_by_role("link", name=world.conference.name).click()
    await screen.get_by_role("navigation", name=world.conference.name).get_by_role("link", name="Stations").click()
    await accessible(screen)
    await screen.get_by_role("link", name="North entrance").click()
    await accessible(screen)
    await screen.get_by_role("link", name="Show a QR code to set up a phone").click()
    await expect(screen.get_by_role("img", name="QR code that sets up a phone as North entrance")).to_be_visible()
    await accessible(screen)
    link = await screen.evaluate(READ_QR)
    assert link is not None
    assert link.startswith(f"{server.url}/c/{world.conference.slug}/staff/provision/")

    phone = await browser.new_context(bypass_csp=True)
    door = await phone.new_page()
    await door.goto(link)
    await expect(door.get_by_role("heading", level=1)).to_contain_text("Set up this device")
    await accessible(door)
    await door.get_by_role("button", name="Start scanning here").click()
    await expect(door.locator("#station-name")).to_have_text("North entrance")
    await expect(door.locator("#network")).to_have_text("Online")
    assert "token=" not in door.url  # the phone keeps its token; the address bar does not show it
    await door.locator("#wedge").focus()
    await door.keyboard.type(maria)
    await door.keyboard.press("Enter")
    await expect(door.locator("#result")).to_have_attribute("data-result", "ok", timeout=10_000)
    await expect(door.locator("#result-name")).to_have_text("Maria")

    await door.goto(link)  # the same code a second time sets nothing up
    await expect(door.get_by_role("alert")).to_contain_text("already used")

    for path in ("checkin/badges", "checkin/badges?q=Lopez", "checkin/attendance"):
        await screen.goto(f"{server.url}/office/c/{world.conference.slug}/{path}")
        await accessible(screen)
    await screen.goto(f"{server.url}/office/c/{world.conference.slug}/checkin/stations/{world.south.station.id}")
    await screen.get_by_role("button", name="Stop this station's device…").click()
    await expect(screen.get_by_role("button", name="Yes, stop the device")).to_be_visible()
    await accessible(screen)

    staff = await browser.new_context(bypass_csp=True)
    own = await staff.new_page()
    await sign_in(own, server, world.staff)
    await expect(own.get_by_role("heading", level=1)).to_contain_text("Your tools")
    await accessible(own)
    await own.get_by_role("link", name="Desk look-up").click()
    await own.get_by_label("Name or badge code").fill("Patel")
    await own.get_by_label("Name or badge code").press("Enter")
    await expect(own.get_by_role("rowheader", name="Dev Patel")).to_be_visible()
    await accessible(own)
    await own.go_back()
    await own.go_back()
    await own.get_by_role("button", name="Scan at Registration desk").click()
    await expect(own.locator("#station-name")).to_have_text("Registration desk")
    for context in (organizer, phone, staff):
        await context.close()
    assert found == [], "\n".join(found)


async def test_the_expo_office_pages_pass_axe_core(
    browser: Browser,
    db: AsyncSession,
    expo: ExpoWorld,
    make_partner: MakePartner,
    organizer: Caller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    acme = await make_partner("Acme Paving", tier="gold", categories=("paving",))
    await holds.hold_booth(
        db,
        conference=expo.conference,
        partner=acme.partner,
        booth=await db.get_one(Booth, expo.booths["104"].id),
        actor=None,
    )
    await db.commit()
    [server] = live_servers(1)
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    found: list[str] = []

    async def accessible(name: str) -> None:
        found.extend(f"{name}: {v}" for v in await serious_accessibility_violations(page))

    await sign_in(page, server, organizer, "/office")
    office = f"{server.url}/office/c/{expo.conference.slug}/expo"
    await page.goto(office)
    await accessible("expo")
    await page.get_by_role("button", name="Remove Everyone…").click()
    await accessible("remove a window?")
    await page.goto(f"{office}/floor-plan")
    await expect(page.locator(".plan-scroll svg")).to_be_visible()
    await accessible("floor plan")
    await page.get_by_label("Or paste the JSON").fill('{"format": "events-app/floor-plan", "version": 1, "halls": "A"}')
    await page.get_by_role("button", name="Import floor plan").click()
    await expect(page.get_by_role("alert")).to_contain_text("not a floor plan")
    await accessible("floor plan refused")
    await page.goto(f"{office}/bookings")
    await page.get_by_role("link", name="Place a partner in 101").click()
    await page.get_by_label("Partner").select_option(label="Acme Paving (Gold)")
    await accessible("place a partner")
    await page.get_by_role("button", name="Place the partner").click()
    await expect(page.get_by_role("status")).to_have_text("The partner is placed in the booth.")
    await accessible("bookings")
    await page.get_by_role("link", name="Move booking 101").click()
    await accessible("move a booking")
    await page.go_back()
    await page.get_by_role("button", name="Cancel booking 101…").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel Acme Paving's booking of booth 101?")
    await accessible("cancel a booking?")
    await page.goto(f"{office}/bookings")
    await page.get_by_role("button", name="Free booth 104…").click()
    await accessible("end a hold?")
    await page.goto(f"{server.url}/office/partners")
    await accessible("partner program")
    await page.get_by_role("link", name="Acme Paving").click()
    await accessible("partner")
    await page.get_by_role("button", name="Stop").first.click()
    await accessible("stop a contact?")
    await context.close()
    assert found == [], "\n".join(found)
