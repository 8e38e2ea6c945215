"""What organizers read about registration: the order search, the attendee export and the live counts."""

from __future__ import annotations

import uuid
from collections import Counter

from litestar.pagination import OffsetPagination
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.clock import now
from events_app.core.pagination import paginate
from events_app.core.spreadsheet import csv_file
from events_app.registration.capacity import holds_seat, live_offer
from events_app.registration.models import (
    Attendee,
    AttendeeStatus,
    Order,
    OrderStatus,
    PaymentMethod,
    Rate,
    WaitlistEntry,
    WaitlistStatus,
)
from events_app.registration.schemas import TypeCount
from events_app.registration.service import list_types


async def search_orders(
    db: AsyncSession,
    *,
    conference_id: uuid.UUID,
    search: str | None,
    status: OrderStatus | None,
    limit: int,
    offset: int,
    payment_method: PaymentMethod | None = None,
    registration_type_id: uuid.UUID | None = None,
    city: str | None = None,
) -> OffsetPagination[Order]:
    """Orders newest first; ``search`` matches the number, the buyer, or any attendee's name, email or city.

    ``registration_type_id`` and ``city`` (part of a city's name) keep the orders with an attendee of that type
    or from that city.
    """
    query = select(Order).where(Order.conference_id == conference_id).order_by(Order.created_at.desc())
    if status is not None:
        query = query.where(Order.status == status)
    if payment_method is not None:
        query = query.where(Order.payment_method == payment_method)
    if registration_type_id is not None:
        of_type = select(Attendee.order_id).where(Attendee.registration_type_id == registration_type_id)
        query = query.where(Order.id.in_(of_type.scalar_subquery()))
    if city:
        from_city = select(Attendee.order_id).where(
            func.lower(Attendee.city_name).contains(city.strip().lower(), autoescape=True)
        )
        query = query.where(Order.id.in_(from_city.scalar_subquery()))
    if search:
        needle = search.strip().lower()
        attendee_match = (
            select(Attendee.order_id)
            .where(
                or_(
                    func.lower(Attendee.email).contains(needle, autoescape=True),
                    func.lower(Attendee.first_name + " " + Attendee.last_name).contains(needle, autoescape=True),
                    func.lower(Attendee.city_name).contains(needle, autoescape=True),
                )
            )
            .scalar_subquery()
        )
        query = query.where(
            or_(
                func.lower(Order.number).contains(needle, autoescape=True),
                func.lower(Order.buyer_name).contains(needle, autoescape=True),
                func.lower(Order.buyer_email).contains(needle, autoescape=True),
                Order.id.in_(attendee_match),
            )
        )
    return await paginate(db, query, limit=limit, offset=offset)


EXPORT_COLUMNS = (
    "attendee_id", "order_number", "status", "registration_type", "first_name", "last_name", "badge_name", "title",
    "organization", "email", "city", "member_rate", "price", "discount", "paid_status", "consent_to_share_contact",
    "dietary_needs", "accessibility_needs", "badge_version",
)  # fmt: skip


def _dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


async def export_attendees_csv(db: AsyncSession, *, conference_id: uuid.UUID) -> str:
    """Every attendee of the conference as CSV (amounts in dollars and cents), safe to open in a spreadsheet."""
    rows = (
        await db.execute(
            select(Attendee, Order.number, Order.status, Order.currency)
            .join(Order, Order.id == Attendee.order_id)
            .where(Attendee.conference_id == conference_id)
            .order_by(Attendee.last_name, Attendee.first_name, Attendee.created_at)
        )
    ).all()
    return await csv_file(
        EXPORT_COLUMNS,
        (
            (
                attendee.id, number, attendee.status.value, attendee.registration_type.name, attendee.first_name,
                attendee.last_name, attendee.badge_name, attendee.title, attendee.organization, attendee.email,
                attendee.city_name, "yes" if attendee.rate == Rate.MEMBER else "no",
                _dollars(attendee.price_cents), _dollars(attendee.discount_cents), order_status.value,
                "yes" if attendee.consent_to_share_contact else "no", attendee.dietary_needs,
                attendee.accessibility_needs, attendee.badge_version,
            )
            for attendee, number, order_status, _currency in rows
        ),
    )  # fmt: skip


async def _waitlist_per_type(
    db: AsyncSession, type_ids: list[uuid.UUID], condition: ColumnElement[bool]
) -> Counter[uuid.UUID]:
    rows = await db.execute(
        select(WaitlistEntry.registration_type_id, func.count())
        .where(WaitlistEntry.registration_type_id.in_(type_ids), condition)
        .group_by(WaitlistEntry.registration_type_id)
    )
    return Counter(dict(rows.all()))


async def live_counts(db: AsyncSession, *, conference_id: uuid.UUID) -> list[TypeCount]:
    """Seats per type right now: confirmed, held by live holds, offered to the waitlist, and left."""
    moment = now()
    types = await list_types(db, conference_id=conference_id)
    ids = [t.id for t in types]
    rows = await db.execute(
        select(Attendee.registration_type_id, Attendee.status, func.count())
        .join(Order, Order.id == Attendee.order_id)
        .where(Attendee.registration_type_id.in_(ids), holds_seat(moment))
        .group_by(Attendee.registration_type_id, Attendee.status)
    )
    confirmed: Counter[uuid.UUID] = Counter()
    held: Counter[uuid.UUID] = Counter()
    for type_id, status, count in rows:
        (confirmed if status == AttendeeStatus.CONFIRMED else held)[type_id] += count
    offered = await _waitlist_per_type(db, ids, live_offer(moment))
    waiting = await _waitlist_per_type(db, ids, WaitlistEntry.status == WaitlistStatus.WAITING)
    counts = []
    for t in types:
        taken = confirmed[t.id] + held[t.id] + offered[t.id]
        counts.append(
            TypeCount(
                registration_type_id=t.id,
                name=t.name,
                capacity=t.capacity,
                confirmed=confirmed[t.id],
                held=held[t.id],
                offered=offered[t.id],
                left=None if t.capacity is None else max(t.capacity - taken, 0),
                waitlist=waiting[t.id],
            )
        )
    return counts
