"""Every public page of the demo, checked by axe-core in Chromium: no serious or critical violation.

axe-core comes from the npm registry (``make test`` installs it under ``var/node``); it runs in the
page as a person's browser would render it, colours and layout included.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.async_api import Browser
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.conferences.seed import DEMO_SLUG
from events_app.demo import seed_demo
from events_app.registration import manage_links
from events_app.registration.models import Order
from events_app.sessions import releases
from events_app.settings import Settings
from tests.browser_harness import serious_accessibility_violations
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def test_public_pages_pass_axe_core(
    browser: Browser, db: AsyncSession, settings: Settings, live_servers: Callable[..., list[LiveServer]]
) -> None:
    await seed_demo(db)
    await db.commit()
    conference = await db.scalar(select(Conference).where(Conference.slug == DEMO_SLUG))
    assert conference is not None
    schedule = await releases.published_schedule(db, conference=conference)
    assert schedule is not None
    order = await db.scalar(select(Order).where(Order.conference_id == conference.id).limit(1))
    assert order is not None
    home = f"/c/{DEMO_SLUG}"
    pages = [
        "/",
        "/login",
        home,
        f"{home}/register",
        f"{home}/registration/manage/{manage_links.manage_token(settings, order)}",
        f"{home}/program/",
        f"{home}/program/sessions/{schedule.sessions[0].id}",
        f"{home}/program/speakers",
        f"{home}/program/speakers/{schedule.speakers[0].id}",
        f"{home}/feeds/",
        f"{home}/agenda/",
        f"{home}/expo",
    ]
    [server] = live_servers(1)
    # axe is injected as a script of the test's own, which the pages' Content-Security-Policy would refuse.
    context = await browser.new_context(bypass_csp=True)
    page = await context.new_page()
    found: list[str] = []

    async def check(name: str) -> None:
        found.extend(f"{name}: {v}" for v in await serious_accessibility_violations(page))

    for path in pages:
        response = await page.goto(f"{server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        await check(path)
    # A second attendee brings the link-styled "Remove attendee" buttons.
    await page.goto(f"{server.url}{home}/register")
    await page.get_by_role("button", name="Add another attendee").click()
    await page.get_by_role("button", name="Remove attendee 2").wait_for()
    await check("register with two attendees")
    await context.close()
    assert found == [], "\n".join(found)
