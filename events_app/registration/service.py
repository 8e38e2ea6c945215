"""Registration rules: types and their sale, direct registrations by other domains, and the cancellation policy.

An order goes through ``quote``, ``checkout``, ``payment_events`` and ``cancellation``;
organizers read them through ``reports``. This module holds what an organizer sets up
and what other domains call: the expo names its booth staff with ``add_exhibitor_staff``,
organizers and tests register someone with no payment through ``add_confirmed_attendee``.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.models import Conference
from events_app.conferences.service import look_up_cities
from events_app.core.clock import now
from events_app.db import Base
from events_app.registration import capacity
from events_app.registration.errors import (
    AttendeeNotFound,
    CapacityBelowTaken,
    CompNeedsCode,
    DayOnlyForOneDay,
    DayOutsideConference,
    EarlyBirdNeedsDeadline,
    ExhibitorNotPublic,
    FeeOver100Percent,
    OneDayNeedsDay,
    OnsiteNeedsDate,
    PolicyDatesOrder,
    RegistrationTypeNotFound,
    SaleEndsBeforeStart,
    TypeNameTaken,
)
from events_app.registration.models import (
    COMP_KINDS,
    Attendee,
    AttendeeStatus,
    CancellationPolicy,
    DiscountKind,
    Order,
    OrderSource,
    OrderStatus,
    PaymentMethod,
    PromoCode,
    RegistrationType,
    TypeKind,
    Visibility,
)
from events_app.registration.pricing import check_member
from events_app.registration.schemas import PolicyIn, TypeIn, TypePatch

EXHIBITOR_TYPE_NAME = "Exhibitor staff"
_SUBJECT_TYPES: dict[type[Base], str] = {
    Order: "order",
    Attendee: "attendee",
    RegistrationType: "registration_type",
    PromoCode: "promo_code",
    CancellationPolicy: "cancellation_policy",
}
_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I: numbers are read out on the phone


def new_order_number() -> str:
    return "R-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(7))


async def audit(
    db: AsyncSession,
    subject: Order | Attendee | RegistrationType | PromoCode | CancellationPolicy,
    action: str,
    *,
    actor: Principal | None,
    **details: Any,
) -> None:
    """The audit record of what happened to one of registration's records, filed under its conference."""
    await record(
        db,
        actor=actor,
        action=action,
        subject_type=_SUBJECT_TYPES[type(subject)],
        subject_id=subject.id,
        conference_id=subject.conference_id,
        **details,
    )


def _check_type(registration_type: RegistrationType) -> None:
    t = registration_type
    if t.kind == TypeKind.ONE_DAY and t.valid_on is None:
        raise OneDayNeedsDay("A one-day pass needs the day it is good for (valid_on).")
    if t.kind != TypeKind.ONE_DAY and t.valid_on is not None:
        raise DayOnlyForOneDay("Only a one-day pass has a day (valid_on).")
    if t.kind in COMP_KINDS and t.visibility != Visibility.CODE_ONLY:
        raise CompNeedsCode("A comp is given with a code, never sold publicly: make it code_only.")
    if t.kind == TypeKind.EXHIBITOR and t.visibility != Visibility.CODE_ONLY:
        raise ExhibitorNotPublic("Exhibitor staff are named by the expo, never sold publicly.")
    if t.early_bird_until is None and (
        t.early_member_price_cents is not None or t.early_non_member_price_cents is not None
    ):
        raise EarlyBirdNeedsDeadline("Early-bird prices need an early_bird_until date.")
    onsite_prices = t.onsite_member_price_cents is not None or t.onsite_non_member_price_cents is not None
    if t.onsite_from is None and onsite_prices:
        raise OnsiteNeedsDate("On-site prices need an onsite_from date.")
    if t.sale_starts_at is not None and t.sale_ends_at is not None and t.sale_ends_at <= t.sale_starts_at:
        raise SaleEndsBeforeStart("A sale must end after it starts.")


