"""The back office's check-in: stations and who staffs them, a phone set up from a QR code, badge prints and
reprints, the credit report; and the staff home a staff member lands on and scans from without an organizer."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import ApiToken
from events_app.audit.models import AuditEvent
from events_app.checkin import assignments, printing, provisioning
from events_app.checkin.errors import ProvisioningLinkUsed
from events_app.checkin.models import BadgePrint, PrintStatus, Station
from events_app.conferences.models import Conference
from events_app.registration.models import Order
from events_app.settings import Settings
from tests.backoffice.conftest import form, sign_in
from tests.checkin.conftest import World, build_world, organizer_principal, place_order
from tests.conftest import MakeCaller, session_for

OFFICE = "/office/c/annual-2027/checkin"


@pytest.fixture
async def doors(db: AsyncSession, make_caller: MakeCaller) -> World:
    return await build_world(db, make_caller)


async def actions(db: AsyncSession, subject_id: uuid.UUID) -> list[str]:
    rows = await db.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == str(subject_id)))
    return list(rows)


async def door_answers(client: AsyncTestClient[Litestar], world: World, token: str) -> int:
    """What the check-in API says to a device holding this token (200: it is a working door)."""
    response = await client.get(f"{world.api}/heartbeat", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


async def provisioning_url(client: AsyncTestClient[Litestar], station: Station) -> str:
    page = await client.get(f"{OFFICE}/stations/{station.id}/provision")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert 'role="img"' in page.text
    found = re.search(r'id="provisioning-link" href="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


async def test_an_organizer_adds_a_station_and_puts_a_staff_member_at_it(
    app: Litestar, db: AsyncSession, doors: World
) -> None:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await sign_in(client, doors.organizer)
        added = await client.post(
            f"{OFFICE}/stations", data=form(client, name="West door", kind="entrance"), follow_redirects=False
        )
        assert added.status_code == 303
        station = await db.scalar(select(Station).where(Station.name == "West door"))
        assert station is not None
        assert "station.created" in await actions(db, station.id)

        unknown = await client.post(f"{OFFICE}/stations/{station.id}/staff", data=form(client, email="who@x.test"))
        assert unknown.status_code == 422
        assert "No active on-site staff account" in unknown.text

        put = await client.post(f"{OFFICE}/stations/{station.id}/staff", data=form(client, email=doors.staff.email))
        assert put.status_code == 200  # the station page, after the redirect
        assert doors.staff.email in put.text
        assert "station.staff_assigned" in await actions(db, station.id)

        twice = await client.post(
            f"{OFFICE}/stations", data=form(client, name="west door", kind="entrance"), follow_redirects=False
        )
        assert twice.status_code == 422
        assert "already exists" in twice.text

        no_kind = await client.post(f"{OFFICE}/stations", data=form(client, name="East door", kind="gate"))
        assert no_kind.status_code == 422
        assert "choose its kind" in no_kind.text
        assert await db.scalar(select(Station).where(Station.name == "East door")) is None


async def test_a_phone_opening_the_qr_link_becomes_the_station_once(
    app: Litestar, db: AsyncSession, doors: World
) -> None:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as office:
        await sign_in(office, doors.organizer)
        url = await provisioning_url(office, doors.north.station)
    assert url.startswith("http://127.0.0.1:8000/c/annual-2027/staff/provision/") or "/staff/provision/" in url
    path = url[url.index("/c/") :]

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as phone:
        page = await phone.get(path)
        assert page.status_code == 200
        assert "North entrance" in page.text
        started = await phone.post(path, data=form(phone), follow_redirects=False)
        assert started.status_code == 303
        location = started.headers["location"]
        assert location.startswith("/c/annual-2027/staff/scan#token=")
        token = location.partition("#token=")[2]
        assert await door_answers(phone, doors, token) == 200
        assert await door_answers(phone, doors, doors.north.token) == 401  # the old device stopped

        again = await phone.post(path, data=form(phone), follow_redirects=False)
        assert again.status_code == 409
        assert "already used" in again.text
        assert await door_answers(phone, doors, token) == 200  # the second try took nothing away
    assert "station.provisioned" in await actions(db, doors.north.station.id)


@pytest.mark.postgres_only
async def test_two_phones_racing_on_one_code_set_up_one_device(
    db: AsyncSession, settings: Settings, doors: World
) -> None:
    organizer = await organizer_principal(db, doors.organizer)
    link = await provisioning.provisioning_link(
        settings, conference=doors.conference, station=doors.north.station, actor=organizer
    )
    code = link.url.rsplit("/", 1)[1]

    async def phone(address: str) -> str:
        async with session_for(settings) as session:
            conference = await session.get_one(Conference, doors.conference.id)
            try:
                await provisioning.redeem(session, settings, conference=conference, code=code, address=address)
            except ProvisioningLinkUsed:
                return "refused"
            await session.commit()
            return "set up"

    answers = await asyncio.gather(phone("10.0.0.1"), phone("10.0.0.2"))
    assert sorted(answers) == ["refused", "set up"]
    live = await db.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.name.like("Station: North entrance%"), ApiToken.revoked_at.is_(None))
    )
    assert live == 1


async def test_a_set_up_code_past_its_minutes_sets_up_nothing(
    app: Litestar, doors: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provisioning, "LIFETIME_SECONDS", -1)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await sign_in(client, doors.organizer)
        url = await provisioning_url(client, doors.south.station)
        path = url[url.index("/c/") :]
        refused = await client.post(path, data=form(client), follow_redirects=False)
        assert refused.status_code == 422
        assert "expired" in refused.text
        assert await door_answers(client, doors, doors.south.token) == 200


async def test_stopping_a_device_asks_first(app: Litestar, doors: World) -> None:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await sign_in(client, doors.organizer)
        asked = await client.post(f"{OFFICE}/stations/{doors.north.station.id}/revoke", data=form(client))
        assert asked.status_code == 200
        assert "Yes, stop the device" in asked.text
        assert await door_answers(client, doors, doors.north.token) == 200
        await client.post(f"{OFFICE}/stations/{doors.north.station.id}/revoke", data=form(client, confirmed="yes"))
        assert await door_answers(client, doors, doors.north.token) == 401


async def test_staff_land_on_their_stations_and_start_scanning_alone(
    app: Litestar, db: AsyncSession, doors: World
) -> None:
    organizer = await organizer_principal(db, doors.organizer)
    await assignments.assign(db, station=doors.desk.station, email=doors.staff.email, actor=organizer)
    await db.commit()
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await client.get("/login")
        signed_in = await client.post(
            "/login",
            data=form(client, email=doors.staff.email, password=doors.staff.password, next="/"),
            follow_redirects=False,
        )
        assert signed_in.headers["location"] == "/staff"
        home = await client.get("/staff")
        assert "Scan at Registration desk" in home.text
        assert "North entrance" not in home.text

        started = await client.post(
            f"/staff/c/annual-2027/stations/{doors.desk.station.id}/scan", data=form(client), follow_redirects=False
        )
        assert started.status_code == 303, started.text
        token = started.headers["location"].partition("#token=")[2]
        assert await door_answers(client, doors, token) == 200

        not_mine = await client.post(
            f"/staff/c/annual-2027/stations/{doors.north.station.id}/scan", data=form(client), follow_redirects=False
        )
        assert not_mine.status_code == 403
        assert await door_answers(client, doors, doors.north.token) == 200

        found = await client.get("/staff/c/annual-2027/lookup", params={"q": "Lopez"})
        assert "Maria Lopez" in found.text


async def test_badges_of_one_order_are_printed_as_a_job(
    app: Litestar, db: AsyncSession, settings: Settings, doors: World
) -> None:
    order_people = await place_order(db, settings, doors, [("Ana", "Ruiz"), ("Ben", "Ortiz")])
    await db.commit()
    order_id = order_people[0].order_id
    number = (await db.get_one(Order, order_id)).number
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await sign_in(client, doors.organizer)
        nowhere = await client.post(f"{OFFICE}/badges", data=form(client, scope="order", order_number="NOPE-1"))
        assert nowhere.status_code == 422
        queued = await client.post(f"{OFFICE}/badges", data=form(client, scope="order", order_number=number.lower()))
        assert queued.status_code == 200
        assert "Waiting to start" in queued.text
    job = await db.scalar(select(BadgePrint).where(BadgePrint.order_id == order_id))
    assert job is not None
    assert job.status == PrintStatus.QUEUED
    holders = await printing.printable_holders(db, conference=doors.conference, order_id=job.order_id)
    assert sorted(h.last_name for h in holders) == ["Ortiz", "Ruiz"]
    assert "badge.print_requested" in await actions(db, job.id)


async def test_a_lost_badge_is_replaced_only_after_asking(app: Litestar, db: AsyncSession, doors: World) -> None:
    maria = doors.people["maria"]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await sign_in(client, doors.organizer)
        asked = await client.post(
            f"{OFFICE}/attendees/{maria.id}/reprint", data=form(client, why="Lost at dinner", lost="on")
        )
        assert "stops working at every door" in asked.text
        await db.refresh(maria)
        assert maria.badge_version == 1
        done = await client.post(
            f"{OFFICE}/attendees/{maria.id}/reprint",
            data=form(client, why="Lost at dinner", lost="on", confirmed="yes"),
        )
        assert done.headers["content-type"] == "application/pdf"
    await db.refresh(maria)
    assert maria.badge_version == 2
    assert "badge.reprinted" in await actions(db, maria.id)


async def test_every_checkin_page_opens_for_an_organizer(app: Litestar, doors: World) -> None:
    station = doors.north.station.id
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await sign_in(client, doors.organizer)
        for path in (
            "/stations",
            f"/stations/{station}",
            f"/stations/{station}/provision",
            "/badges",
            "/badges?q=Lopez",
            "/attendance",
        ):
            response = await client.get(OFFICE + path)
            assert response.status_code == 200, path
            assert 'aria-current="page"' in response.text, path
        assert (await client.get(f"{OFFICE}/attendance.csv")).text.startswith("attendee_id")
