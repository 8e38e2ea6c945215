"""Other domains register people directly: the expo names booth staff, organizers add someone."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.errors import Conflict
from events_app.registration import service
from events_app.registration.models import Attendee, AttendeeStatus, Order, PaymentMethod, Rate, TypeKind
from events_app.registration.schemas import TypePatch
from tests.registration.conftest import World


async def test_expo_names_booth_staff_who_are_confirmed_exhibitors(db: AsyncSession, world: World) -> None:
    first = await service.add_exhibitor_staff(
        db,
        conference_id=world.conference.id,
        organization="Acme Paving",
        first_name="Rita",
        last_name="Lopez",
        email="Rita@AcmePaving.com",
    )
    second = await service.add_exhibitor_staff(
        db,
        conference_id=world.conference.id,
        organization="Acme Paving",
        first_name="Sam",
        last_name="Ng",
        email="sam@acmepaving.com",
    )
    await db.commit()
    assert first.status == AttendeeStatus.CONFIRMED
    assert first.registration_type.kind == TypeKind.EXHIBITOR
    assert first.registration_type_id == second.registration_type_id  # one exhibitor type per conference
    assert first.badge_name == "Rita"
    assert first.email == "rita@acmepaving.com"
    assert first.badge_version == 1
    order = await db.get(Order, first.order_id)
    assert order is not None
    assert order.payment_method == PaymentMethod.NONE
    assert order.total_cents == 0
    assert order.buyer_name == "Acme Paving"
    public = await service.list_types(db, conference_id=world.conference.id, public_only=True)
    assert TypeKind.EXHIBITOR not in {t.kind for t in public}


async def test_organizer_adds_a_member_official_with_the_city_recognised(db: AsyncSession, world: World) -> None:
    attendee = await service.add_confirmed_attendee(
        db,
        conference_id=world.conference.id,
        registration_type_id=world.speaker.id,
        first_name="Dana",
        last_name="Whitfield",
        email="dwhitfield@fresno.gov",
        title="Mayor",
    )
    await db.commit()
    assert attendee.city_id == world.fresno.id
    assert attendee.city_name == "Fresno"
    assert attendee.rate == Rate.MEMBER


async def test_a_direct_registration_still_respects_capacity(db: AsyncSession, world: World) -> None:
    await service.update_type(db, registration_type=world.speaker, data=TypePatch(capacity=1), actor=None)
    await service.add_confirmed_attendee(
        db,
        conference_id=world.conference.id,
        registration_type_id=world.speaker.id,
        first_name="Ann",
        last_name="One",
        email="ann@example.org",
    )
    await db.commit()
    with pytest.raises(Conflict) as refused:
        await service.add_confirmed_attendee(
            db,
            conference_id=world.conference.id,
            registration_type_id=world.speaker.id,
            first_name="Bob",
            last_name="Two",
            email="bob@example.org",
        )
    assert refused.value.code == "sold-out"
    await db.rollback()
    names = set(await db.scalars(select(Attendee.first_name)))
    assert names == {"Ann"}