async def create_type(
    db: AsyncSession, *, conference: Conference, data: TypeIn, actor: Principal | None
) -> RegistrationType:
    """Adds a registration type; comps and exhibitor staff are code-only whatever was asked."""
    fields = msgspec.structs.asdict(data)
    if fields["visibility"] is None:
        hidden = data.kind in COMP_KINDS or data.kind == TypeKind.EXHIBITOR
        fields["visibility"] = Visibility.CODE_ONLY if hidden else Visibility.PUBLIC
    if data.valid_on is not None and not conference.starts_on <= data.valid_on <= conference.ends_on:
        raise DayOutsideConference("A one-day pass must be for a day of the conference.")
    if await db.scalar(
        select(RegistrationType.id).where(
            RegistrationType.conference_id == conference.id, func.lower(RegistrationType.name) == data.name.lower()
        )
    ):
        raise TypeNameTaken(f"This conference already has a type named {data.name!r}.")
    registration_type = RegistrationType(conference_id=conference.id, **fields)
    _check_type(registration_type)
    db.add(registration_type)
    await db.flush()
    await audit(db, registration_type, "registration.type_created", actor=actor, name=data.name)
    return registration_type


async def update_type(
    db: AsyncSession, *, registration_type: RegistrationType, data: TypePatch, actor: Principal | None
) -> RegistrationType:
    """Changes a type; a capacity below the seats already taken is refused."""
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    for key, value in changes.items():
        setattr(registration_type, key, value)
    _check_type(registration_type)
    if changes.get("capacity") is not None:
        await capacity.lock_types(db, {registration_type.id: 0})
        taken = (await capacity.seats_taken(db, type_ids=[registration_type.id], moment=now()))[registration_type.id]
        if changes["capacity"] < taken:
            raise CapacityBelowTaken(
                f"{taken} seats of {registration_type.name} are already taken; the capacity cannot be lower.",
            )
    await db.flush()
    await audit(db, registration_type, "registration.type_updated", actor=actor, changes=sorted(changes))
    return registration_type


async def list_types(
    db: AsyncSession, *, conference_id: uuid.UUID, public_only: bool = False
) -> list[RegistrationType]:
    """A conference's types in display order; ``public_only`` leaves out inactive and code-only ones."""
    query = (
        select(RegistrationType)
        .where(RegistrationType.conference_id == conference_id)
        .order_by(RegistrationType.position, RegistrationType.name)
    )
    if public_only:
        query = query.where(RegistrationType.active.is_(True), RegistrationType.visibility == Visibility.PUBLIC)
    return list(await db.scalars(query))


async def get_type(db: AsyncSession, *, conference_id: uuid.UUID, type_id: uuid.UUID) -> RegistrationType:
    registration_type = await db.get(RegistrationType, type_id)
    if registration_type is None or registration_type.conference_id != conference_id:
        raise RegistrationTypeNotFound("This conference has no registration type with this id.")
    return registration_type


async def add_confirmed_attendee(
    db: AsyncSession,
    *,
    conference_id: uuid.UUID,
    registration_type_id: uuid.UUID,
    first_name: str,
    last_name: str,
    email: str,
    badge_name: str = "",
    title: str = "",
    organization: str = "",
    city_id: uuid.UUID | None = None,
    city_name: str = "",
    consent_to_share_contact: bool = False,
    dietary_needs: str = "",
    accessibility_needs: str = "",
    buyer_name: str | None = None,
    buyer_email: str | None = None,
    source: OrderSource = OrderSource.ORGANIZER,
    actor: Principal | None = None,
    at: datetime | None = None,
) -> Attendee:
    """Registers one person at once with nothing to pay (a comp, exhibitor staff, an organizer's addition).

    The seat still counts against the type's capacity (409 ``sold-out`` when it is full).
    The attendee gets a one-attendee order of their own, paid with method ``none``.
    """
    moment = at or now()
    registration_type = await get_type(db, conference_id=conference_id, type_id=registration_type_id)
    cities = await look_up_cities(db, emails=[email], city_ids=[city_id] if city_id is not None else [])
    member = check_member(email, claimed_city=cities.named(city_id) if city_id is not None else None, cities=cities)
    await capacity.take_seats(db, wanted=Counter({registration_type.id: 1}), moment=moment)
    order = Order(
        conference_id=conference_id,
        number=new_order_number(),
        buyer_name=buyer_name or f"{first_name} {last_name}",
        buyer_email=(buyer_email or email).lower(),
        buyer_organization=organization,
        status=OrderStatus.PAID,
        source=source,
        payment_method=PaymentMethod.NONE,
        currency=registration_type.currency,
        paid_at=moment,
    )
    db.add(order)
    await db.flush()
    attendee = Attendee(
        conference_id=conference_id,
        order_id=order.id,
        registration_type=registration_type,
        status=AttendeeStatus.CONFIRMED,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        badge_name=(badge_name or first_name).strip(),
        title=title,
        organization=organization,
        email=email.lower(),
        city_id=member.city.id if member.city else None,
        city_name=member.city.name if member.city else city_name,
        rate=member.rate,
        rate_note=member.note,
        consent_to_share_contact=consent_to_share_contact,
        dietary_needs=dietary_needs,
        accessibility_needs=accessibility_needs,
        confirmed_at=moment,
    )
    db.add(attendee)
    await db.flush()
    await audit(
        db,
        attendee,
        "registration.attendee_added",
        actor=actor,
        registration_type=registration_type.name,
        source=source.value,
    )
    return attendee


