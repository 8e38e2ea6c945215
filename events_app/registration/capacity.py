"""Who holds a seat, and the one way to take seats and promo-code uses without overselling.

A seat is held by a confirmed attendee, by a pending attendee whose order's hold is live
(a card order until ``hold_expires_at``; an invoiced order, whose hold has no expiry) and
by a live waitlist offer. Nothing else counts, so an expired hold frees its seats by time
alone, with no sweep needed for correctness.

Taking seats locks the registration type's row first with a conditional UPDATE that bumps
a counter (a row lock on PostgreSQL; SQLite's single write lock), in a fixed order, and
only then counts: each statement of a READ COMMITTED transaction sees every earlier
commit, so two processes racing for the last seat are served one after the other and the
second sees the first's attendees. Promo-code uses are taken the same way.

Every transaction that may add seat holders to a type bumps its counter by at least the seats
it may add, under that lock. So the counter a checkout read beside its lock-free count, and the
one its lock returns, bound what others committed in between: when the count plus that bound
still leaves room, the seats fit and the count under the lock is skipped. In a rush that makes
taking seats one UPDATE; only near the last seats is the exact count needed.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.db import table_of
from events_app.registration.errors import PromoCodeUsedUp, SoldOut
from events_app.registration.models import (
    Attendee,
    AttendeeStatus,
    Order,
    OrderStatus,
    PromoCode,
    RegistrationType,
    WaitlistEntry,
    WaitlistStatus,
)

HOLDING_ORDER_STATUSES = (OrderStatus.PENDING, OrderStatus.INVOICED)


def holds_seat(moment: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """Attendees (joined with their order) who hold a seat at ``moment``."""
    return or_(
        Attendee.status == AttendeeStatus.CONFIRMED,
        and_(
            Attendee.status == AttendeeStatus.PENDING,
            Order.status.in_(HOLDING_ORDER_STATUSES),
            or_(Order.hold_expires_at.is_(None), Order.hold_expires_at > moment),
        ),
    )


_types = table_of(RegistrationType)
# Built once, and on the table rather than the entity: each checkout runs it, and an ORM UPDATE built
# anew each time cost more CPU than the database spent on it.
_LOCK_TYPE = (
    update(_types)
    .where(_types.c.id == bindparam("type_id"), _types.c.capacity.is_not(None))
    .values(lock_counter=_types.c.lock_counter + bindparam("seats"))
    .returning(_types.c.capacity, _types.c.lock_counter)
)


def live_offer(moment: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    return and_(WaitlistEntry.status == WaitlistStatus.OFFERED, WaitlistEntry.offer_expires_at > moment)


async def seats_taken(
    db: AsyncSession,
    *,
    type_ids: Iterable[uuid.UUID],
    moment: datetime,
    exclude_offer_id: uuid.UUID | None = None,
    exclude_order_id: uuid.UUID | None = None,
) -> Counter[uuid.UUID]:
    """Seats held per type at ``moment``: attendees holding one plus live waitlist offers."""
    ids = list(type_ids)
    taken: Counter[uuid.UUID] = Counter()
    if not ids:
        return taken
    attendees = (
        select(Attendee.registration_type_id, func.count())
        .join(Order, Order.id == Attendee.order_id)
        .where(Attendee.registration_type_id.in_(ids), holds_seat(moment))
        .group_by(Attendee.registration_type_id)
    )
    if exclude_order_id is not None:
        attendees = attendees.where(Attendee.order_id != exclude_order_id)
    offers = (
        select(WaitlistEntry.registration_type_id, func.count())
        .where(WaitlistEntry.registration_type_id.in_(ids), live_offer(moment))
        .group_by(WaitlistEntry.registration_type_id)
    )
    if exclude_offer_id is not None:
        offers = offers.where(WaitlistEntry.id != exclude_offer_id)
    for query in (attendees, offers):
        for type_id, count in await db.execute(query):
            taken[type_id] += count
    return taken


async def lock_types(db: AsyncSession, seats: Mapping[uuid.UUID, int]) -> dict[uuid.UUID, tuple[int, int]]:
    """Serialises checkouts of these types until the transaction ends; always in id order, so never a deadlock.

    ``seats``: per type, the most seat holders this transaction may add to it (0 for none), added to
    the type's counter. Returns each locked type's capacity and counter, read under the lock.

    Only types with a capacity are locked: unlimited ones need no count, so their buyers never
    wait for each other. An organizer setting a capacity locks the row too, and PostgreSQL
    re-checks ``capacity IS NOT NULL`` on the row it waited for, so checkouts after that change
    count. (Orders already in flight when an unlimited type first gets a capacity are counted
    once they commit; the organizer's check, and a checkout's bound, may miss them by a few seats
    at that one moment.)
    """
    locked: dict[uuid.UUID, tuple[int, int]] = {}
    for type_id in sorted(seats):
        row = (await db.execute(_LOCK_TYPE, {"type_id": type_id, "seats": seats[type_id]})).one_or_none()
        if row is not None and row.capacity is not None:
            locked[type_id] = (row.capacity, row.lock_counter)
    return locked


@dataclass(frozen=True, slots=True)
class SeatsHeld:
    """A limited type's capacity and the seats held in it by attendees and by live waitlist offers."""

    name: str
    capacity: int
    by_attendees: int
    by_offers: int
    counter: int  # the type's lock counter as the count saw it

    @property
    def left(self) -> int:
        return max(self.capacity - self.by_attendees - self.by_offers, 0)

    def surely_fit(self, wanted: int, *, capacity: int, counter: int) -> bool:
        """Whether ``wanted`` seats fit now, from the ``capacity`` and ``counter`` this transaction's lock returned.

        Since the count, others added at most ``counter - wanted - self.counter`` holders (each one
        bumped the counter by the seats it might add); seats freed since only leave more room.
        """
        added_since = counter - wanted - self.counter
        return self.by_attendees + self.by_offers + added_since + wanted <= capacity


