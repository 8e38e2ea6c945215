"""Session doors: attendance per session, minimum presence and the leadership academy's credit."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin.models import StationKind
from events_app.core.clock import now
from events_app.registration.models import Attendee
from events_app.sessions import agenda, agenda_links, releases
from events_app.sessions import service as program
from events_app.sessions.models import ProgramSession, Room, SessionStatus, SessionType
from events_app.sessions.schemas import RoomIn, RunIn, SessionIn
from events_app.settings import Settings
from tests.checkin.conftest import Door, World, badge_of, make_station, organizer_principal, scan


@dataclass
class Ballroom:
    room: Room
    door: Door
    budget: ProgramSession  # 1.5 credit hours, ran from two hours ago until half an hour ago
    ethics: ProgramSession  # 1 credit hour, running now


@pytest.fixture
async def ballroom(db: AsyncSession, world: World) -> Ballroom:
    actor = await organizer_principal(db, world.organizer)
    room = await program.create_room(db, conference=world.conference, data=RoomIn(name="Ballroom A"), actor=actor)
    moment = now()
    budget = await program.create_session(
        db,
        conference=world.conference,
        actor=actor,
        data=SessionIn(
            code="B101",
            title="Municipal Budgeting 101",
            type=SessionType.BREAKOUT,
            credit_hours=Decimal("1.5"),
            runs=[
                RunIn(
                    room_id=room.id, starts_at=moment - timedelta(minutes=120), ends_at=moment - timedelta(minutes=30)
                )
            ],
        ),
    )
    ethics = await program.create_session(
        db,
        conference=world.conference,
        actor=actor,
        data=SessionIn(
            code="E200",
            title="Ethics for Elected Officials",
            type=SessionType.BREAKOUT,
            credit_hours=Decimal("1"),
            runs=[
                RunIn(room_id=room.id, starts_at=moment - timedelta(minutes=10), ends_at=moment + timedelta(minutes=50))
            ],
        ),
    )
    door = await make_station(db, world.conference, actor, "Ballroom A door", StationKind.SESSION_ROOM, room_id=room.id)
    await db.commit()
    return Ballroom(room=room, door=door, budget=budget, ethics=ethics)


def _ago(minutes: int) -> str:
    return (now() - timedelta(minutes=minutes)).isoformat()


async def test_a_session_door_records_entry_once_and_the_exit(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, ballroom: Ballroom
) -> None:
    token = await badge_of(db, settings, world, "maria")
    entry = await scan(client, world, ballroom.door, token, kind="session", scanned_at=_ago(118))
    assert (entry["result"], entry["session"]["title"]) == ("ok", "Municipal Budgeting 101")
    again = await scan(client, world, ballroom.door, token, kind="session", scanned_at=_ago(110))
    assert again["result"] == "already_checked_in"
    leaving = await scan(client, world, ballroom.door, token, kind="exit", scanned_at=_ago(100))
    assert leaving["result"] == "ok"
    now_in = await scan(client, world, ballroom.door, token, kind="session")
    assert (now_in["result"], now_in["session"]["title"]) == ("ok", "Ethics for Elected Officials")


async def test_credit_needs_the_minimum_presence(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, ballroom: Ballroom
) -> None:
    maria = await badge_of(db, settings, world, "maria")
    dev = await badge_of(db, settings, world, "dev")
    await scan(client, world, ballroom.door, maria, kind="session", scanned_at=_ago(118))
    await scan(client, world, ballroom.door, maria, kind="exit", scanned_at=_ago(100))  # 18 of 90 minutes
    await scan(client, world, ballroom.door, dev, kind="session", scanned_at=_ago(115))  # stayed, no exit scan

    api = f"{world.api}/attendees"
    short = (await client.get(f"{api}/{world.people['maria'].id}/credits", headers=world.staff.headers)).json()
    assert [(line["minutes_present"], line["earned"]) for line in short["lines"]] == [(18, False)]
    assert short["total_hours"] == 0
    stayed = (await client.get(f"{api}/{world.people['dev'].id}/credits", headers=world.staff.headers)).json()
    assert [(line["minutes_present"], line["minimum_minutes"], line["earned"]) for line in stayed["lines"]] == [
        (85, 68, True)
    ]
    assert stayed["total_hours"] == 1.5

    report = await client.get(f"{world.api}/credits.csv", headers=world.organizer.headers)
    rows = list(csv.DictReader(io.StringIO(report.text)))
    totals = {r["name"]: r["credit_hours"] for r in rows if r["session"] == "TOTAL"}
    assert totals == {"Maria Lopez": "0", "Dev Patel": "1.5"}

    certificate = await client.get(f"{api}/{world.people['dev'].id}/certificate.pdf", headers=world.staff.headers)
    text = pdfium.PdfDocument(certificate.content)[0].get_textpage().get_text_range()
    assert "Dev Patel" in text
    assert "earned 1.5 hours" in text
    assert "Municipal Budgeting 101" in text


async def test_the_dashboard_shows_who_is_in_the_room_now(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, ballroom: Ballroom
) -> None:
    await scan(client, world, ballroom.door, await badge_of(db, settings, world, "maria"), kind="session")
    await scan(client, world, ballroom.door, await badge_of(db, settings, world, "dev"), kind="session")
    await scan(client, world, ballroom.door, await badge_of(db, settings, world, "dev"), kind="exit")
    figures = (await client.get(f"{world.api}/dashboard", headers=world.staff.headers)).json()
    assert figures["rooms"] == [
        {
            "room_id": str(ballroom.room.id),
            "room": "Ballroom A",
            "session": "Ethics for Elected Officials",
            "present": 1,
        }
    ]
    assert figures["checked_in"] == 0  # a session door is not the entrance


async def test_an_organizer_sets_a_sessions_own_minimum_presence(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, ballroom: Ballroom
) -> None:
    maria = await badge_of(db, settings, world, "maria")
    await scan(client, world, ballroom.door, maria, kind="session", scanned_at=_ago(118))
    await scan(client, world, ballroom.door, maria, kind="exit", scanned_at=_ago(100))  # 18 minutes
    rule_url = f"{world.api}/sessions/{ballroom.budget.id}/credit-rule"
    credits_url = f"{world.api}/attendees/{world.people['maria'].id}/credits"

    response = await client.put(rule_url, json={"minimum_presence_minutes": 15}, headers=world.organizer.headers)
    assert response.json() == {"session_id": str(ballroom.budget.id), "minimum_presence_minutes": 15}
    report = (await client.get(credits_url, headers=world.staff.headers)).json()
    assert (report["lines"][0]["minimum_minutes"], report["total_hours"]) == (15, 1.5)

    await client.put(rule_url, json={"minimum_presence_minutes": None}, headers=world.organizer.headers)
    report = (await client.get(credits_url, headers=world.staff.headers)).json()
    assert (report["lines"][0]["minimum_minutes"], report["total_hours"]) == (68, 0)
    refused = await client.put(rule_url, json={"minimum_presence_minutes": 15}, headers=world.staff.headers)
    assert refused.status_code == 403


async def test_a_seat_limited_session_admits_only_those_holding_a_seat(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, ballroom: Ballroom
) -> None:
    actor = await organizer_principal(db, world.organizer)
    moment = now()
    lab = await program.create_room(db, conference=world.conference, data=RoomIn(name="GIS Lab"), actor=actor)
    lab_door = await make_station(db, world.conference, actor, "GIS Lab door", StationKind.SESSION_ROOM, room_id=lab.id)
    workshop = await program.create_session(
        db,
        conference=world.conference,
        actor=actor,
        data=SessionIn(
            code="W300",
            title="Hands-on GIS Workshop",
            type=SessionType.WORKSHOP,
            seat_limit=20,
            status=SessionStatus.CONFIRMED,
            runs=[
                RunIn(room_id=lab.id, starts_at=moment - timedelta(minutes=5), ends_at=moment + timedelta(minutes=55))
            ],
        ),
    )
    await db.flush()
    await releases.release_schedule(db, conference=world.conference, settings=settings, actor=actor)
    schedule = await releases.published_schedule(db, conference=world.conference)
    assert schedule is not None
    maria = await db.get_one(Attendee, world.people["maria"].id)
    seat = await agenda.add_to_agenda(
        db,
        conference=world.conference,
        settings=settings,
        agenda=await agenda_links.agenda_for(db, attendee=maria),
        attendee=maria,
        schedule=schedule,
        run_id=workshop.runs[0].id,
    )
    assert seat.status == "confirmed"
    await db.commit()

    seated = await scan(client, world, lab_door, await badge_of(db, settings, world, "maria"), kind="session")
    turned = await scan(client, world, lab_door, await badge_of(db, settings, world, "dev"), kind="session")
    assert (seated["result"], seated["session"]["title"]) == ("ok", "Hands-on GIS Workshop")
    assert (turned["result"], turned["admitted"]) == ("not_registered_for_session", False)
