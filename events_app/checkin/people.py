"""What check-in reads about attendees from registration: one query shape, one small record.

Here check-in reads who someone is, whether their badge is current and whether their
order is settled, and finds people for the desk by part of a name. The one thing it
writes of registration's is the badge version, when the desk replaces a lost badge
(``printing.reprint``): registration raises it on cancel, refund and substitution, and
has no lost-badge step of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from events_app.checkin import codes
from events_app.checkin.errors import LookupTooShort
from events_app.checkin.models import Checkin, Station
from events_app.checkin.schemas import FirstCheckin, LookupHit
from events_app.conferences.models import Conference, MemberCity
from events_app.registration.models import (
    Attendee,
    AttendeeStatus,
    Order,
    OrderStatus,
    Rate,
    RegistrationType,
    TypeKind,
)

# Seen at the door: these never get in, whatever the badge says.
CANCELLED_STATUSES = frozenset({AttendeeStatus.CANCELLED, AttendeeStatus.REFUNDED})
# No badge of theirs is valid: cancelled, refunded, or handed to someone else.
INACTIVE_STATUSES = CANCELLED_STATUSES | {AttendeeStatus.SUBSTITUTED}


@dataclass(frozen=True, slots=True)
class Holder:
    """An attendee as the door sees them."""

    id: uuid.UUID
    conference_id: uuid.UUID
    order_id: uuid.UUID
    status: AttendeeStatus
    badge_version: int
    first_name: str
    last_name: str
    badge_name: str
    title: str
    organization: str
    email: str
    city: str
    registration_type: str
    registration_type_id: uuid.UUID
    registration_kind: TypeKind
    registration_position: int
    paid: bool
    # A member city's official on an order the city was invoiced for (and has not paid yet).
    invoiced_member: bool
    consent_to_share_contact: bool
    dietary_needs: str
    accessibility_needs: str
    # The others on the same order and whether each has checked in, when read with the holder
    # (``holder_with_group``): a door answers a scan with its group, in the scan's one read.
    group: tuple[Mate, ...] | None = None
    # Their check-in as it stood when read with the group (None: not in yet, or not read).
    first: FirstCheckin | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def active(self) -> bool:
        """Whether this registration still has a valid badge."""
        return self.status not in INACTIVE_STATUSES


@dataclass(frozen=True, slots=True)
class Mate:
    holder: Holder
    checked_in: bool


# The holder's columns, not entities: a door only reads them, and loading attendees and types as
# entities (instance state, identity map, the type's joined eager load) showed in a scan's profile.
# Columns are also always read as stored, never from the session's identity map (the desk's reprint
# raises a badge version under a long-lived session).
_HOLDER_COLUMNS = (
    Attendee.id,
    Attendee.conference_id,
    Attendee.order_id,
    Attendee.status,
    Attendee.badge_version,
    Attendee.first_name,
    Attendee.last_name,
    Attendee.badge_name,
    Attendee.title,
    Attendee.organization,
    Attendee.email,
    MemberCity.name,
    Attendee.city_name,
    RegistrationType.name,
    RegistrationType.id,
    RegistrationType.kind,
    RegistrationType.position,
    Order.paid_cents,
    Order.total_cents,
    Order.status,
    Attendee.rate,
    Attendee.consent_to_share_contact,
    Attendee.dietary_needs,
    Attendee.accessibility_needs,
)


def _query() -> Select[*tuple[Any, ...]]:
    return (
        select(*_HOLDER_COLUMNS)
        .join(Order, Order.id == Attendee.order_id)
        .join(RegistrationType, RegistrationType.id == Attendee.registration_type_id)
        .outerjoin(MemberCity, MemberCity.id == Attendee.city_id)
    )


def invoiced_member(order_status: OrderStatus, rate: Rate) -> bool:
    """A member city's official on an order the city was invoiced for (and has not paid yet)."""
    return order_status == OrderStatus.INVOICED and rate == Rate.MEMBER


def _holder(row: Sequence[Any]) -> Holder:
    (
        id_,
        conference_id,
        order_id,
        status,
        badge_version,
        first_name,
        last_name,
        badge_name,
        title,
        organization,
        email,
        city,
        city_name,
        rtype_name,
        rtype_id,
        rtype_kind,
        rtype_position,
        paid_cents,
        total_cents,
        order_status,
        rate,
        consent_to_share_contact,
        dietary_needs,
        accessibility_needs,
    ) = row
    return Holder(
        id=id_,
        conference_id=conference_id,
        order_id=order_id,
        status=status,
        badge_version=badge_version,
        first_name=first_name,
        last_name=last_name,
        badge_name=badge_name or first_name,
        title=title,
        organization=organization,
        email=email,
        city=city or city_name,
        registration_type=rtype_name,
        registration_type_id=rtype_id,
        registration_kind=rtype_kind,
        registration_position=rtype_position,
        paid=paid_cents >= total_cents,
        invoiced_member=invoiced_member(order_status, rate),
        consent_to_share_contact=consent_to_share_contact,
        dietary_needs=dietary_needs,
        accessibility_needs=accessibility_needs,
    )


