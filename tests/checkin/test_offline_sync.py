"""Scanners that lost the network: their copy of the world, and their queued scans arriving later."""

from __future__ import annotations

import base64
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import credential
from events_app.checkin.models import Checkin, Scan
from events_app.core.clock import now
from events_app.registration.models import Attendee, AttendeeStatus
from events_app.settings import Settings
from tests.checkin.conftest import World, badge_of, nonce, scan


async def test_the_offline_copy_verifies_badges_and_knows_who_is_in(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    token = await badge_of(db, settings, world, "maria")
    await scan(client, world, world.north, token)
    cancelled = await db.get_one(Attendee, world.people["dev"].id)
    cancelled.status = AttendeeStatus.REFUNDED
    await db.commit()

    bundle = (await client.get(f"{world.api}/offline", headers=world.south.headers)).json()
    assert bundle["station"]["name"] == "South entrance"
    people = {row[3]: row for row in bundle["attendees"]}
    assert people["Maria Lopez"][9] is True  # checked in
    assert people["Dev Patel"][2] == "refunded"

    # The page checks signatures itself: the same bytes, the published key.
    raw_key = base64.urlsafe_b64decode(bundle["key"]["public_key"] + "==")
    claim = credential.read_token(token)
    message = credential.signed_message(
        conference_id=world.conference.id, attendee_id=claim.attendee_id, version=claim.version
    )
    Ed25519PublicKey.from_public_bytes(raw_key).verify(claim.signature, message)
    assert bundle["key"]["key_id"] == claim.key_id


async def test_queued_scans_sync_once_and_a_two_door_clash_is_reported(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    maria = await badge_of(db, settings, world, "maria")
    dev = await badge_of(db, settings, world, "dev")
    # Online at the north door five minutes ago; the south door, offline, saw her two minutes later.
    await scan(client, world, world.north, maria, scanned_at=(now() - timedelta(minutes=5)).isoformat())

    taken = now() - timedelta(minutes=3)
    queued = [
        {"kind": "entry", "nonce": nonce(), "token": maria, "scanned_at": taken.isoformat(), "offline": True},
        {"kind": "entry", "nonce": nonce(), "token": dev, "scanned_at": taken.isoformat(), "offline": True},
    ]
    first = await client.post(f"{world.api}/scans/batch", json={"scans": queued}, headers=world.south.headers)
    assert first.status_code == 200
    answers = first.json()["answers"]
    assert [a["result"] for a in answers] == ["already_checked_in", "ok"]
    assert first.json()["conflicts"] == 1
    assert answers[0]["conflict"] is True
    assert answers[0]["first"]["station"] == "North entrance"
    assert answers[1]["scanned_at"].startswith(taken.isoformat()[:19])  # the time it was scanned, not synced

    # The answer to the sync was lost; the device sends the same queue again.
    again = await client.post(f"{world.api}/scans/batch", json={"scans": queued}, headers=world.south.headers)
    assert [a["replayed"] for a in again.json()["answers"]] == [True, True]
    assert await db.scalar(select(func.count()).select_from(Checkin)) == 2
    assert await db.scalar(select(func.count()).select_from(Scan)) == 3

    conflicts = await client.get(f"{world.api}/scans", params={"conflicts": "true"}, headers=world.staff.headers)
    assert [s["station"] for s in conflicts.json()["items"]] == ["South entrance"]


async def test_a_device_clock_in_the_future_is_taken_as_now_and_a_naive_time_refused(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    token = await badge_of(db, settings, world, "maria")
    ahead = await scan(client, world, world.north, token, scanned_at=(now() + timedelta(hours=2)).isoformat())
    assert ahead["scanned_at"] < (now() + timedelta(minutes=1)).isoformat()
    naive = await client.post(
        f"{world.api}/scans",
        json={"kind": "entry", "nonce": nonce(), "token": token, "scanned_at": "2027-10-06T08:00:00"},
        headers=world.north.headers,
    )
    assert (naive.status_code, naive.json()["code"]) == (422, "scan-time-naive")


async def test_look_up_by_name_for_a_badge_that_will_not_scan_and_organizers_by_email(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    by_name = await client.get(f"{world.api}/lookup", params={"q": "lop mar"}, headers=world.desk.headers)
    assert [h["name"] for h in by_name.json()] == ["Maria Lopez"]
    by_mail = await client.get(f"{world.api}/lookup", params={"q": "dev.patel@"}, headers=world.organizer.headers)
    assert [h["name"] for h in by_mail.json()] == ["Dev Patel"]
    too_short = await client.get(f"{world.api}/lookup", params={"q": "a"}, headers=world.desk.headers)
    assert too_short.status_code == 422


async def test_a_refused_scan_in_a_queue_does_not_block_the_rest(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    queued = [
        {"kind": "entry", "nonce": nonce(), "token": await badge_of(db, settings, world, "maria"), "offline": True},
        {"kind": "entry", "nonce": nonce(), "token": "EV1-X", "scanned_at": "2020-01-01T08:00:00Z", "offline": True},
        {"kind": "entry", "nonce": nonce(), "token": await badge_of(db, settings, world, "dev"), "offline": True},
    ]
    synced = await client.post(f"{world.api}/scans/batch", json={"scans": queued}, headers=world.north.headers)
    assert synced.status_code == 200
    answers = synced.json()["answers"]
    assert [a["result"] for a in answers] == ["ok", "invalid", "ok"]
    assert "too long ago" in answers[1]["message"]


async def test_a_queue_holding_one_scan_twice_gets_its_first_answer_twice_and_one_record(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    maria = await badge_of(db, settings, world, "maria")
    twice = {"kind": "entry", "nonce": nonce(), "token": maria, "offline": True}
    synced = await client.post(f"{world.api}/scans/batch", json={"scans": [twice, twice]}, headers=world.south.headers)
    assert synced.status_code == 200, synced.text
    answers = synced.json()["answers"]
    assert [(a["result"], a["replayed"]) for a in answers] == [("ok", False), ("ok", True)]
    assert await db.scalar(select(func.count()).select_from(Scan)) == 1
