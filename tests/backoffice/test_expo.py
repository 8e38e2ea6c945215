"""The back office's expo: an organizer builds the Partner Program, sets the expo's rules and booking windows,
imports the floor plan (and is told why a document is refused), and places, moves, frees and cancels booths."""

from __future__ import annotations

import json
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role, User
from events_app.audit.models import AuditEvent
from events_app.expo import bookings, holds, partners
from events_app.expo.models import BookingStatus, BookingWindow, Booth, BoothBooking, Partner
from tests.backoffice.conftest import form, sign_in
from tests.conftest import Caller, MakeCaller
from tests.expo import conftest as expo_world
from tests.expo.conftest import ExpoWorld, MakePartner, plan_document

expo = expo_world.expo
make_partner = expo_world.make_partner

OFFICE = f"/office/c/{expo_world.SLUG}/expo"


async def office(app: Litestar, caller: Caller) -> AsyncTestClient[Litestar]:
    client = AsyncTestClient(app=app, base_url="http://testserver.local")
    await client.__aenter__()
    await sign_in(client, caller)
    return client


async def audited(db: AsyncSession, action: str) -> int:
    return len(list(await db.scalars(select(AuditEvent.id).where(AuditEvent.action == action))))


async def test_an_organizer_builds_the_partner_program(
    app: Litestar, db: AsyncSession, expo: ExpoWorld, organizer: Caller, make_caller: MakeCaller
) -> None:
    client = await office(app, organizer)
    tiers_before = await audited(db, "tier.created")
    try:
        tier = await client.post("/office/partners/tiers", data=form(client, name="Bronze", slug="bronze", rank="5"))
        assert "The tier is added." in tier.text
        assert await audited(db, "tier.created") == tiers_before + 1
        clash = await client.post("/office/partners/tiers", data=form(client, name="Tin", slug="tin", rank="5"))
        assert clash.status_code == 422
        assert "rank 5" in clash.text

        await client.post("/office/partners/categories", data=form(client, name="Lighting", slug="lighting"))
        lighting = next(c for c in await partners.list_categories(db) if c.slug == "lighting")
        added = await client.post(
            "/office/partners",
            data=form(
                client, name="Bright Lights Inc", tier_id=str(expo.tiers["gold"].id), years_exhibited="2",
                category_id=[str(lighting.id)],
            ),
        )  # fmt: skip
        assert "Bright Lights Inc" in added.text
        partner = await db.scalar(select(Partner).where(Partner.name == "Bright Lights Inc"))
        assert partner is not None
        assert await partners.points_balance(db, partner_id=partner.id) == 320  # gold's 300 + 10 a year

        contact = await make_caller(Role.PARTNER)
        page = await client.post(f"/office/partners/{partner.id}/contacts", data=form(client, email=contact.email))
        assert contact.email in page.text
        nobody = await client.post(f"/office/partners/{partner.id}/contacts", data=form(client, email="x@nowhere.test"))
        assert nobody.status_code == 422
        assert "name and a first password to make their account" in nobody.text
        short = await client.post(
            f"/office/partners/{partner.id}/contacts",
            data=form(client, email="Ana@Bright.test", name="Ana Lux", password="short"),
        )
        assert short.status_code == 422
        assert await db.scalar(select(User).where(User.email == "ana@bright.test")) is None
        created = await client.post(
            f"/office/partners/{partner.id}/contacts",
            data=form(client, email="Ana@Bright.test", name="Ana Lux", password="long enough pass"),
        )
        assert "Their exhibitor account is made" in created.text
        ana = await db.scalar(select(User).where(User.email == "ana@bright.test"))
        assert ana is not None
        assert ana.role == Role.PARTNER
        assert await audited(db, "account.user_created") == 1
        assert len(await partners.list_contacts(db, partner_id=partner.id)) == 2
        await client.post(f"/office/partners/{partner.id}/contacts/{ana.id}/remove", data=form(client, confirmed="yes"))

        await client.post(
            f"/office/partners/{partner.id}/points",
            data=form(client, points="25", reason="sponsorship", note="Lanyards"),
        )
        assert await partners.points_balance(db, partner_id=partner.id) == 345

        asked = await client.post(f"/office/partners/{partner.id}/contacts/{contact.user_id}/remove", data=form(client))
        assert "Yes, stop them" in asked.text
        assert len(await partners.list_contacts(db, partner_id=partner.id)) == 1
        await client.post(
            f"/office/partners/{partner.id}/contacts/{contact.user_id}/remove", data=form(client, confirmed="yes")
        )
        assert await partners.list_contacts(db, partner_id=partner.id) == []
    finally:
        await client.__aexit__(None, None, None)


