"""Partners hold booths for a while, book them, and never share one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.expo import rules
from events_app.expo.schemas import ExpoSettingsIn, WindowIn
from tests.conftest import Caller, Clock
from tests.expo.conftest import ExpoWorld, MakePartner

Client = AsyncTestClient[Litestar]


async def hold(client: Client, expo: ExpoWorld, who: object, code: str) -> object:
    return await client.post(f"{expo.api}/holds", json={"booth_code": code}, headers=who.headers)  # type: ignore[attr-defined]


async def test_a_partner_holds_a_free_booth_for_thirty_minutes(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme Paving")
    response = await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=acme.headers)
    assert response.status_code == 201
    body = response.json()
    assert body["booth_code"] == "101"
    assert body["live"] is True
    assert 29 * 60 < body["seconds_left"] <= 30 * 60
    booths = (await client.get(f"{expo.api}/booths", headers=acme.headers)).json()
    assert next(b for b in booths if b["code"] == "101")["status"] == "mine-held"
    public = (await client.get(f"{expo.api}/booths")).json()
    assert next(b for b in public if b["code"] == "101")["status"] == "held"


async def test_a_held_booth_cannot_be_held_by_another_partner(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    first, second = await make_partner("First"), await make_partner("Second")
    assert (
        await client.post(f"{expo.api}/holds", json={"booth_code": "102"}, headers=first.headers)
    ).status_code == 201
    refused = await client.post(f"{expo.api}/holds", json={"booth_code": "102"}, headers=second.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "booth-taken"


async def test_holding_the_same_booth_again_keeps_the_one_hold(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    first = (await client.post(f"{expo.api}/holds", json={"booth_code": "103"}, headers=acme.headers)).json()
    again = (await client.post(f"{expo.api}/holds", json={"booth_code": "103"}, headers=acme.headers)).json()
    assert again["id"] == first["id"]
    assert len((await client.get(f"{expo.api}/holds", headers=acme.headers)).json()) == 1


async def test_expired_hold_frees_the_booth_by_time_alone(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, clock: Clock
) -> None:
    first, second = await make_partner("First"), await make_partner("Second")
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": "104"}, headers=first.headers)).json()
    clock.advance(timedelta(minutes=31))
    public = (await client.get(f"{expo.api}/booths")).json()
    assert next(b for b in public if b["code"] == "104")["status"] == "available"
    taken = await client.post(f"{expo.api}/holds", json={"booth_code": "104"}, headers=second.headers)
    assert taken.status_code == 201
    late = await client.post(
        f"{expo.api}/holds/{held['id']}/checkout", json={"method": "invoice"}, headers=first.headers
    )
    assert late.status_code == 409
    assert late.json()["code"] == "hold-not-live"


async def test_a_partner_may_hold_only_so_many_booths_at_once(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    held = [
        await client.post(f"{expo.api}/holds", json={"booth_code": c}, headers=acme.headers) for c in ("101", "102")
    ]
    assert [r.status_code for r in held] == [201, 201]
    third = await client.post(f"{expo.api}/holds", json={"booth_code": "103"}, headers=acme.headers)
    assert third.status_code == 409
    assert third.json()["code"] == "hold-limit-reached"
    released = await client.delete(f"{expo.api}/holds/{held[0].json()['id']}", headers=acme.headers)
    assert released.json()["status"] == "released"
    assert (await client.post(f"{expo.api}/holds", json={"booth_code": "103"}, headers=acme.headers)).status_code == 201
    public = (await client.get(f"{expo.api}/booths")).json()
    assert next(b for b in public if b["code"] == "101")["status"] == "available"


async def test_booking_opens_for_the_best_tiers_first(
    client: Client, db: AsyncSession, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    # Replace the open-to-everyone window with tiered ones: platinum now, gold next week.
    for window in await rules.list_windows(db, conference=expo.conference):
        await rules.delete_window(db, conference=expo.conference, window_id=window.id, actor=None)
    start = datetime.now(UTC) - timedelta(minutes=1)
    await rules.create_window(
        db,
        conference=expo.conference,
        actor=None,
        data=WindowIn(name="Platinum", opens_at=start, tier_id=expo.tiers["platinum"].id),
    )
    await rules.create_window(
        db,
        conference=expo.conference,
        actor=None,
        data=WindowIn(name="Gold", opens_at=start + timedelta(days=7), tier_id=expo.tiers["gold"].id),
    )
    await rules.create_window(
        db, conference=expo.conference, actor=None, data=WindowIn(name="Veterans", opens_at=start, min_points=400)
    )
    await db.commit()
    platinum = await make_partner("Plat Co", tier="platinum")
    gold = await make_partner("Gold Co", tier="gold")
    veteran_gold = await make_partner("Old Gold Co", tier="gold", years=12)  # 300 + 120 points
    exhibitor = await make_partner("Small Co")

    assert (
        await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=platinum.headers)
    ).status_code == 201
    early = await client.post(f"{expo.api}/holds", json={"booth_code": "102"}, headers=gold.headers)
    assert early.status_code == 409
    assert early.json()["code"] == "booking-not-open"
    assert early.json()["opens_at"].startswith(str((start + timedelta(days=7)).date()))
    access = (await client.get(f"{expo.api}/access", headers=veteran_gold.headers)).json()
    assert access == {**access, "points": 420, "window": "Veterans", "open_now": True}
    assert (
        await client.post(f"{expo.api}/holds", json={"booth_code": "102"}, headers=veteran_gold.headers)
    ).status_code == 201
    none = await client.post(f"{expo.api}/holds", json={"booth_code": "103"}, headers=exhibitor.headers)
    assert none.json()["code"] == "booking-not-open"


async def test_the_next_hold_follows_a_change_to_the_booking_terms(
    client: Client, db: AsyncSession, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme Paving")
    first = await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=acme.headers)
    assert first.status_code == 201  # the terms are kept by the app's process now
    # Changed through a session of its own, as another process (or the back office) would.
    await rules.save_settings(db, conference=expo.conference, data=ExpoSettingsIn(hold_minutes=5), actor=None)
    await db.commit()
    shorter = await client.post(f"{expo.api}/holds", json={"booth_code": "105"}, headers=acme.headers)
    assert shorter.status_code == 201, shorter.text
    held_for = datetime.fromisoformat(shorter.json()["expires_at"]) - datetime.now(UTC)
    assert timedelta(minutes=4) < held_for <= timedelta(minutes=5)
    for window in await rules.list_windows(db, conference=expo.conference):
        await rules.delete_window(db, conference=expo.conference, window_id=window.id, actor=None)
    await db.commit()
    closed = await client.post(f"{expo.api}/holds", json={"booth_code": "107"}, headers=acme.headers)
    assert closed.status_code == 409
    assert closed.json()["code"] == "booking-not-open"


async def test_competitors_in_an_exclusive_category_are_kept_apart(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme Paving", categories=("paving",))
    rival = await make_partner("Rival Paving", categories=("paving",))
    coder = await make_partner("Coder", categories=("software",))
    assert (await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=acme.headers)).status_code == 201
    # 103 is 10 ft from 101 (one booth between); the default keeps competitors 20 ft apart.
    near = await client.post(f"{expo.api}/holds", json={"booth_code": "103"}, headers=rival.headers)
    assert near.status_code == 409
    problem = near.json()
    assert problem["code"] == "competitor-nearby"
    assert problem["competitor_booth"] == "101"
    assert "10 ft" in problem["detail"]
    assert "Paving" in problem["detail"]
    assert (
        await client.post(f"{expo.api}/holds", json={"booth_code": "104"}, headers=rival.headers)
    ).status_code == 201
    # Software is not exclusive: a neighbour is fine.
    assert (
        await client.post(f"{expo.api}/holds", json={"booth_code": "102"}, headers=coder.headers)
    ).status_code == 201


async def test_other_partners_bookings_are_not_visible(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme, other = await make_partner("Acme"), await make_partner("Other")
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": "106"}, headers=acme.headers)).json()
    booked = (
        await client.post(f"{expo.api}/holds/{held['id']}/checkout", json={"method": "invoice"}, headers=acme.headers)
    ).json()["booking"]
    assert (await client.get(f"{expo.api}/bookings", headers=other.headers)).json() == []
    assert (await client.get(f"{expo.api}/bookings/{booked['id']}", headers=other.headers)).status_code == 404
    assert (await client.delete(f"{expo.api}/holds/{held['id']}", headers=other.headers)).status_code == 404


async def test_a_partner_user_without_a_partner_cannot_hold(client: Client, expo: ExpoWorld, partner: Caller) -> None:
    response = await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=partner.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not-a-partner-contact"


async def test_staff_assign_move_and_release_booths_and_each_is_audited(
    client: Client, db: AsyncSession, expo: ExpoWorld, make_partner: MakePartner, staff: Caller
) -> None:
    acme, other = await make_partner("Acme"), await make_partner("Other")
    booth_101, booth_107 = expo.booths["101"], expo.booths["107"]
    (await client.post(f"{expo.api}/holds", json={"booth_code": "107"}, headers=other.headers))
    assigned = await client.post(
        f"{expo.api}/booths/{booth_101.id}/assign",
        json={"partner_id": str(acme.partner.id), "note": "Sponsor perk", "price_cents": 0},
        headers=staff.headers,
    )
    assert assigned.status_code == 201
    booking_id = assigned.json()["id"]
    assert (assigned.json()["status"], assigned.json()["price_cents"]) == ("confirmed", 0)
    blocked = await client.post(
        f"{expo.api}/bookings/{booking_id}/move", json={"booth_id": str(booth_107.id)}, headers=staff.headers
    )
    assert blocked.json()["code"] == "booth-taken"
    moved = await client.post(
        f"{expo.api}/bookings/{booking_id}/move", json={"booth_id": str(expo.booths["108"].id)}, headers=staff.headers
    )
    assert moved.json()["booth_code"] == "108"
    released = await client.post(
        f"{expo.api}/booths/{expo.booths['108'].id}/release", json={"note": "Withdrew"}, headers=staff.headers
    )
    assert released.json()["status"] == "available"
    not_allowed = await client.post(
        f"{expo.api}/booths/{booth_101.id}/assign", json={"partner_id": str(acme.partner.id)}, headers=acme.headers
    )
    assert not_allowed.status_code == 403
    actions = list(
        await db.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == staff.email).order_by(AuditEvent.created_at)
        )
    )
    assert actions == ["booth.assigned", "booth.moved", "booth.cancelled"]
    public = {b["code"]: b["status"] for b in (await client.get(f"{expo.api}/booths")).json()}
    assert (public["101"], public["107"], public["108"]) == ("available", "held", "available")
