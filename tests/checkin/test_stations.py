"""Stations: each device scans with its own revocable token, for its own station and conference only."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.settings import Settings
from tests.checkin.conftest import World, badge_of, make_conference, nonce


async def test_an_organizer_sets_up_a_door_and_its_device_scans_with_the_token(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    created = await client.post(
        f"{world.api}/stations", json={"name": "East entrance", "kind": "entrance"}, headers=world.organizer.headers
    )
    assert created.status_code == 201
    device = {"Authorization": f"Bearer {created.json()['token']}"}
    token = await badge_of(db, settings, world, "maria")

    response = await client.post(
        f"{world.api}/scans", json={"kind": "entry", "nonce": nonce(), "token": token}, headers=device
    )
    assert response.json()["station"] == "East entrance"  # no station_id needed: the token says which

    listed = await client.get(f"{world.api}/stations", headers=device)
    assert listed.status_code == 403  # a device scans; the list of stations is for people


async def test_a_revoked_device_stops_at_once_and_a_new_token_works(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    token = await badge_of(db, settings, world, "maria")
    station_url = f"{world.api}/stations/{world.north.station.id}"
    revoked = await client.delete(f"{station_url}/token", headers=world.organizer.headers)
    assert revoked.json()["has_token"] is False
    body = {"kind": "entry", "nonce": nonce(), "token": token}
    assert (await client.post(f"{world.api}/scans", json=body, headers=world.north.headers)).status_code == 401

    fresh = await client.post(f"{station_url}/token", headers=world.organizer.headers)
    headers = {"Authorization": f"Bearer {fresh.json()['token']}"}
    assert (await client.post(f"{world.api}/scans", json=body, headers=headers)).json()["result"] == "ok"


async def test_a_device_cannot_scan_for_another_station_or_conference(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    await make_conference(db, slug="spring-workshop")
    await db.commit()
    token = await badge_of(db, settings, world, "maria")
    as_south = {"kind": "entry", "nonce": nonce(), "token": token, "station_id": str(world.south.station.id)}
    response = await client.post(f"{world.api}/scans", json=as_south, headers=world.north.headers)
    assert (response.status_code, response.json()["code"]) == (403, "station-mismatch")

    elsewhere = "/api/conferences/spring-workshop/checkin/scans"
    response = await client.post(elsewhere, json={**as_south, "nonce": nonce()}, headers=world.north.headers)
    assert response.status_code == 403


async def test_staff_without_a_station_token_say_which_station(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    token = await badge_of(db, settings, world, "dev")
    body = {"kind": "entry", "nonce": nonce(), "token": token}
    missing = await client.post(f"{world.api}/scans", json=body, headers=world.organizer.headers)
    assert (missing.status_code, missing.json()["code"]) == (422, "station-required")
    named = await client.post(
        f"{world.api}/scans", json={**body, "station_id": str(world.desk.station.id)}, headers=world.organizer.headers
    )
    assert (named.json()["result"], named.json()["station"]) == ("ok", "Registration desk")


async def test_session_rooms_need_a_room_and_other_stations_refuse_one(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    no_room = await client.post(
        f"{world.api}/stations", json={"name": "Room 101", "kind": "session_room"}, headers=world.organizer.headers
    )
    assert (no_room.status_code, no_room.json()["code"]) == (422, "station-needs-room")
    clash = await client.post(
        f"{world.api}/stations", json={"name": "north entrance", "kind": "entrance"}, headers=world.organizer.headers
    )
    assert (clash.status_code, clash.json()["code"]) == (409, "station-name-taken")
