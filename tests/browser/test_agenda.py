"""An attendee in a real browser: the program on a phone, a session added to their agenda, found in their feed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ical.calendar_stream import IcsCalendarStream
from playwright.async_api import Browser
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.sessions import releases
from events_app.settings import Settings
from tests.conftest import LiveServer
from tests.sessions.conftest import MakePerson, Program

pytestmark = pytest.mark.browser


async def test_attendee_adds_a_session_and_finds_it_in_their_feed(
    browser: Browser,
    db: AsyncSession,
    program: Program,
    settings: Settings,
    make_person: MakePerson,
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    await db.commit()
    ana = await make_person(program, "Ana")
    [server] = live_servers(1)
    phone = await browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = await phone.new_page()

    await page.goto(f"{server.url}/c/fall-2027/agenda/{ana.token}")
    await page.get_by_text("Your agenda is empty").wait_for()
    await page.get_by_role("link", name="program", exact=True).click()
    assert await page.get_by_role("heading", level=1).inner_text() == "Program"
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the program scrolls sideways on a phone"

    await page.get_by_role("link", name="Housing elements that pass").click()
    await page.get_by_role("button", name="Add to my agenda").click()
    await page.get_by_role("status").filter(has_text="Added to your agenda").wait_for()

    await page.get_by_role("status").get_by_role("link", name="My agenda").click()
    await page.locator("#agenda").get_by_text("Housing elements that pass").wait_for()
    subscribe = await page.get_by_role("link", name="Subscribe", exact=True).get_attribute("href")
    assert subscribe is not None
    assert subscribe.startswith("webcal://127.0.0.1:")
    download = await page.get_by_role("link", name="Download .ics").get_attribute("href")
    assert download is not None
    feed = await page.request.get(download)
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = IcsCalendarStream.calendar_from_ics(await feed.text())
    assert [e.summary for e in calendar.events] == ["Housing elements that pass"]
    assert calendar.events[0].uid == f"{program.sessions['B1'].runs[0].id}@127.0.0.1"
    await phone.close()