async def test_the_floor_plan_round_trips_and_a_bad_document_says_why(
    app: Litestar, db: AsyncSession, expo: ExpoWorld, organizer: Caller
) -> None:
    client = await office(app, organizer)
    try:
        page = await client.get(f"{OFFICE}/floor-plan")
        assert "<svg" in page.text
        exported = await client.get(f"{OFFICE}/floor-plan.json")
        assert "attachment" in exported.headers["content-disposition"]
        doc = exported.json()
        doc["halls"][0]["booths"].append(
            {"code": "111", "kind": "inline", "price_cents": 150000, "rect": [110, 10, 10, 10]}
        )
        imported = await client.post(
            f"{OFFICE}/floor-plan",
            files={"document": ("plan.json", json.dumps(doc).encode(), "application/json")},
            data=form(client),
            follow_redirects=False,
        )
        assert imported.status_code == 303
        assert imported.headers["location"] == f"{OFFICE}/floor-plan?done=plan"
        codes = set(await db.scalars(select(Booth.code).where(Booth.conference_id == expo.conference.id)))
        assert "111" in codes
        assert len(codes) == 14

        outside = plan_document()
        outside["halls"][0]["booths"][0]["rect"] = [195, 10, 10, 10]
        refused = await client.post(f"{OFFICE}/floor-plan", data=form(client, text=json.dumps(outside)))
        assert refused.status_code == 422
        assert "outside hall A" in refused.text
        garbled = await client.post(f"{OFFICE}/floor-plan", data=form(client, text='{"format": "a drawing"}'))
        assert garbled.status_code == 422
        assert "not a floor plan" in garbled.text
        unchanged = set(await db.scalars(select(Booth.code).where(Booth.conference_id == expo.conference.id)))
        assert unchanged == codes
    finally:
        await client.__aexit__(None, None, None)


