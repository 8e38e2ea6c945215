"""A new conference from nothing to a paid order, every organizer's step in the back office, none through the API.

The organizer creates the conference, its types and prices, a room and a session, publishes the
program, imports the floor plan, opens a booking window, signs up a partner, adds a staff member
and a station; then an official registers on the public pages to be invoiced, the partner holds a
booth on the partner floor plan, the staff member signs in and scans the official's badge with
the phone the station's QR code set up, and the organizer records the city's check.

The fixtures make only what no page makes: the organizer's and the partner contact's accounts
(``organizer``, ``partner``), and the member city Fresno with its division (``world``, whose own
conference stays out of the way). The pages on the way that no other browser test checks with axe-core
are checked here.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import badges
from events_app.conferences.models import Conference
from events_app.registration.models import Attendee
from events_app.settings import Settings
from tests.browser_harness import READ_QR, serious_accessibility_violations, sign_in
from tests.conftest import Caller, LiveServer
from tests.expo.conftest import plan_document
from tests.registration.conftest import World

pytestmark = pytest.mark.browser

NAME = "Spring Policy Forum 2028"
SLUG = "spring-2028"
OFFICE = f"/office/c/{SLUG}"
STAFF_EMAIL = "door.staff@example.test"
STAFF_PASSWORD = "door-staff-pass-1"


async def _badge_of(db: AsyncSession, settings: Settings, email: str) -> str:
    """The badge the official would show; the test reads it as the printed badge would carry it."""
    conference = await db.scalar(select(Conference).where(Conference.slug == SLUG))
    attendee = await db.scalar(select(Attendee).where(Attendee.email == email))
    assert conference is not None
    assert attendee is not None
    holder = await badges.get_holder(db, conference=conference, attendee_id=attendee.id)
    token = await badges.badge_token(db, settings=settings, conference=conference, holder=holder)
    await db.commit()
    return token


async def test_an_organizer_sets_up_a_conference_in_the_office_and_sees_its_first_order_paid(
    browser: Browser,
    db: AsyncSession,
    settings: Settings,
    world: World,
    organizer: Caller,
    partner: Caller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    [server] = live_servers(1)
    found: list[str] = []

    async def accessible(page: Page) -> None:
        found.extend(f"{page.url}: {v}" for v in await serious_accessibility_violations(page))

    office = await browser.new_context(bypass_csp=True)  # axe is injected as a script of the page
    page = await office.new_page()
    await sign_in(page, server, organizer, "/office")

    # The conference, a draft until it is published.
    await page.get_by_role("link", name="New conference").click()
    await accessible(page)
    await page.get_by_label("Name", exact=True).fill(NAME)
    await page.get_by_label("Address name").fill(SLUG)
    await page.get_by_label("Venue name").fill("Sacramento Convention Center")
    await page.get_by_label("Venue address").fill("1400 J St, Sacramento, CA")
    await page.get_by_label("First day").fill("2028-03-14")
    await page.get_by_label("Last day").fill("2028-03-16")
    await page.get_by_label("Member-city officials on an invoice get in").check()
    await page.get_by_role("button", name="Create conference").click()
    await expect(page.get_by_role("status")).to_contain_text("The conference is created as a draft")
    await accessible(page)

    tabs = page.get_by_role("navigation", name=NAME)
    await tabs.get_by_role("link", name="Types and prices").click()
    await page.get_by_role("link", name="Add a type").click()
    await accessible(page)
    await page.get_by_label("Name", exact=True).fill("Full forum")
    await page.get_by_label("Kind").select_option("full")
    await page.get_by_label("Member", exact=True).first.fill("450")
    await page.get_by_label("Non-member", exact=True).first.fill("900")
    await page.get_by_role("button", name="Add type").click()
    await expect(page.get_by_role("status")).to_have_text("The registration type is saved.")
    await expect(page.get_by_role("row", name="Full forum")).to_contain_text("$450.00")

    await tabs.get_by_role("link", name="Details").click()
    await page.get_by_role("button", name="Publish this conference").click()
    await expect(page.get_by_role("status")).to_contain_text("The conference is published")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("published")

    # The program: a room, a session in it, and the first release.
    await tabs.get_by_role("link", name="Program").click()
    await page.get_by_text("Add a room").click()
    rooms = page.locator(f"form[action='{OFFICE}/program/rooms']")
    await rooms.get_by_label("Name", exact=True).fill("Ballroom")
    await rooms.get_by_label("Seats (empty: not counted)").fill("400")
    await rooms.get_by_role("button", name="Add the room").click()
    await expect(page.get_by_role("link", name="Ballroom")).to_be_visible()
    program = page.get_by_role("navigation", name="Program")
    await program.get_by_role("link", name="Sessions").click()
    await page.get_by_role("link", name="Add a session").click()
    await page.get_by_label("Code (letters, digits, dots, dashes)").fill("K1")
    await page.get_by_label("Title").fill("Opening keynote: water after the drought")
    await page.get_by_label("Status").select_option("confirmed")
    await page.get_by_role("button", name="Save").click()
    await page.get_by_label("Room").select_option(label="Ballroom")
    await page.get_by_label("Starts (America/Los_Angeles)").fill("2028-03-14T09:00")
    await page.get_by_label("Ends").fill("2028-03-14T10:00")
    await page.get_by_role("button", name="Add the run").click()
    await expect(page.get_by_role("heading", name="Run 1: ")).to_be_visible()
    await program.get_by_role("link", name="Release").click()
    await page.get_by_role("button", name="Publish release 1").click()
    await program.get_by_role("link", name="Schedule grid").click()
    await expect(page.get_by_role("link", name="K1")).to_be_visible()

    # The expo: the floor plan, a booking window, and a partner the program signs up.
    await tabs.get_by_role("link", name="Expo").click()
    await page.get_by_role("link", name="Floor plan", exact=True).click()
    await page.get_by_label("Or paste the JSON").fill(json.dumps(plan_document()))
    await page.get_by_role("button", name="Import floor plan").click()
    await expect(page.get_by_role("status")).to_have_text("The floor plan is imported.")
    await expect(page.get_by_text("Every booth (")).to_be_visible()
    await tabs.get_by_role("link", name="Expo").click()
    windows = page.locator(f"form[action='{OFFICE}/expo/windows']")
    await windows.get_by_label("Name", exact=True).fill("Everyone")
    await windows.get_by_label("Opens (America/Los_Angeles)").fill("2026-01-05T09:00")
    await windows.get_by_role("button", name="Add booking window").click()
    await expect(page.get_by_role("button", name="Remove Everyone…")).to_be_visible()

    await page.get_by_role("link", name="Partner Program").click()
    tiers = page.get_by_role("form", name="Add a tier")
    await tiers.get_by_label("Name", exact=True).fill("Gold")
    await tiers.get_by_label("Short name for addresses").fill("gold")
    await tiers.get_by_label("Rank (1 books first)").fill("1")
    await tiers.get_by_role("button", name="Add tier").click()
    partners = page.get_by_role("form", name="Add a partner")
    await partners.get_by_label("Name", exact=True).fill("Acme Water Systems")
    await partners.get_by_label("Tier").select_option(label="Gold")
    await partners.get_by_role("button", name="Add partner").click()
    await page.get_by_role("link", name="Acme Water Systems").click()
    await page.get_by_label("Exhibitor account's email").fill(partner.email)
    await page.get_by_role("button", name="Let them act for this partner").click()
    await expect(page.get_by_role("status")).to_have_text("They can now sign in and act for this partner.")

    # Check-in: a staff member's account and a station they are put at.
    await page.goto(f"{server.url}/office/people")
    users = page.locator("form[action='/office/people/users']")
    await users.get_by_label("Name", exact=True).fill("Dana Door")
    await users.get_by_label("Email").fill(STAFF_EMAIL)
    await users.get_by_label("Role").select_option("staff")
    await users.get_by_label("First password").fill(STAFF_PASSWORD)
    await users.get_by_role("button", name="Add user").click()
    await expect(page.get_by_role("rowheader", name=STAFF_EMAIL)).to_be_visible()
    await page.goto(f"{server.url}{OFFICE}/")
    await tabs.get_by_role("link", name="Stations").click()
    await page.get_by_label("Name", exact=True).fill("Main doors")
    await page.get_by_label("Kind").select_option("entrance")
    await page.get_by_role("button", name="Add station").click()
    await page.get_by_role("link", name="Main doors").click()
    await page.get_by_label("On-site staff member's email").fill(STAFF_EMAIL)
    await page.get_by_role("button", name="Put them at this station").click()
    await expect(page.get_by_role("button", name="Take Dana Door off this station")).to_be_visible()

    # An official of a member city registers, to be invoiced.
    visitor = await browser.new_context(bypass_csp=True)
    public = await visitor.new_page()
    await public.goto(f"{server.url}/c/{SLUG}")
    await public.get_by_role("link", name="Register").first.click()
    await public.get_by_label("Your name").fill("Carla Clerk")
    await public.get_by_label("Your email").fill("clerk@fresno.gov")
    await public.locator('select[name="a0_registration_type_id"]').select_option(label="Full forum")
    await public.locator('input[name="a0_first_name"]').fill("Maria")
    await public.locator('input[name="a0_last_name"]').fill("Mayor")
    await public.locator('input[name="a0_email"]').fill("mayor@fresno.gov")
    await public.get_by_label("Member city").select_option(label="Fresno")
    await public.get_by_label("Invoice me (purchase order, check or ACH)").check()
    await public.get_by_label("Purchase order number (for an invoice)").fill("PO-FRESNO-88")
    await public.get_by_role("button", name="Check rates and totals").click()
    await expect(public.locator("#total")).to_have_text("$450.00")
    await accessible(public)
    await public.get_by_role("button", name="Register", exact=True).click()
    await public.wait_for_url("**/registration/manage/**")
    await accessible(public)
    order_number = (await public.get_by_role("heading", level=1).inner_text()).removeprefix("Order ").strip()

    # The partner holds a booth on the floor plan.
    exhibitor = await browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 900})
    booth_page = await exhibitor.new_page()
    await sign_in(booth_page, server, partner, f"/c/{SLUG}/expo")
    await expect(booth_page.get_by_role("heading", level=1)).to_have_text("Expo floor plan")
    await booth_page.locator('g.booth[data-code="104"]').click()
    await booth_page.locator("#booth-panel").get_by_role("button", name="Hold booth 104").click()
    await expect(booth_page.get_by_text("The booth is yours for now")).to_be_visible()
    await accessible(booth_page)

    # The staff member signs in, sees the station, and sets up their phone from its QR code.
    await page.get_by_role("link", name="Show a QR code to set up a phone").click()
    link = await page.evaluate(READ_QR)
    assert link is not None
    door = await browser.new_context(bypass_csp=True)
    phone = await door.new_page()
    await sign_in(phone, server, Caller(user_id=None, email=STAFF_EMAIL, password=STAFF_PASSWORD, token=""))
    await expect(phone.get_by_role("heading", level=1)).to_contain_text("Your tools, Dana Door")
    await expect(phone.get_by_role("button", name="Scan at Main doors")).to_be_visible()
    await accessible(phone)
    await phone.goto(link)
    await phone.get_by_role("button", name="Start scanning here").click()
    await expect(phone.locator("#station-name")).to_have_text("Main doors")
    await phone.locator("#wedge").focus()
    await phone.keyboard.type(await _badge_of(db, settings, "mayor@fresno.gov"))
    await phone.keyboard.press("Enter")
    # The conference vouches for its member cities: the official is let in, flagged until the check comes.
    await expect(phone.locator("#result")).to_have_attribute("data-result", "unpaid", timeout=10_000)
    await expect(phone.locator("#result-message")).to_contain_text("Admitted")
    await expect(phone.locator("#result-name")).to_have_text("Maria")

    # The city's check arrives.
    await page.goto(f"{server.url}{OFFICE}/")
    await tabs.get_by_role("link", name="Orders").click()
    await page.get_by_label("Search").fill("Fresno")
    await page.get_by_label("Search").press("Enter")
    await page.get_by_role("link", name=order_number).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("invoiced")
    await expect(page.get_by_label("Amount in dollars", exact=True)).to_have_value("450.00")
    await page.get_by_label("How it came").select_option("check")
    await page.get_by_label("Check number or ACH trace").fill("Check 5120")
    await page.get_by_role("button", name="Record payment").click()
    await expect(page.get_by_role("status")).to_have_text("The payment is recorded.")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order_number} paid")
    await accessible(page)
    await tabs.get_by_role("link", name="Audit log").click()
    await expect(page.get_by_role("cell", name="conference.published")).to_be_visible()
    await expect(page.get_by_role("cell", name="invoice.payment_recorded")).to_be_visible()
    for context in (office, visitor, exhibitor, door):
        await context.close()
    assert found == [], "\n".join(found)
