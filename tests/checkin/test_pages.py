"""The staff pages: equipping a device from the stations list, the scanner shell, the dashboard, badge printing."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import badge_prints
from events_app.db import make_engine
from events_app.demo import seed_demo
from events_app.sessions import service as program
from events_app.sessions.schemas import RoomIn
from events_app.settings import Settings
from tests.accounts.test_access import _login
from tests.checkin.conftest import World, badge_of, organizer_principal, scan
from tests.conftest import Caller


async def test_an_organizer_opens_the_scanner_on_a_device_and_the_old_token_stops(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    await _login(client, world.organizer)  # type: ignore[arg-type]
    page = await client.get(f"/c/{world.conference.slug}/staff/stations")
    assert "North entrance" in page.text
    assert "Open scanner on this device" in page.text

    csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
    opened = await client.post(
        f"/c/{world.conference.slug}/staff/stations/{world.north.station.id}/device",
        headers=csrf,
        follow_redirects=False,
    )
    assert opened.status_code == 303
    location = opened.headers["location"]
    assert location.startswith(f"/c/{world.conference.slug}/staff/scan#token=evt_")
    new_token = location.partition("#token=")[2]

    token = await badge_of(db, settings, world, "maria")
    body = {"kind": "entry", "nonce": "nonce-from-old-device", "token": token}
    old = await client.post(f"{world.api}/scans", json=body, headers=world.north.headers)
    assert old.status_code == 401
    fresh = await client.post(f"{world.api}/scans", json=body, headers={"Authorization": f"Bearer {new_token}"})
    assert fresh.json()["station"] == "North entrance"

    shell = await client.get(location.partition("#")[0])
    assert 'src="/static/checkin/scan.js"' in shell.text
    assert (await client.get("/static/checkin/scan.js")).status_code == 200
    assert (await client.get("/static/checkin/vendor/jsqr/jsQR.js")).status_code == 200


async def test_staff_see_the_dashboard_with_todays_figures(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, staff: Caller
) -> None:
    await scan(client, world, world.north, await badge_of(db, settings, world, "maria"))
    await _login(client, staff)
    page = await client.get(f"/c/{world.conference.slug}/staff/dashboard")
    assert page.status_code == 200
    assert '<span id="checked-in">1</span>' in page.text
    data = await client.get(f"/c/{world.conference.slug}/staff/dashboard/data")
    assert data.json()["by_door"] == [{"label": "North entrance", "count": 1}]


async def test_a_bad_station_form_is_shown_again_with_the_reason(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    await _login(client, world.organizer)  # type: ignore[arg-type]
    csrf = client.cookies.get("csrftoken", "")
    response = await client.post(
        f"/c/{world.conference.slug}/staff/stations",
        data={"name": "Room 101", "kind": "session_room", "room_id": "", "_csrf_token": csrf},
        headers={"x-csrftoken": csrf},
    )
    assert response.status_code == 422
    assert "needs the room it stands in" in response.text


async def test_the_demo_has_doors_ready_to_equip(db: AsyncSession, client: AsyncTestClient[Litestar]) -> None:
    await seed_demo(db)
    await db.commit()
    await seed_demo(db)  # seeding twice adds nothing
    await db.commit()
    from sqlalchemy import select

    from events_app.checkin.models import Station

    names = list(await db.scalars(select(Station.name).order_by(Station.name)))
    assert {"North lobby", "South lobby", "Registration desk"} <= set(names)
    assert len(names) == len(set(names))


async def test_revoking_a_device_from_the_stations_page_stops_it(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    await _login(client, world.organizer)  # type: ignore[arg-type]
    csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
    revoked = await client.post(
        f"/c/{world.conference.slug}/staff/stations/{world.south.station.id}/revoke",
        headers=csrf,
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    body = {"kind": "entry", "nonce": "nonce-after-revoke", "token": await badge_of(db, settings, world, "dev")}
    assert (await client.post(f"{world.api}/scans", json=body, headers=world.south.headers)).status_code == 401


async def test_a_session_room_station_is_tied_to_a_room_picked_from_the_program(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World
) -> None:
    actor = await organizer_principal(db, world.organizer)
    room = await program.create_room(db, conference=world.conference, data=RoomIn(name="Ballroom A"), actor=actor)
    await db.commit()
    await _login(client, world.organizer)  # type: ignore[arg-type]
    page = await client.get(f"/c/{world.conference.slug}/staff/stations")
    assert f'<option value="{room.id}">Ballroom A</option>' in page.text
    csrf = client.cookies.get("csrftoken", "")
    created = await client.post(
        f"/c/{world.conference.slug}/staff/stations",
        data={"name": "Ballroom A door", "kind": "session_room", "room_id": str(room.id)},
        headers={"x-csrftoken": csrf},
        follow_redirects=False,
    )
    assert created.status_code == 303
    listed = (await client.get(f"{world.api}/stations", headers=world.organizer.headers)).json()
    assert {s["name"]: s["room_id"] for s in listed}["Ballroom A door"] == str(room.id)


async def test_an_organizer_prints_every_badge_and_downloads_the_pdf_when_it_is_drawn(
    client: AsyncTestClient[Litestar], settings: Settings, world: World
) -> None:
    await _login(client, world.organizer)  # type: ignore[arg-type]
    page_url = f"/c/{world.conference.slug}/staff/badges"
    csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
    asked = await client.post(page_url, data={"registration_type_id": ""}, headers=csrf, follow_redirects=False)
    assert asked.status_code == 303
    waiting = await client.get(page_url)
    assert "Waiting to start" in waiting.text
    assert 'http-equiv="refresh"' in waiting.text  # the page follows the print by itself

    engine = make_engine(settings.database_url)
    try:
        assert await badge_prints.print_next(engine, settings)  # whichever app process claims it
    finally:
        await engine.dispose()
    done = await client.get(page_url)
    assert 'http-equiv="refresh"' not in done.text
    [link] = re.findall(r'href="([^"]+/badges\.pdf)"', done.text)
    pdf = await client.get(link)
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")
