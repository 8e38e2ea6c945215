"""The public program pages: grid and list, filters, session and speaker pages, feeds and the agenda link form."""

from __future__ import annotations

from dataclasses import replace

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.mail import deliver_outbox
from events_app.db import make_engine
from events_app.sessions import releases, service
from events_app.sessions.schemas import SessionPatch
from events_app.settings import Settings
from tests.conftest import MailBox, Statements
from tests.sessions.conftest import MakePerson, Program

HTML = {"Accept": "text/html"}
PROGRAM = "/c/fall-2027/program"


async def publish(db: AsyncSession, program: Program, settings: Settings) -> None:
    await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    await db.commit()


async def test_conference_home_links_to_the_program_and_the_feeds(
    client: AsyncTestClient[Litestar], program: Program
) -> None:
    home = (await client.get("/c/fall-2027", headers=HTML)).text
    assert f'href="{PROGRAM}"' in home
    assert 'href="/c/fall-2027/feeds"' in home


async def test_program_before_release_says_so(client: AsyncTestClient[Litestar], program: Program) -> None:
    page = await client.get(PROGRAM, headers=HTML)
    assert page.status_code == 200
    assert "has not been published yet" in page.text
    assert "Opening keynote" not in page.text


async def test_program_grid_and_list_show_the_release_only(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await publish(db, program, settings)
    await service.update_session(db, conference=program.conference, session=program.sessions["K1"],
                                 data=SessionPatch(title="Secret new title"), actor=None)  # fmt: skip
    await db.commit()
    grid = (await client.get(PROGRAM, headers=HTML)).text
    assert "Wednesday, October 6" in grid
    assert '<th scope="col">Hall A</th>' in grid
    assert "Opening keynote" in grid
    assert "Secret new title" not in grid
    listing = (await client.get(f"{PROGRAM}?view=list", headers=HTML)).text
    assert "Dan Wu, Ada Park" in listing
    assert "10:30-11:30 AM · Room 101 · Breakout · Housing" in listing


async def test_the_program_page_is_built_once_per_release_and_follows_the_next(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, statements: Statements
) -> None:
    await publish(db, program, settings)
    await statements.settle()
    first = {view: (await client.get(f"{PROGRAM}?view={view}", headers=HTML)).text for view in ("grid", "list")}
    statements.clear()
    for view, page in first.items():
        again = await client.get(f"{PROGRAM}?view={view}", headers=HTML)
        # The nonce of the page's styles is the request's own; everything else is the page built before.
        assert again.text.split("</style>")[-1] == page.split("</style>")[-1]
    assert len(statements) == 0, statements.listing

    await service.update_session(db, conference=program.conference, session=program.sessions["K1"],
                                 data=SessionPatch(title="Renamed keynote"), actor=None)  # fmt: skip
    await db.commit()
    await publish(db, program, settings)
    await statements.settle()
    for view in ("grid", "list"):
        page = (await client.get(f"{PROGRAM}?view={view}", headers=HTML)).text
        assert "Renamed keynote" in page
        assert "Opening keynote" not in page


async def test_program_filters_by_committee_track_and_type(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await publish(db, program, settings)
    by_committee = (await client.get(f"{PROGRAM}?view=list&committee=housing", headers=HTML)).text
    assert "Housing elements that pass" in by_committee
    assert "Opening keynote" not in by_committee
    by_type = (await client.get(f"{PROGRAM}?view=list&type=mobile-tour", headers=HTML)).text
    assert by_type.count("Port electrification tour") == 2
    assert "Housing elements that pass" not in by_type
    nothing = (await client.get(f"{PROGRAM}?track=no-such-track", headers=HTML)).text
    assert "No session matches these filters." in nothing


async def test_session_and_speaker_pages(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await publish(db, program, settings)
    tour = (await client.get(f"{PROGRAM}/sessions/{program.sessions['T1'].id}", headers=HTML)).text
    assert "2 of 2 seats left" in tour
    assert "Open your personal agenda" in tour
    panel = (await client.get(f"{PROGRAM}/sessions/{program.sessions['B1'].id}", headers=HTML)).text
    assert "Dan Wu</a>, Mayor, City of Fresno" in panel
    assert "moderator" in panel
    dan = program.speakers["Dan Wu"]
    speaker = (await client.get(f"{PROGRAM}/speakers/{dan.id}", headers=HTML)).text
    assert "Budgeting for fire season" in speaker
    assert f"webcal://testserver.local/c/fall-2027/feeds/speakers/{dan.id}.ics" in speaker
    assert "dwu@example.test" not in speaker
    everyone = (await client.get(f"{PROGRAM}/speakers", headers=HTML)).text
    assert "Maria Lopez" in everyone
    missing = await client.get(f"{PROGRAM}/sessions/{program.rooms['Hall A'].id}", headers=HTML)
    assert missing.status_code == 404


async def test_feeds_page_offers_webcal_google_and_outlook(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await publish(db, program, settings)
    page = (await client.get("/c/fall-2027/feeds", headers=HTML)).text
    assert "webcal://testserver.local/c/fall-2027/feeds/program.ics" in page
    assert "webcal://testserver.local/c/fall-2027/feeds/tracks/housing.ics" in page
    assert "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Ftestserver.local" in page
    assert "https://outlook.live.com/calendar/0/addfromweb?url=http%3A%2F%2Ftestserver.local" in page


async def test_attendee_asks_for_their_agenda_link_by_email(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    mail_settings: Settings,
    smtp_server: MailBox,
    make_person: MakePerson,
) -> None:
    await publish(db, program, mail_settings)
    ana = await make_person(program, "Ana")
    form = await client.get("/c/fall-2027/agenda", headers=HTML)
    csrf = client.cookies.get("csrftoken", "")
    for email in ("ana@attendee.test", "stranger@example.test"):
        sent = await client.post("/c/fall-2027/agenda", data={"email": email}, headers={**HTML, "x-csrftoken": csrf})
        assert sent.status_code == 200
        assert "a link to your agenda is on its way" in sent.text
    assert form.status_code == 200
    engine = make_engine(mail_settings.database_url)
    await deliver_outbox(engine, replace(mail_settings))
    await engine.dispose()
    (mail,) = smtp_server.messages
    assert mail["To"] == "ana@attendee.test"
    assert f"/c/fall-2027/agenda/{ana.token}" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
