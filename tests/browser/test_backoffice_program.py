"""An organizer works on the program in a real browser, by keyboard: every program page passes axe-core.

The program has a double booking, so the grid and the release page show their conflicts;
the import page is checked with its table of bad rows, the confirmations as they ask.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.async_api import Browser, FilePayload, expect
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.sessions import service
from events_app.sessions.schemas import RunIn
from tests.backoffice.test_program import build_program
from tests.browser_harness import serious_accessibility_violations
from tests.conftest import Caller, LiveServer
from tests.registration.conftest import World
from tests.sessions.conftest import at

pytestmark = pytest.mark.browser


async def test_an_organizer_walks_the_program_pages_by_keyboard_and_each_passes_axe(
    browser: Browser,
    db: AsyncSession,
    world: World,
    organizer: Caller,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    program = await build_program(db, world)
    await service.add_run(
        db, conference=world.conference, session=program.breakout,
        data=RunIn(room_id=program.hall.id, starts_at=at(6, 9, 30), ends_at=at(6, 10, 30)), actor=None,
    )  # fmt: skip
    await db.commit()
    [server] = live_servers(1)
    context = await browser.new_context(bypass_csp=True)  # axe is injected as a script of the page
    page = await context.new_page()
    found: list[str] = []

    async def check(name: str) -> None:
        found.extend(f"{name}: {v}" for v in await serious_accessibility_violations(page))

    await page.goto(f"{server.url}/login?next=/office/c/annual-2027/program/")
    await page.get_by_label("Email").fill(organizer.email)
    await page.get_by_label("Password").fill(organizer.password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Rooms, tracks and session types")
    await check("rooms, tracks and types")

    await page.get_by_role("link", name="Hall A").click()
    await check("room")
    await page.get_by_role("button", name="Delete this room…").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Delete the room Hall A?")
    await check("confirm delete")
    await page.get_by_role("link", name="No, keep it").click()
    await page.get_by_role("navigation", name="Program").get_by_role("link", name="Rooms, tracks and types").click()
    await page.get_by_role("link", name="Housing", exact=True).click()
    await check("track")

    await page.get_by_role("navigation", name="Program").get_by_role("link", name="Speakers").click()
    await check("speakers")
    await page.get_by_role("link", name="Maria Lopez").click()
    await check("speaker")

    tabs = page.get_by_role("navigation", name="Program")
    await tabs.get_by_role("link", name="Sessions").click()
    search = page.get_by_label("Code or title")
    await search.focus()
    await page.keyboard.type("keynote")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_have_text("1 session.")
    await check("sessions")
    await page.get_by_role("link", name="K1").click()
    await expect(page.get_by_text("Blocks a release")).to_be_visible()
    await check("session")
    await page.get_by_role("button", name="Take run 1 off the program…").click()
    await check("confirm take off")
    await page.get_by_role("link", name="No, keep it").click()
    await tabs.get_by_role("link", name="Sessions").click()
    await page.get_by_role("link", name="Add a session").click()
    await check("new session")

    await tabs.get_by_role("link", name="Schedule grid").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Schedule grid, Wednesday October 6")
    await check("grid")
    # The finding's link takes the keyboard to the cell where the double booking is.
    await page.get_by_role("link", name="Go to the cell").first.press("Enter")
    await expect(page).to_have_url(f"{server.url}/office/c/annual-2027/program/grid#run-{program.keynote.runs[0].id}")

    await tabs.get_by_role("link", name="Release").click()
    await expect(page.get_by_role("heading", name="Conflicts that block the release (1)")).to_be_visible()
    await check("release")

    await tabs.get_by_role("link", name="Import").click()
    await check("import")
    bad_row = b"code,title,type,room,starts_at,ends_at\nX1,Lost,breakout,Basement,2027-10-07 09:00,2027-10-07 10:00\n"
    await page.get_by_label("File (.json or .csv)").set_input_files(
        files=[FilePayload(name="sessions.csv", mimeType="text/csv", buffer=bad_row)]
    )
    await page.get_by_role("button", name="Import").click()
    await expect(page.get_by_role("alert")).to_have_text("The import has 1 error(s); nothing was imported.")
    await check("import with errors")
    await context.close()
    assert found == [], "\n".join(found)
