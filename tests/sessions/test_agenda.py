"""Attendees build personal agendas through their signed links, reserve seats, wait in line and subscribe."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from ical.calendar_stream import IcsCalendarStream
from ical.event import EventStatus
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.mail import deliver_outbox
from events_app.db import make_engine
from events_app.registration.models import AttendeeStatus
from events_app.sessions import releases, service
from events_app.sessions.models import Agenda, SessionRun
from events_app.sessions.schemas import RunPatch, SessionPatch
from events_app.sessions.seats import OFFER_WINDOW, sweep_once
from events_app.settings import Settings
from tests.conftest import Caller, Clock, LiveServer, MailBox, session_for
from tests.sessions.conftest import MakePerson, Program, add_session, at

API = "/api/conferences/fall-2027/agenda"


async def publish(db: AsyncSession, program: Program, settings: Settings) -> None:
    await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    await db.commit()


async def deliver(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    await deliver_outbox(engine, settings)
    await engine.dispose()


def run_id(program: Program, code: str, index: int = 0) -> str:
    return str(program.sessions[code].runs[index].id)


async def test_attendee_adds_sessions_and_sees_clashes(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, make_person: MakePerson
) -> None:
    await add_session(db, program, "C1", "Coffee with the mayors", ("Hall A", at(6, 10), at(6, 11)))
    await publish(db, program, settings)
    ana = await make_person(program, "Ana")
    for code in ("K1", "B1", "C1"):
        added = await client.post(f"{API}/{ana.token}/items", json={"run_id": run_id(program, code)})
        assert added.status_code == 201, added.text
        assert added.json()["status"] == "added"
    mine = (await client.get(f"{API}/{ana.token}")).json()
    assert [e["code"] for e in mine["entries"]] == ["K1", "C1", "B1"]
    assert mine["clashes"] == [[run_id(program, "C1"), run_id(program, "B1")]]
    assert mine["feed_url"].startswith("http://testserver.local/c/fall-2027/agenda/")

    assert (await client.delete(f"{API}/{ana.token}/items/{run_id(program, 'C1')}")).status_code == 204
    assert (await client.get(f"{API}/{ana.token}")).json()["clashes"] == []


async def test_only_released_running_sessions_can_be_added(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, make_person: MakePerson
) -> None:
    await publish(db, program, settings)
    draft = await add_session(db, program, "D1", "Not yet public", ("Hall A", at(8, 14), at(8, 15)))
    await db.commit()
    ana = await make_person(program, "Ana")
    refused = await client.post(f"{API}/{ana.token}/items", json={"run_id": str(draft.runs[0].id)})
    assert refused.status_code == 404
    await service.remove_run(db, conference=program.conference, run=program.sessions["B2"].runs[0], actor=None)
    await publish(db, program, settings)
    cancelled = await client.post(f"{API}/{ana.token}/items", json={"run_id": run_id(program, "B2")})
    assert cancelled.status_code == 409
    assert cancelled.json()["code"] == "run-cancelled"


async def test_a_forged_or_replaced_link_opens_nothing(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    settings: Settings,
    make_person: MakePerson,
    organizer: Caller,
) -> None:
    await publish(db, program, settings)
    ana = await make_person(program, "Ana")
    forged = ana.token[:-3] + ("aaa" if not ana.token.endswith("aaa") else "bbb")
    assert (await client.get(f"{API}/{forged}")).status_code == 422
    reissued = await client.post(
        f"/api/conferences/fall-2027/program/attendees/{ana.attendee.id}/agenda-link", headers=organizer.headers
    )
    assert reissued.status_code == 201
    new_token = reissued.json()["url"].rsplit("/", 1)[1]
    old = await client.get(f"{API}/{ana.token}")
    assert old.status_code == 403
    assert old.json()["code"] == "agenda-link-revoked"
    assert (await client.get(f"/c/fall-2027/agenda/{ana.token}/agenda.ics")).status_code == 403
    assert (await client.get(f"{API}/{new_token}")).status_code == 200


async def test_full_tour_waitlists_and_a_freed_seat_is_offered_to_the_next_in_line(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    mail_settings: Settings,
    smtp_server: MailBox,
    make_person: MakePerson,
) -> None:
    await publish(db, program, mail_settings)
    tour = run_id(program, "T1")  # two seats
    ana, ben, cy, di = [await make_person(program, n) for n in ("Ana", "Ben", "Cy", "Di")]
    answers = [(await client.post(f"{API}/{p.token}/items", json={"run_id": tour})).json() for p in (ana, ben, cy, di)]
    assert answers == [
        {"status": "confirmed", "position": None},
        {"status": "confirmed", "position": None},
        {"status": "waiting", "position": 1},
        {"status": "waiting", "position": 2},
    ]
    assert [e["code"] for e in (await client.get(f"{API}/{cy.token}")).json()["entries"]] == []

    assert (await client.delete(f"{API}/{ana.token}/items/{tour}")).status_code == 204
    cy_view = (await client.get(f"{API}/{cy.token}")).json()
    assert tour in cy_view["offers"]
    assert (await client.get(f"{API}/{di.token}")).json()["waitlists"] == {tour: 1}
    # Someone new cannot take the seat kept for Cy.
    eve = await make_person(program, "Eve")
    assert (await client.post(f"{API}/{eve.token}/items", json={"run_id": tour})).json()["status"] == "waiting"

    await deliver(replace(mail_settings))
    (offer,) = smtp_server.to("cy@attendee.test")
    assert offer["Subject"] == "A seat opened: Port electrification tour"
    assert f"/c/fall-2027/agenda/{cy.token}" in offer.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    confirmed = await client.post(f"{API}/{cy.token}/items/{tour}/confirm")
    assert confirmed.json() == {"status": "confirmed", "position": None}
    assert [e["code"] for e in (await client.get(f"{API}/{cy.token}")).json()["entries"]] == ["T1"]
    seats = await db.scalar(select(SessionRun.seats_taken).where(SessionRun.id == program.sessions["T1"].runs[0].id))
    assert seats == 2


async def test_an_offer_that_runs_out_moves_on_to_the_next_person(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    settings: Settings,
    make_person: MakePerson,
    clock: Clock,
) -> None:
    await publish(db, program, settings)
    tour = run_id(program, "T1")
    ana, ben, cy, di = [await make_person(program, n) for n in ("Ana", "Ben", "Cy", "Di")]
    for person in (ana, ben, cy, di):
        await client.post(f"{API}/{person.token}/items", json={"run_id": tour})
    await client.delete(f"{API}/{ana.token}/items/{tour}")
    assert tour in (await client.get(f"{API}/{cy.token}")).json()["offers"]

    clock.advance(OFFER_WINDOW + timedelta(minutes=1))
    late = await client.post(f"{API}/{cy.token}/items/{tour}/confirm")
    assert late.status_code == 409
    assert late.json()["code"] == "no-offer"
    assert tour in (await client.get(f"{API}/{di.token}")).json()["offers"]
    assert (await client.post(f"{API}/{di.token}/items/{tour}/confirm")).json()["status"] == "confirmed"

    # With nobody left in line, a freed seat simply goes back to the pool.
    await client.delete(f"{API}/{ben.token}/items/{tour}")
    seats = await db.scalar(select(SessionRun.seats_taken).where(SessionRun.id == program.sessions["T1"].runs[0].id))
    assert seats == 1


async def test_the_agenda_feed_follows_adds_and_removals(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, make_person: MakePerson
) -> None:
    await publish(db, program, settings)
    ana = await make_person(program, "Ana")
    feed = f"/c/fall-2027/agenda/{ana.token}/agenda.ics"
    empty = await client.get(feed)
    assert empty.status_code == 200
    assert empty.headers["cache-control"].startswith("private")
    assert IcsCalendarStream.calendar_from_ics(empty.text).events == []

    await client.post(f"{API}/{ana.token}/items", json={"run_id": run_id(program, "B1")})
    with_b1 = await client.get(feed, headers={"If-None-Match": empty.headers["etag"]})
    assert with_b1.status_code == 200
    (event,) = IcsCalendarStream.calendar_from_ics(with_b1.text).events
    assert event.uid == f"{run_id(program, 'B1')}@testserver.local"
    assert event.summary == "Housing elements that pass"
    assert (await client.get(feed, headers={"If-None-Match": with_b1.headers["etag"]})).status_code == 304

    await client.delete(f"{API}/{ana.token}/items/{run_id(program, 'B1')}")
    removed = await client.get(feed)
    (tombstone,) = IcsCalendarStream.calendar_from_ics(removed.text).events
    assert tombstone.uid == event.uid
    assert tombstone.status == EventStatus.CANCELLED
    assert tombstone.sequence == 1
    assert removed.headers["last-modified"] >= with_b1.headers["last-modified"]


async def test_a_release_mails_attendees_whose_sessions_changed(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    mail_settings: Settings,
    smtp_server: MailBox,
    make_person: MakePerson,
) -> None:
    await publish(db, program, mail_settings)
    ana, ben = await make_person(program, "Ana"), await make_person(program, "Ben")
    await client.post(f"{API}/{ana.token}/items", json={"run_id": run_id(program, "B1")})
    await client.post(f"{API}/{ben.token}/items", json={"run_id": run_id(program, "B2")})
    await service.update_run(db, conference=program.conference, run=program.sessions["B1"].runs[0],
                             data=RunPatch(room_id=program.rooms["Hall A"].id), actor=None)  # fmt: skip
    await publish(db, program, mail_settings)
    await deliver(replace(mail_settings))

    assert smtp_server.to("ben@attendee.test") == []
    (mail,) = smtp_server.to("ana@attendee.test")
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "B1 Housing elements that pass: re-roomed from Wed Oct 6, 10:30 AM (Room 101)" in body
    assert f"/c/fall-2027/agenda/{ana.token}" in body


@pytest.mark.postgres_only
async def test_two_app_processes_never_give_away_more_seats_than_there_are(
    db: AsyncSession,
    program: Program,
    settings: Settings,
    make_person: MakePerson,
    live_servers: object,
) -> None:
    await publish(db, program, settings)
    people = [await make_person(program, f"Racer{n}") for n in range(12)]
    servers: list[LiveServer] = live_servers(2)  # type: ignore[operator]
    tour = run_id(program, "T1")
    async with httpx.AsyncClient(timeout=30) as http:

        async def claim(n: int) -> str:
            base = servers[n % 2].url
            answer = await http.post(f"{base}{API}/{people[n].token}/items", json={"run_id": tour})
            assert answer.status_code == 201, answer.text
            status: str = answer.json()["status"]
            return status

        statuses = await asyncio.gather(*(claim(n) for n in range(len(people))))
    assert statuses.count("confirmed") == 2
    assert statuses.count("waiting") == 10
    async with session_for(settings) as fresh:
        assert (
            await fresh.scalar(select(SessionRun.seats_taken).where(SessionRun.id == program.sessions["T1"].runs[0].id))
            == 2
        )


async def test_a_cancelled_registration_gives_its_seat_to_the_next_in_line(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, make_person: MakePerson
) -> None:
    await publish(db, program, settings)
    tour = run_id(program, "T1")
    ana, ben, cy = [await make_person(program, n) for n in ("Ana", "Ben", "Cy")]
    for person in (ana, ben, cy):
        await client.post(f"{API}/{person.token}/items", json={"run_id": tour})
    # Registration's cancel flow is not on main yet; its effect on the attendee is this status.
    ana.attendee.status = AttendeeStatus.CANCELLED
    await db.commit()

    assert tour in (await client.get(f"{API}/{cy.token}")).json()["offers"]
    refused = await client.post(f"{API}/{ana.token}/items", json={"run_id": run_id(program, "B1")})
    assert refused.status_code == 403
    assert refused.json()["code"] == "registration-inactive"


async def test_a_raised_seat_limit_is_offered_down_the_waitlist(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, make_person: MakePerson
) -> None:
    await publish(db, program, settings)
    tour = run_id(program, "T1")
    people = [await make_person(program, n) for n in ("Ana", "Ben", "Cy", "Di")]
    for person in people:
        await client.post(f"{API}/{person.token}/items", json={"run_id": tour})
    await service.update_session(db, conference=program.conference, session=program.sessions["T1"],
                                 data=SessionPatch(seat_limit=3), actor=None)  # fmt: skip
    await db.commit()
    cy, di = people[2], people[3]
    assert tour in (await client.get(f"{API}/{cy.token}")).json()["offers"]
    assert (await client.get(f"{API}/{di.token}")).json()["waitlists"] == {tour: 1}


async def test_door_staff_see_who_holds_a_seat_and_who_waits(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    settings: Settings,
    make_person: MakePerson,
    staff: Caller,
    partner: Caller,
) -> None:
    await publish(db, program, settings)
    tour = run_id(program, "T1")
    for name in ("Ana", "Ben", "Cy"):
        person = await make_person(program, name)
        await client.post(f"{API}/{person.token}/items", json={"run_id": tour})
    path = f"/api/conferences/fall-2027/program/runs/{tour}/rsvps"
    answer = await client.get(path, headers=staff.headers)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["seat_limit"], body["seats_taken"]) == (2, 2)
    assert [(r["name"], r["status"], r["position"]) for r in body["rsvps"]] == [
        ("Ana Tester", "confirmed", None), ("Ben Tester", "confirmed", None), ("Cy Tester", "waiting", 1),
    ]  # fmt: skip
    assert (await client.get(path, headers=partner.headers)).status_code == 403


async def test_the_periodic_sweep_moves_a_lapsed_offer_on_without_anyone_visiting(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    mail_settings: Settings,
    smtp_server: MailBox,
    make_person: MakePerson,
    clock: Clock,
) -> None:
    await publish(db, program, mail_settings)
    tour = run_id(program, "T1")
    ana, ben, cy, di = [await make_person(program, n) for n in ("Ana", "Ben", "Cy", "Di")]
    for person in (ana, ben, cy, di):
        await client.post(f"{API}/{person.token}/items", json={"run_id": tour})
    await client.delete(f"{API}/{ana.token}/items/{tour}")  # Cy is offered the seat, and never answers

    clock.advance(OFFER_WINDOW + timedelta(minutes=1))
    engine = make_engine(mail_settings.database_url)
    assert await sweep_once(engine, mail_settings) == 1
    await engine.dispose()
    await deliver(replace(mail_settings))
    assert [m["Subject"] for m in smtp_server.to("di@attendee.test")] == ["A seat opened: Port electrification tour"]


async def test_a_calendar_subscribed_before_the_agenda_was_made_makes_it_on_its_first_poll(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, make_person: MakePerson
) -> None:
    # The confirmation mail's link opens an agenda made on first use; a calendar app may be the first to use it.
    ana = await make_person(program, "Ana")
    await db.delete(ana.agenda)
    await publish(db, program, settings)
    polled = await client.get(f"/c/fall-2027/agenda/{ana.token}/agenda.ics")
    assert polled.status_code == 200, polled.text
    assert await db.scalar(select(Agenda.id).where(Agenda.attendee_id == ana.attendee.id)) is not None
