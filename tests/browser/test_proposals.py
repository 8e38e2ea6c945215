"""The call for proposals in Debian's chromium: a speaker submits, a committee member scores it without seeing
who wrote it, an organizer accepts and releases, the speaker confirms, and after the next program release the
session is in the public program."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role
from events_app.proposals import reviews
from events_app.proposals.models import Proposal
from events_app.proposals.schemas import ReviewerIn
from events_app.sessions import releases
from events_app.sessions import service as program
from events_app.sessions.models import ProgramSession
from events_app.sessions.schemas import RoomIn, RunIn
from events_app.settings import Settings
from tests.browser_harness import serious_accessibility_violations
from tests.conftest import Caller, LiveServer, MakeCaller
from tests.proposals.conftest import CfpWorld, link_in, mails_to

pytestmark = pytest.mark.browser
TITLE = "Permitting Reform That Builds Homes"


async def _sign_in(page: Page, server: LiveServer, who: Caller, then: str) -> None:
    await page.goto(f"{server.url}/login?next={then}")
    await page.get_by_label("Email").fill(who.email)
    await page.get_by_label("Password").fill(who.password)
    await page.get_by_role("button", name="Sign in").click()


async def _passes_axe(page: Page) -> None:
    assert await serious_accessibility_violations(page) == [], page.url


async def test_a_proposal_goes_from_the_call_to_the_program(
    browser: Browser, db: AsyncSession, cfp: CfpWorld, settings: Settings, organizer: Caller,
    make_caller: MakeCaller, live_servers: Callable[..., list[LiveServer]],
) -> None:  # fmt: skip
    reviewer: Caller = await make_caller(Role.REVIEWER)
    seat = ReviewerIn(user_id=reviewer.user_id, track_id=cfp.tracks["housing"].id)
    await reviews.assign_reviewer(db, conference=cfp.conference, data=seat, actor=None)
    await db.commit()
    [server] = live_servers(1)

    # The speaker finds the call from the conference's page and gets their link by mail.
    speaker = await (await browser.new_context()).new_page()
    await speaker.goto(f"{server.url}/c/{cfp.conference.slug}")
    await speaker.get_by_role("link", name=re.compile("Call for proposals")).click()
    await speaker.get_by_label("Email").fill("ana.ruiz@fresno.gov")
    await speaker.get_by_role("button", name="Send my speaker link").click()
    await expect(speaker.get_by_role("status")).to_contain_text("on its way")
    await speaker.goto(server.url + link_in((await mails_to(db, "ana.ruiz@fresno.gov"))[0]))
    await db.commit()

    await speaker.get_by_label("Name").fill("Ana Ruiz")
    await speaker.get_by_label("Member city").select_option(label="Fresno")
    await speaker.get_by_role("button", name="Save my profile").click()
    await expect(speaker.get_by_role("status")).to_have_text("Your profile is saved.")
    await speaker.get_by_role("link", name="Propose a session").click()
    await speaker.get_by_label("Title").fill(TITLE)
    await speaker.get_by_label("Abstract").fill("Three cities cut permit times in half; here is how.")
    await speaker.get_by_label("Learning objectives (for education credit)").fill("Map your own permit path.")
    await speaker.keyboard.press("Tab")
    await speaker.get_by_role("button", name="Save").click()
    await speaker.get_by_role("button", name="Submit to the committee").click()
    await expect(speaker.get_by_role("status")).to_have_text("The proposal is submitted to its committee.")

    # A committee member scores it; the page never names the speaker.
    member = await (await browser.new_context()).new_page()
    await _sign_in(member, server, reviewer, f"/office/c/{cfp.conference.slug}/cfp/review")
    await member.get_by_role("link", name=TITLE).click()
    for text in ("Ana", "Ruiz", "Fresno"):
        assert text not in await member.content()
    await member.get_by_label("Relevance (1 to 5)").select_option("5")
    await member.get_by_label("Quality (1 to 5)").select_option("4")
    await member.get_by_label("Comment").fill("Exactly what our members ask for.")
    await member.get_by_role("button", name="Save my review").click()
    await expect(member.get_by_role("status")).to_have_text("Your review is saved.")

    # The organizer accepts it from the back office and releases the decisions.
    office = await (await browser.new_context(bypass_csp=True)).new_page()  # axe is injected as a script of the page
    await _sign_in(office, server, organizer, f"/office/c/{cfp.conference.slug}/")
    await office.get_by_role("link", name="Call for proposals").first.click()
    await _passes_axe(office)
    row = office.get_by_role("row").filter(has_text=TITLE)
    await expect(row).to_contain_text("4.50")
    await row.get_by_label(f"Decision on {TITLE}").select_option("accepted")
    await row.get_by_role("button", name="Decide").click()
    await expect(office.get_by_role("status")).to_contain_text("The decision is saved")
    await office.get_by_role("button", name="Release 1 decisions to the speakers").click()
    await expect(office.get_by_role("status")).to_contain_text("The decisions are released")
    # The call's own pages in the back office pass axe too: its form, the committees, asking before unseating.
    await office.get_by_role("link", name="Edit the call").click()
    await expect(office.get_by_role("heading", level=1)).to_have_text("Edit the call")
    await _passes_axe(office)
    await office.goto(f"{server.url}/office/c/{cfp.conference.slug}/cfp/reviewers")
    await expect(office.get_by_role("row").filter(has_text=reviewer.email)).to_be_visible()
    await _passes_axe(office)
    await office.get_by_role("button", name=re.compile("^Unseat ")).click()
    await expect(office.get_by_role("button", name="Yes, unseat them")).to_be_visible()
    await _passes_axe(office)
    await office.get_by_role("link", name="No, back to the reviewers").click()

    # The speaker confirms from their page.
    await speaker.reload()
    await speaker.get_by_role("button", name="Confirm I will present it").click()
    await expect(speaker.get_by_role("status")).to_contain_text("your session is confirmed")

    # The organizers schedule it and publish the next release: it is in the public program.
    proposal = (await db.scalars(select(Proposal).where(Proposal.title == TITLE))).one()
    session = await db.get_one(ProgramSession, uuid.UUID(str(proposal.session_id)))
    room = await program.create_room(db, conference=cfp.conference, data=RoomIn(name="Room 104", capacity=80),
                                     actor=None)  # fmt: skip
    await program.add_run(db, conference=cfp.conference, session=session, actor=None,
                          data=RunIn(room_id=room.id, starts_at=datetime(2027, 10, 7, 10, 30),
                                     ends_at=datetime(2027, 10, 7, 11, 30)))  # fmt: skip
    await releases.release_schedule(db, conference=cfp.conference, settings=settings, actor=None)
    await db.commit()
    await speaker.goto(f"{server.url}/c/{cfp.conference.slug}/program")
    await speaker.get_by_role("link", name=TITLE).click()
    await expect(speaker.get_by_role("heading", level=1)).to_have_text(TITLE)
    await expect(speaker.get_by_text("Ana Ruiz")).to_be_visible()
