"""Prices by period, the types' rules, and promo codes, as a buyer meets them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.clock import now
from events_app.core.errors import Conflict, Invalid
from events_app.registration import checkout, promo, quote
from events_app.registration.models import AttendeeStatus, DiscountKind, OrderStatus, PaymentMethod
from events_app.registration.schemas import AttendeeIn, OrderIn, PromoCodeIn
from events_app.settings import Settings
from tests.registration.conftest import World

URL = "/api/conferences/annual-2027/registration"


def one(world: World, email: str = "mayor@fresno.gov", **extra: Any) -> OrderIn:
    attendees = extra.pop("attendees", None) or [
        AttendeeIn(registration_type_id=extra.pop("type_id", world.full.id), first_name="Maria", last_name="Ruiz",
                   email=email)
    ]  # fmt: skip
    return OrderIn(buyer_name="Maria Ruiz", buyer_email=email, attendees=attendees, **extra)


async def _total(db: AsyncSession, settings: Settings, world: World, data: OrderIn, *, days: int = 0) -> int:
    priced = await quote.price_order(
        db, settings=settings, conference=world.conference, data=data, at=now() + timedelta(days=days)
    )
    return priced.total_cents


async def test_early_bird_regular_and_on_site_prices_follow_the_calendar(
    db: AsyncSession, settings: Settings, world: World
) -> None:
    assert await _total(db, settings, world, one(world)) == 50000
    assert await _total(db, settings, world, one(world), days=31) == 60000
    assert await _total(db, settings, world, one(world), days=301) == 70000
    assert await _total(db, settings, world, one(world, "someone@example.com"), days=31) == 120000


async def test_one_day_pass_is_priced_for_its_day(db: AsyncSession, settings: Settings, world: World) -> None:
    assert await _total(db, settings, world, one(world, type_id=world.one_day.id)) == 25000


async def test_a_guest_pass_needs_a_primary_attendee_on_the_same_order(
    db: AsyncSession, settings: Settings, world: World
) -> None:
    alone = one(world, type_id=world.guest.id)
    with pytest.raises(Invalid) as refused:
        await _total(db, settings, world, alone)
    assert refused.value.code == "guest-needs-primary"
    together = one(
        world,
        attendees=[
            AttendeeIn(registration_type_id=world.full.id, first_name="Maria", last_name="Ruiz",
                       email="mayor@fresno.gov"),
            AttendeeIn(registration_type_id=world.guest.id, first_name="Jo", last_name="Ruiz",
                       email="mayor@fresno.gov", guest_of=0),
        ],
    )  # fmt: skip
    assert await _total(db, settings, world, together) == 50000 + 15000


async def test_comps_need_a_code_and_exhibitor_staff_are_never_sold(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    with pytest.raises(Invalid) as refused:
        await _total(db, settings, world, one(world, type_id=world.speaker.id))
    assert refused.value.code == "code-required"
    public = {t["name"] for t in (await client.get(f"{URL}/types")).json()}
    assert public == {"Full conference", "Thursday only", "Guest"}


async def test_a_speaker_code_registers_for_free_with_no_payment(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Any
) -> None:
    created = await client.post(
        f"{URL}/promo-codes",
        headers=organizer.headers,
        json={"code": "speaker27", "kind": "percent", "value": 100, "registration_type_ids": [str(world.speaker.id)]},
    )
    assert created.status_code == 201, created.text
    order = {
        "buyer_name": "Dr. Speaker",
        "buyer_email": "speaker@university.edu",
        "promo_code": "SPEAKER27",
        "payment_method": "card",
        "attendees": [{"registration_type_id": str(world.speaker.id), "first_name": "Ada", "last_name": "Speaker",
                       "email": "speaker@university.edu"}],
    }  # fmt: skip
    placed = (await client.post(f"{URL}/orders", json=order)).json()
    assert placed["status"] == OrderStatus.PAID
    assert placed["payment_method"] == PaymentMethod.NONE
    assert placed["attendees"][0]["status"] == AttendeeStatus.CONFIRMED
    codes = (await client.get(f"{URL}/promo-codes", headers=organizer.headers)).json()
    assert codes[0]["uses"] == 1


async def test_promo_codes_apply_to_their_types_within_their_window_and_uses(
    db: AsyncSession, settings: Settings, world: World
) -> None:
    moment = now()
    await promo.create_code(
        db,
        conference=world.conference,
        actor=None,
        data=PromoCodeIn(code="CLERKS50", kind=DiscountKind.FIXED, value=5000, max_uses=2,
                         registration_type_ids=[world.full.id], valid_until=moment + timedelta(days=5)),
    )  # fmt: skip
    await promo.create_code(
        db,
        conference=world.conference,
        actor=None,
        data=PromoCodeIn(code="TENOFF", kind=DiscountKind.PERCENT, value=10),
    )
    await db.commit()
    assert await _total(db, settings, world, one(world, promo_code="clerks50")) == 45000
    assert await _total(db, settings, world, one(world, promo_code="tenoff")) == 45000
    with pytest.raises(Invalid) as not_for_type:
        await _total(db, settings, world, one(world, type_id=world.one_day.id, promo_code="CLERKS50"))
    assert not_for_type.value.code == "promo-code-not-applicable"
    with pytest.raises(Invalid) as expired:
        await _total(db, settings, world, one(world, promo_code="CLERKS50"), days=6)
    assert expired.value.code == "promo-code-expired"
    with pytest.raises(Invalid) as unknown:
        await _total(db, settings, world, one(world, promo_code="NOPE123"))
    assert unknown.value.code == "promo-code-invalid"

    for n in range(2):
        await checkout.place_order(
            db,
            settings=settings,
            conference=world.conference,
            data=one(world, f"p{n}@fresno.gov", promo_code="CLERKS50"),
        )
    await db.commit()
    with pytest.raises(Conflict) as used_up:
        await checkout.place_order(
            db, settings=settings, conference=world.conference, data=one(world, "p3@fresno.gov", promo_code="CLERKS50")
        )
    assert used_up.value.code == "promo-code-used-up"


async def test_exhibitor_staff_cannot_be_bought_even_by_id(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World
) -> None:
    from events_app.registration import service

    exhibitor = await service.exhibitor_type(db, conference_id=world.conference.id)
    await db.commit()
    body = {
        "buyer_name": "Sneaky",
        "buyer_email": "sneaky@example.com",
        "attendees": [{"registration_type_id": str(exhibitor.id), "first_name": "S", "last_name": "N",
                       "email": "sneaky@example.com"}],
    }  # fmt: skip
    response = await client.post(f"{URL}/orders", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "type-not-for-sale"


async def test_a_type_sells_only_within_its_sale_window(
    client: AsyncTestClient[Litestar], world: World, organizer: Any
) -> None:
    later = (now() + timedelta(days=3)).isoformat()
    created = await client.post(
        f"{URL}/types",
        headers=organizer.headers,
        json={"name": "Mobile tour: Port of Long Beach", "kind": "full", "member_price_cents": 4500,
              "non_member_price_cents": 4500, "capacity": 40, "sale_starts_at": later},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    body = {
        "buyer_name": "Early",
        "buyer_email": "early@fresno.gov",
        "attendees": [{"registration_type_id": created.json()["id"], "first_name": "E", "last_name": "Arly",
                       "email": "early@fresno.gov"}],
    }  # fmt: skip
    response = await client.post(f"{URL}/quote", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "sale-not-started"


async def test_only_organizers_manage_types_and_codes(
    client: AsyncTestClient[Litestar], world: World, partner: Any, staff: Any
) -> None:
    body = {"name": "Free for all", "kind": "full", "member_price_cents": 0, "non_member_price_cents": 0}
    assert (await client.post(f"{URL}/types", json=body)).status_code == 401
    assert (await client.post(f"{URL}/types", json=body, headers=partner.headers)).status_code == 403
    assert (await client.post(f"{URL}/types", json=body, headers=staff.headers)).status_code == 403
    code = {"code": "ALLFREE", "kind": "percent", "value": 100}
    assert (await client.post(f"{URL}/promo-codes", json=code, headers=staff.headers)).status_code == 403
    assert (await client.get(f"{URL}/counts", headers=staff.headers)).status_code == 200