def held_columns(
    *,
    moment: datetime | ColumnElement[datetime],
    exclude_offer_id: uuid.UUID | ColumnElement[uuid.UUID] | None,
    exclude_order_id: uuid.UUID | None,
) -> tuple[ColumnElement[int | None], ColumnElement[int | None]]:
    """Seats held in the type of the enclosing query on ``RegistrationType``, by attendees and by live offers.

    NULL for a type with no capacity: nobody reads its count, and the database then skips it (a count
    reads every attendee of the type, so in a rush on an unlimited type each order counted all earlier ones).
    """
    held = (
        select(func.count())
        .select_from(Attendee)
        .join(Order, Order.id == Attendee.order_id)
        .where(Attendee.registration_type_id == RegistrationType.id, holds_seat(moment))
    )
    if exclude_order_id is not None:
        held = held.where(Attendee.order_id != exclude_order_id)
    offered = select(func.count()).where(WaitlistEntry.registration_type_id == RegistrationType.id, live_offer(moment))
    if exclude_offer_id is not None:
        offered = offered.where(WaitlistEntry.id != exclude_offer_id)
    limited = RegistrationType.capacity.is_not(None)
    return (
        case((limited, held.correlate(RegistrationType).scalar_subquery())),
        case((limited, offered.correlate(RegistrationType).scalar_subquery())),
    )


def seats_held_by_type(
    rows: Iterable[tuple[uuid.UUID, str, int | None, int, int, int]],
) -> dict[uuid.UUID, SeatsHeld]:
    """``SeatsHeld`` of the limited types among rows of id, name, capacity, ``held_columns`` and counter."""
    return {
        type_id: SeatsHeld(name, limit, by_attendees, by_offers, counter)
        for type_id, name, limit, by_attendees, by_offers, counter in rows
        if limit is not None
    }


def refuse_unless_fit(wanted: Counter[uuid.UUID], held: dict[uuid.UUID, SeatsHeld]) -> None:
    """Raises ``sold-out`` (409) when ``wanted`` does not fit the limited types' ``held``."""
    for type_id, seats in held.items():
        if wanted[type_id] > seats.left:
            raise SoldOut(
                f"{seats.name} is sold out: {seats.left} seat{'s' if seats.left != 1 else ''} left, "
                f"{wanted[type_id]} asked for. You can join the waitlist.",
                registration_type_id=str(type_id),
                seats_left=seats.left,
            )