async def exhibitor_type(db: AsyncSession, *, conference_id: uuid.UUID) -> RegistrationType:
    """The conference's exhibitor-staff type, created (free, code-only, no capacity) the first time it is needed."""
    query = (
        select(RegistrationType)
        .where(RegistrationType.conference_id == conference_id, RegistrationType.kind == TypeKind.EXHIBITOR)
        .order_by(RegistrationType.created_at)
        .limit(1)
    )
    if (found := await db.scalar(query)) is not None:
        return found
    try:
        async with db.begin_nested():
            created = RegistrationType(
                conference_id=conference_id,
                name=EXHIBITOR_TYPE_NAME,
                kind=TypeKind.EXHIBITOR,
                visibility=Visibility.CODE_ONLY,
                member_price_cents=0,
                non_member_price_cents=0,
                description="Staff of partner booths in the expo hall, named by their company.",
                position=100,
            )
            db.add(created)
    except IntegrityError:  # another request created it at the same moment
        return (await db.scalars(query)).one()
    return created


async def add_exhibitor_staff(
    db: AsyncSession,
    *,
    conference_id: uuid.UUID,
    organization: str,
    first_name: str,
    last_name: str,
    email: str,
    badge_name: str = "",
    title: str = "",
    actor: Principal | None = None,
) -> Attendee:
    """Registers a partner's booth staff member under the exhibitor type (called by the expo)."""
    registration_type = await exhibitor_type(db, conference_id=conference_id)
    return await add_confirmed_attendee(
        db,
        conference_id=conference_id,
        registration_type_id=registration_type.id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        badge_name=badge_name,
        title=title,
        organization=organization,
        city_name="",
        buyer_name=organization,
        source=OrderSource.EXPO,
        actor=actor,
    )


async def get_attendee(db: AsyncSession, *, conference_id: uuid.UUID, attendee_id: uuid.UUID) -> Attendee:
    """An attendee of this conference; other domains (the program's agendas) find people through it."""
    attendee = await db.get(Attendee, attendee_id)
    if attendee is None or attendee.conference_id != conference_id:
        raise AttendeeNotFound("This conference has no attendee with this id.")
    return attendee


async def get_policy(db: AsyncSession, *, conference_id: uuid.UUID) -> CancellationPolicy | None:
    return await db.scalar(select(CancellationPolicy).where(CancellationPolicy.conference_id == conference_id))


async def set_policy(
    db: AsyncSession, *, conference_id: uuid.UUID, data: PolicyIn, actor: Principal | None
) -> CancellationPolicy:
    """Sets the conference's cancellation policy (one per conference)."""
    if data.fee_kind == DiscountKind.PERCENT and data.fee_value > 100:
        raise FeeOver100Percent("A percentage fee is at most 100.")
    full, partial = data.full_refund_until, data.partial_refund_until
    if full is not None and partial is not None and partial < full:
        raise PolicyDatesOrder("The partial-refund period must end after the full-refund one.")
    policy = await get_policy(db, conference_id=conference_id)
    if policy is None:
        policy = CancellationPolicy(conference_id=conference_id, fee_kind=data.fee_kind)
        db.add(policy)
    for key, value in msgspec.structs.asdict(data).items():
        setattr(policy, key, value)
    await db.flush()
    await audit(db, policy, "registration.policy_set", actor=actor)
    return policy