@cache
def _holder_query() -> Select[Any]:
    return _query().where(Attendee.id == bindparam("attendee_id"))


async def holder(db: AsyncSession, *, attendee_id: uuid.UUID) -> Holder | None:
    row = (await db.execute(_holder_query(), {"attendee_id": attendee_id})).first()
    return _holder(row) if row is not None else None


@cache
def _group_query() -> Select[Any]:
    """Everyone on the order of the attendee ``:attendee_id``, with their first check-in.

    Built once: building it (an aliased attendee, six entities, four joins) cost more than a
    door scan's SQL does, and a scan runs it every time."""
    same_order = aliased(Attendee)
    order_id = select(same_order.order_id).where(same_order.id == bindparam("attendee_id")).scalar_subquery()
    return (
        _query()
        .add_columns(Checkin.checked_in_at, Station.name)
        .outerjoin(Checkin, Checkin.attendee_id == Attendee.id)
        .outerjoin(Station, Station.id == Checkin.station_id)
        .where(Attendee.order_id == order_id)
        .order_by(Attendee.position, Attendee.last_name)
    )


async def holder_with_group(db: AsyncSession, *, attendee_id: uuid.UUID) -> Holder | None:
    """The attendee with ``group`` filled: everyone on their order read in one statement."""
    rows = await db.execute(_group_query(), {"attendee_id": attendee_id})
    everyone = [
        (_holder(row[:-2]), FirstCheckin(at=row[-2], station=row[-1]) if row[-2] is not None else None) for row in rows
    ]
    found = next(((h, first) for h, first in everyone if h.id == attendee_id), None)
    if found is None:
        return None
    holder, first = found
    mates = tuple(Mate(h, checked_in=arrived is not None) for h, arrived in everyone if h.id != attendee_id)
    return replace(holder, group=mates, first=first)


async def holders(
    db: AsyncSession, *, conference_id: uuid.UUID, attendee_ids: Sequence[uuid.UUID] | None = None
) -> list[Holder]:
    """Every attendee of a conference (or those listed), by last then first name."""
    query = _query().where(Attendee.conference_id == conference_id)
    if attendee_ids is not None:
        query = query.where(Attendee.id.in_(attendee_ids))
    rows = await db.execute(query.order_by(Attendee.last_name, Attendee.first_name, Attendee.id))
    return [_holder(row) for row in rows]


async def order_mates(db: AsyncSession, *, holder: Holder) -> list[Holder]:
    """The others registered on the same order (group check-in)."""
    rows = await db.execute(
        _query()
        .where(Attendee.order_id == holder.order_id, Attendee.id != holder.id)
        .order_by(Attendee.position, Attendee.last_name)
    )
    return [_holder(row) for row in rows]


async def search(
    db: AsyncSession, *, conference_id: uuid.UUID, text: str, by_email: bool = True, limit: int = 20
) -> list[Holder]:
    """Attendees whose name or badge name (or, ``by_email``, email) contains ``text`` (case-insensitive)."""
    needle = text.strip().lower()
    words = needle.split()
    query = _query().where(Attendee.conference_id == conference_id)
    fields = [Attendee.first_name, Attendee.last_name, Attendee.badge_name, *([Attendee.email] if by_email else [])]
    for word in words:
        query = query.where(or_(*(func.lower(field).contains(word, autoescape=True) for field in fields)))
    rows = await db.execute(query.order_by(Attendee.last_name, Attendee.first_name).limit(limit))
    return [_holder(row) for row in rows]


async def arrived(db: AsyncSession, *, attendee_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Those of ``attendee_ids`` who have checked in."""
    if not attendee_ids:
        return set()
    return set(await db.scalars(select(Checkin.attendee_id).where(Checkin.attendee_id.in_(attendee_ids))))


async def by_code(db: AsyncSession, *, conference_id: uuid.UUID, text: str) -> Holder | None:
    """Whose badge carries this typed code (``codes``), if the text is one and someone's badge has it."""
    ids = codes.id_range(text)
    if ids is None:
        return None
    query = _query().where(Attendee.conference_id == conference_id, Attendee.id.between(*ids))
    row = (await db.execute(query.limit(1))).first()
    return _holder(row) if row is not None else None


async def lookup(db: AsyncSession, *, conference: Conference, text: str, with_email: bool) -> list[LookupHit]:
    """Attendees by the code on their badge or part of a name, for the desk and for a badge that will not scan.

    Emails are for organizers (``with_email``): a door's device neither searches by them, which
    would tell whether an address is registered, nor sees them.
    """
    if len(text.strip()) < 2:
        raise LookupTooShort("Type at least two letters of a name.")
    coded = await by_code(db, conference_id=conference.id, text=text)
    hits = (
        [coded] if coded is not None else await search(db, conference_id=conference.id, text=text, by_email=with_email)
    )
    checked_in = await arrived(db, attendee_ids=[h.id for h in hits])
    return [
        LookupHit(
            id=h.id,
            name=h.name,
            email=h.email if with_email else None,
            city=h.city,
            registration_type=h.registration_type,
            status=str(h.status),
            checked_in=h.id in checked_in,
        )
        for h in hits
    ]
