"""Organizers run the Partner Program; each partner sees where its priority points come from."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.expo import partners
from events_app.expo.models import BusinessCategory, Partner
from tests.conftest import Caller
from tests.expo.conftest import ExpoWorld, MakePartner

Client = AsyncTestClient[Litestar]


async def test_a_new_partner_starts_with_tier_and_years_points_it_can_see(
    client: Client, expo: ExpoWorld, organizer: Caller, partner: Caller
) -> None:
    created = await client.post(
        "/api/expo/partners",
        headers=organizer.headers,
        json={
            "name": "Golden Paving Inc.",
            "tier_id": str(expo.tiers["gold"].id),
            "years_exhibited": 4,
            "category_ids": [str(expo.categories["paving"].id)],
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["slug"], body["points"], body["tier"]["name"]) == ("golden-paving-inc", 340, "Gold")
    partner_id = body["id"]
    linked = await client.post(
        f"/api/expo/partners/{partner_id}/contacts", json={"user_id": str(partner.user_id)}, headers=organizer.headers
    )
    assert linked.status_code == 201
    sponsorship = await client.post(
        f"/api/expo/partners/{partner_id}/points",
        headers=organizer.headers,
        json={"points": 100, "reason": "sponsorship", "note": "Keynote lunch"},
    )
    assert sponsorship.status_code == 201
    promoted = await client.patch(
        f"/api/expo/partners/{partner_id}", headers=organizer.headers, json={"tier_id": str(expo.tiers["platinum"].id)}
    )
    assert promoted.json()["points"] == 640

    ledger = (await client.get("/api/expo/me/points", headers=partner.headers)).json()
    assert ledger["balance"] == 640
    assert [(e["reason"], e["points"]) for e in ledger["entries"]] == [
        ("tier", 300),
        ("years", 40),
        ("sponsorship", 100),
        ("tier", 200),
    ]
    assert (await client.get("/api/expo/me", headers=partner.headers)).json()["tier"]["slug"] == "platinum"
    assert (await client.get(f"/api/expo/partners/{partner_id}/points", headers=partner.headers)).status_code == 403


async def test_a_user_acts_for_one_partner_only(
    client: Client, expo: ExpoWorld, organizer: Caller, make_partner: MakePartner, staff: Caller
) -> None:
    acme, other = await make_partner("Acme"), await make_partner("Other")
    taken = await client.post(
        f"/api/expo/partners/{other.partner.id}/contacts",
        json={"user_id": str(acme.caller.user_id)},
        headers=organizer.headers,
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "contact-taken")
    not_partner = await client.post(
        f"/api/expo/partners/{other.partner.id}/contacts",
        json={"user_id": str(staff.user_id)},
        headers=organizer.headers,
    )
    assert not_partner.json()["code"] == "not-a-partner-user"
    removed = await client.delete(
        f"/api/expo/partners/{acme.partner.id}/contacts/{acme.caller.user_id}", headers=organizer.headers
    )
    assert removed.status_code == 204
    assert (await client.get("/api/expo/me", headers=acme.headers)).json()["code"] == "not-a-partner-contact"


async def test_tiers_are_ranked_uniquely(client: Client, expo: ExpoWorld, organizer: Caller) -> None:
    clash = await client.post(
        "/api/expo/tiers", json={"slug": "diamond", "name": "Diamond", "rank": 1}, headers=organizer.headers
    )
    assert clash.json()["code"] == "tier-rank-taken"
    tiers = (await client.get("/api/expo/tiers")).json()
    assert [t["slug"] for t in tiers] == ["platinum", "gold", "silver", "exhibitor"]


async def test_booking_windows_are_for_a_tier_or_a_points_band(
    client: Client, expo: ExpoWorld, organizer: Caller
) -> None:
    both = await client.post(
        f"{expo.api}/windows",
        headers=organizer.headers,
        json={
            "name": "Confused",
            "opens_at": "2027-01-01T17:00:00Z",
            "tier_id": str(expo.tiers["gold"].id),
            "min_points": 5,
        },
    )
    assert both.json()["code"] == "window-tier-and-points"
    band = await client.post(
        f"{expo.api}/windows",
        headers=organizer.headers,
        json={"name": "Big sponsors", "opens_at": "2025-12-01T17:00:00Z", "min_points": 800},
    )
    assert band.status_code == 201
    windows = (await client.get(f"{expo.api}/windows")).json()
    assert [w["name"] for w in windows] == ["Big sponsors", "Everyone"]


async def test_refund_bands_may_only_shrink_over_time(client: Client, expo: ExpoWorld, organizer: Caller) -> None:
    response = await client.put(
        f"{expo.api}/settings",
        headers=organizer.headers,
        json={
            "refund_bands": [
                {"cancel_before": "2027-06-01T00:00:00Z", "refund_percent": 50},
                {"cancel_before": "2027-08-01T00:00:00Z", "refund_percent": 80},
            ]
        },
    )
    assert response.json()["code"] == "refund-bands-increase"


async def test_who_a_partner_user_acts_for_follows_changes_made_elsewhere(
    client: Client, db: AsyncSession, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme Paving", categories=("paving",))
    rival = await make_partner("Rival Paving")
    holds = f"{expo.api}/holds"
    assert (await client.get(holds, headers=acme.headers)).status_code == 200  # the partner is kept now
    assert (await client.post(holds, json={"booth_code": "101"}, headers=rival.headers)).status_code == 201
    # Each change through a session of its own, as another process (or the back office) would make it.
    paving = await db.scalar(select(BusinessCategory).where(BusinessCategory.slug == "paving"))
    assert paving is not None
    rival_partner = await db.get_one(Partner, rival.partner.id)
    await db.refresh(rival_partner, ["categories"])
    rival_partner.categories = [paving]
    await db.commit()
    near = await client.post(holds, json={"booth_code": "103"}, headers=acme.headers)  # 10 ft from the rival
    assert near.json()["code"] == "competitor-nearby", near.text
    paving.exclusive = False
    await db.commit()
    assert (await client.post(holds, json={"booth_code": "103"}, headers=acme.headers)).status_code == 201
    await partners.remove_contact(db, partner=acme.partner, user_id=acme.caller.user_id, actor=None)
    await db.commit()
    assert (await client.get(holds, headers=acme.headers)).status_code == 404
