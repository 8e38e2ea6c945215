"""Two doors, one badge: the check-in is the earliest scan's, whatever order the doors sync in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import TokenUses, principal_for_token
from events_app.checkin import conflicts, offline, scans
from events_app.checkin.errors import ConflictNotFound
from events_app.checkin.models import Checkin, Scan, ScanKind, ScanResult, Station
from events_app.checkin.schemas import ScanBatchOut, ScanIn
from events_app.core.clock import now
from events_app.settings import Settings
from tests.checkin.conftest import Door, World, badge_of, nonce


def _taken(token: str, at: datetime, *, queued: bool = True) -> ScanIn:
    return ScanIn(kind=ScanKind.ENTRY, nonce=nonce(), token=token, scanned_at=at, offline=queued)


async def _send(db: AsyncSession, world: World, door: Door, item: ScanIn) -> ScanBatchOut:
    """What a door's device does: a queued scan goes in a batch, a live one alone."""
    actor = await principal_for_token(db, secret=door.token, uses=TokenUses())
    assert actor is not None
    if item.offline:
        return await offline.sync_queue(db, conference=world.conference, scans=[item], actor=actor)
    answers = await scans.redeem_and_commit(db, conference=world.conference, items=[item], actor=actor)
    return ScanBatchOut(answers=answers, conflicts=0)


async def _checkin(db: AsyncSession, world: World, key: str) -> tuple[str, datetime]:
    row = (
        await db.execute(
            select(Station.name, Checkin.checked_in_at)
            .join(Station, Station.id == Checkin.station_id)
            .where(Checkin.attendee_id == world.people[key].id)
        )
    ).one()
    return row[0], row[1]


@pytest.mark.parametrize("north_syncs_first", [True, False], ids=["first-door-syncs-first", "second-door-syncs-first"])
async def test_the_first_door_and_time_are_credited_whichever_door_syncs_first(
    db: AsyncSession, settings: Settings, world: World, north_syncs_first: bool
) -> None:
    maria = await badge_of(db, settings, world, "maria")
    at_north = now().replace(microsecond=0) - timedelta(minutes=10)
    at_south = at_north + timedelta(seconds=75)
    north, south = (world.north, _taken(maria, at_north)), (world.south, _taken(maria, at_south))

    first_sync, second_sync = (north, south) if north_syncs_first else (south, north)
    assert (await _send(db, world, *first_sync)).conflicts == 0
    assert (await _send(db, world, *second_sync)).conflicts == 1  # the door syncing second hears of the clash

    assert await _checkin(db, world, "maria") == ("North entrance", at_north)
    rows = await db.execute(
        select(Station.name, Scan.result, Scan.conflict).join(Station, Station.id == Scan.station_id)
    )
    results = {name: (result, conflict) for name, result, conflict in rows}
    assert results == {
        "North entrance": (ScanResult.OK, False),
        "South entrance": (ScanResult.ALREADY_CHECKED_IN, True),
    }
    [clash] = (await conflicts.unseen(db, conference=world.conference)).items
    assert (clash.name, clash.first_station, clash.first_at) == ("Maria Lopez", "North entrance", at_north)
    assert (clash.again_station, clash.again_at) == ("South entrance", at_south)


async def test_an_earlier_queued_scan_takes_over_from_a_live_admission(
    db: AsyncSession, settings: Settings, world: World
) -> None:
    maria = await badge_of(db, settings, world, "maria")
    at_north = now().replace(microsecond=0) - timedelta(minutes=10)
    live = _taken(maria, at_north + timedelta(minutes=2), queued=False)
    assert (await _send(db, world, world.south, live)).answers[0].result == ScanResult.OK  # south let her in live

    await _send(db, world, world.north, _taken(maria, at_north))  # north saw her first, offline

    assert await _checkin(db, world, "maria") == ("North entrance", at_north)
    # South's device asks again for its answer (a lost response): it now names the north door first.
    replayed = (await _send(db, world, world.south, live)).answers[0]
    assert (replayed.result, replayed.conflict, replayed.replayed) == (ScanResult.ALREADY_CHECKED_IN, True, True)
    assert replayed.first is not None
    assert replayed.first.station == "North entrance"


async def test_a_live_scan_never_takes_the_checkin_over_by_its_device_clock(
    db: AsyncSession, settings: Settings, world: World
) -> None:
    maria = await badge_of(db, settings, world, "maria")
    south_at = now().replace(microsecond=0) - timedelta(minutes=1)
    await _send(db, world, world.south, _taken(maria, south_at, queued=False))
    # A badge passed back out: the north door's clock is slow, but it is answering live, after south.
    answer = await _send(db, world, world.north, _taken(maria, south_at - timedelta(minutes=9), queued=False))
    assert answer.answers[0].result == ScanResult.ALREADY_CHECKED_IN
    assert await _checkin(db, world, "maria") == ("South entrance", south_at)


async def test_a_device_clock_ahead_of_the_server_cannot_win_first(
    db: AsyncSession, settings: Settings, world: World
) -> None:
    maria = await badge_of(db, settings, world, "maria")
    north_at = now().replace(microsecond=0) - timedelta(minutes=1)
    await _send(db, world, world.north, _taken(maria, north_at))
    # The south device's clock says the scan is an hour ahead: taken as when it reached us, after north.
    await _send(db, world, world.south, _taken(maria, now() + timedelta(hours=1)))
    assert await _checkin(db, world, "maria") == ("North entrance", north_at)


async def test_a_conflict_stays_on_the_pages_until_staff_mark_it_seen(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    maria = await badge_of(db, settings, world, "maria")
    at_north = now() - timedelta(minutes=5)
    await _send(db, world, world.south, _taken(maria, at_north + timedelta(seconds=30)))
    await _send(db, world, world.north, _taken(maria, at_north))

    listed = await client.get(f"{world.api}/conflicts", headers=world.desk.headers)
    [clash] = listed.json()["items"]
    assert [clash["first_station"], clash["again_station"]] == ["North entrance", "South entrance"]
    dashboard = await client.get(f"{world.api}/dashboard", headers=world.staff.headers)
    assert dashboard.json()["conflicts"]["total"] == 1

    seen = await client.post(f"{world.api}/conflicts/{clash['id']}/seen", headers=world.north.headers)
    assert seen.status_code == 204
    again = await client.post(f"{world.api}/conflicts/{clash['id']}/seen", headers=world.south.headers)
    assert again.status_code == 204  # two doors marking it at once: no error
    assert (await client.get(f"{world.api}/conflicts", headers=world.desk.headers)).json() == {"items": [], "total": 0}

    not_a_conflict = await db.scalar(select(Scan).where(Scan.conflict.is_(False)))
    assert not_a_conflict is not None
    refused = await client.post(f"{world.api}/conflicts/{not_a_conflict.id}/seen", headers=world.north.headers)
    assert (refused.status_code, refused.json()["code"]) == (404, ConflictNotFound.code)