async def seats_fit(
    db: AsyncSession,
    *,
    wanted: Counter[uuid.UUID],
    moment: datetime,
    exclude_offer_id: uuid.UUID | None = None,
    exclude_order_id: uuid.UUID | None = None,
) -> None:
    """Raises ``sold-out`` (409) when ``wanted`` does not fit what is held now; takes no lock.

    Alone it settles nothing (``take_seats`` does), but a type already full by what others
    have committed can say so before the lock: in a rush the buyers who cannot get a seat do
    not queue behind the ones who can (checkout has this count ride on its read of the types).
    Seats are freed only by time or by another commit, so the locked count would give the same answer.
    """
    held, offered = held_columns(moment=moment, exclude_offer_id=exclude_offer_id, exclude_order_id=exclude_order_id)
    query = select(
        RegistrationType.id,
        RegistrationType.name,
        RegistrationType.capacity,
        held,
        offered,
        RegistrationType.lock_counter,
    ).where(RegistrationType.id.in_(list(wanted)), RegistrationType.capacity.is_not(None))
    refuse_unless_fit(wanted, seats_held_by_type(await db.execute(query)))


async def take_seats(
    db: AsyncSession,
    *,
    wanted: Counter[uuid.UUID],
    moment: datetime,
    counted: Mapping[uuid.UUID, SeatsHeld] | None = None,
    exclude_offer_id: uuid.UUID | None = None,
    exclude_order_id: uuid.UUID | None = None,
) -> None:
    """Locks the types and checks that ``wanted`` seats fit; raises ``sold-out`` (409) when one does not.

    ``counted``: what a lock-free count earlier in this transaction found (the quote's read), with the
    same exclusions; where it and the counter prove the seats fit, they are not counted again under
    the lock. The caller's attendees go in the same transaction: after this returns, or
    before it and left out of the count by ``exclude_order_id``.
    """
    locked = await lock_types(db, wanted)
    counted = counted or {}
    unsure = Counter(
        {
            type_id: wanted[type_id]
            for type_id, (limit, counter) in locked.items()
            if type_id not in counted
            or not counted[type_id].surely_fit(wanted[type_id], capacity=limit, counter=counter)
        }
    )
    if unsure:
        await seats_fit(
            db, wanted=unsure, moment=moment, exclude_offer_id=exclude_offer_id, exclude_order_id=exclude_order_id
        )


async def code_uses(
    db: AsyncSession, *, code_id: uuid.UUID, moment: datetime, exclude_order_id: uuid.UUID | None = None
) -> int:
    """How many attendees holding a seat used this code."""
    query = (
        select(func.count())
        .select_from(Attendee)
        .join(Order, Order.id == Attendee.order_id)
        .where(Attendee.promo_code_id == code_id, holds_seat(moment))
    )
    if exclude_order_id is not None:
        query = query.where(Attendee.order_id != exclude_order_id)
    return await db.scalar(query) or 0


async def take_code_uses(
    db: AsyncSession, *, code: PromoCode, uses: int, moment: datetime, exclude_order_id: uuid.UUID | None = None
) -> None:
    """Locks the code and checks ``uses`` more fit under its maximum; raises ``promo-code-used-up`` (409)."""
    if code.max_uses is None:
        return
    await db.execute(
        update(PromoCode)
        .where(PromoCode.id == code.id)
        .values(lock_counter=PromoCode.lock_counter + 1)
        .execution_options(synchronize_session=False)
    )
    # Read the limit again under the lock: an organizer may have just changed it.
    await db.refresh(code, ["max_uses"])
    if code.max_uses is None:
        return
    used = await code_uses(db, code_id=code.id, moment=moment, exclude_order_id=exclude_order_id)
    if used + uses > code.max_uses:
        left = max(code.max_uses - used, 0)
        raise PromoCodeUsedUp(
            f"The code {code.code} has {left} use{'s' if left != 1 else ''} left and this order needs {uses}.",
            uses_left=left,
        )