async def test_an_organizer_places_moves_and_cancels_a_booking_asking_first(
    app: Litestar, db: AsyncSession, expo: ExpoWorld, organizer: Caller, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme Paving", tier="gold")
    booth_101, booth_102 = expo.booths["101"], expo.booths["102"]
    client = await office(app, organizer)
    try:
        placed = await client.post(
            f"{OFFICE}/booths/{booth_101.id}/assign", data=form(client, partner_id=str(acme.partner.id), price="0")
        )
        assert "The partner is placed in the booth." in placed.text
        booking = await db.scalar(select(BoothBooking).where(BoothBooking.partner_id == acme.partner.id))
        assert booking is not None
        assert booking.status == BookingStatus.CONFIRMED

        taken = await client.post(
            f"{OFFICE}/booths/{booth_101.id}/assign", data=form(client, partner_id=str(acme.partner.id))
        )
        assert taken.status_code == 422

        await client.post(f"{OFFICE}/bookings/{booking.id}/move", data=form(client, booth_id=str(booth_102.id)))
        await db.refresh(booking)
        assert booking.booth_id == booth_102.id
        assert await audited(db, "booth.moved") == 1

        asked = await client.post(f"{OFFICE}/bookings/{booking.id}/cancel", data=form(client))
        assert "Yes, cancel the booking" in asked.text
        await db.refresh(booking)
        assert booking.status == BookingStatus.CONFIRMED
        await client.post(
            f"{OFFICE}/bookings/{booking.id}/cancel", data=form(client, confirmed="yes", note="Moved out")
        )
        await db.refresh(booking)
        assert booking.status == BookingStatus.CANCELLED
    finally:
        await client.__aexit__(None, None, None)


async def test_freeing_a_held_booth_asks_first(
    app: Litestar, db: AsyncSession, expo: ExpoWorld, organizer: Caller, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme Paving")
    booth = expo.booths["103"]
    await holds.hold_booth(
        db, conference=expo.conference, partner=acme.partner, booth=await db.get_one(Booth, booth.id), actor=None
    )
    await db.commit()
    client = await office(app, organizer)
    try:
        asked = await client.post(f"{OFFICE}/booths/{booth.id}/release", data=form(client))
        assert "End the hold on booth 103?" in asked.text
        await client.post(f"{OFFICE}/booths/{booth.id}/release", data=form(client, confirmed="yes"))
        page = await client.get(f"{OFFICE}/bookings")
        assert f'href="{OFFICE}/booths/{booth.id}/assign"' in page.text
    finally:
        await client.__aexit__(None, None, None)


async def test_rules_and_booking_windows(app: Litestar, db: AsyncSession, expo: ExpoWorld, organizer: Caller) -> None:
    client = await office(app, organizer)
    rules = {
        "hold_minutes": "20", "max_live_holds": "3", "card_payment_minutes": "15", "competitor_distance_ft": "30",
        "currency": "USD", "extra_staff_price": "125.00", "refund_bands": "2027-08-01 17:00 100\n2027-09-15 00:00 50",
    }  # fmt: skip
    try:
        saved = await client.post(f"{OFFICE}/settings", data=form(client, **rules))
        assert "2027-09-15 00:00 50" in saved.text
        wrong = await client.post(f"{OFFICE}/settings", data=form(client, **{**rules, "refund_bands": "soon 50"}))
        assert wrong.status_code == 422
        assert "refund band line 1" in wrong.text

        added = await client.post(
            f"{OFFICE}/windows",
            data=form(
                client, name="Gold first", opens_at="2027-03-01T09:00", who="tier", tier_id=str(expo.tiers["gold"].id)
            ),
        )
        assert "Gold first" in added.text
        window = await db.scalar(select(BookingWindow).where(BookingWindow.name == "Gold first"))
        assert window is not None
        assert window.opens_at.hour == 17  # 9:00 in Los Angeles

        asked = await client.post(f"{OFFICE}/windows/{window.id}/delete", data=form(client))
        assert "Yes, remove it" in asked.text
        await client.post(f"{OFFICE}/windows/{window.id}/delete", data=form(client, confirmed="yes"))
        assert await db.scalar(select(BookingWindow).where(BookingWindow.id == window.id)) is None
    finally:
        await client.__aexit__(None, None, None)


async def test_every_expo_page_opens_for_an_organizer(
    app: Litestar, db: AsyncSession, expo: ExpoWorld, organizer: Caller, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme Paving")
    client = await office(app, organizer)
    try:
        await client.post(
            f"{OFFICE}/booths/{expo.booths['105'].id}/assign", data=form(client, partner_id=str(acme.partner.id))
        )
        [booking] = await bookings.list_bookings(db, conference=expo.conference, partner=None)
        for path in (
            f"{OFFICE}/booths/{expo.booths['106'].id}/assign",
            f"{OFFICE}/bookings/{booking.id}/move",
            OFFICE,
            f"{OFFICE}/floor-plan",
            f"{OFFICE}/bookings",
            "/office/partners",
            f"/office/partners/{acme.partner.id}",
        ):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert 'aria-current="page"' in response.text, path
        assert (await client.get(f"/office/partners/{uuid.uuid4()}")).status_code == 404
    finally:
        await client.__aexit__(None, None, None)
