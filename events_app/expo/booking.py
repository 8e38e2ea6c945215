"""Holding and booking booths: who gets a booth is decided by one conditional UPDATE of its row.

Every claim is ``UPDATE expo_booths SET occupant... WHERE id = :booth AND <nobody has it now>``,
where "has it now" means a booking (``occupied_until`` NULL) or a hold whose
``occupied_until`` is still in the future. Exactly one of any number of racing requests
(in any number of processes) changes the row; the others see a row count of 0 and are
told the booth is taken. An expired hold needs no clean-up: the next claim's WHERE
treats it as free. Per-partner rules (how many live holds, the competitor rule) are
checked after locking the partner's row and its exclusive categories, so two of one
partner's requests, or two competitors' requests, are decided one after the other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.expo import geometry
from events_app.expo.errors import (
    BadPaymentMethod,
    BookingEnded,
    BookingNotFound,
    BookingNotOpen,
    BoothFree,
    BoothTaken,
    CompetitorNearby,
    HoldLimitReached,
    HoldNotFound,
    HoldNotLive,
    SameBooth,
)
from events_app.expo.floorplan import claim_is_live
from events_app.expo.models import (
    BookingStatus,
    Booth,
    BoothBooking,
    BoothHold,
    BusinessCategory,
    ExpoSettings,
    HoldStatus,
    Partner,
    PartnerCategory,
    PaymentMethod,
)
from events_app.expo.service import booking_opens_for, expo_settings

BADGES_PER_100_SQFT = 2


def badge_allowance(area_sqft: float) -> int:
    """Exhibitor badges a booth includes: two per 100 sq ft (10x10: 2, 10x20: 4, 20x20: 8), at least two."""
    return max(BADGES_PER_100_SQFT, round(area_sqft / 100) * BADGES_PER_100_SQFT)


def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE matched: 1 means this request won the booth, 0 that someone else has it."""
    return cast(CursorResult[Any], result).rowcount


def _free_now(at: datetime) -> ColumnElement[bool]:
    """SQL: nobody occupies the booth at ``at`` (no occupant, or a hold/checkout that has run out)."""
    return or_(
        Booth.occupant_partner_id.is_(None),
        and_(Booth.occupied_until.is_not(None), Booth.occupied_until <= at),
    )


def _live_at(at: datetime) -> ColumnElement[bool]:
    return and_(
        Booth.occupant_partner_id.is_not(None),
        or_(Booth.occupied_until.is_(None), Booth.occupied_until > at),
    )


async def _lock_partner(db: AsyncSession, partner: Partner) -> None:
    """Serializes one partner's claims: a row lock on PostgreSQL, the write lock on SQLite."""
    await db.execute(
        update(Partner)
        .where(Partner.id == partner.id)
        .values(updated_at=Partner.updated_at)
        .execution_options(synchronize_session=False)
    )


async def _lock_categories(db: AsyncSession, category_ids: list[uuid.UUID]) -> None:
    # One at a time in id order, so two partners locking overlapping sets never deadlock.
    for category_id in sorted(category_ids):
        await db.execute(
            update(BusinessCategory)
            .where(BusinessCategory.id == category_id)
            .values(updated_at=BusinessCategory.updated_at)
            .execution_options(synchronize_session=False)
        )


async def _check_booking_open(db: AsyncSession, *, conference: Conference, partner: Partner, at: datetime) -> None:
    opens_at, window, _points = await booking_opens_for(db, conference=conference, partner=partner)
    if opens_at is None:
        raise BookingNotOpen("No booking window of this conference includes your partnership yet.", opens_at=None)
    if opens_at > at:
        raise BookingNotOpen(
            f"Your booking window ({window.name if window else 'general'}) opens at {opens_at.isoformat()}.",
            opens_at=opens_at.isoformat(),
        )


async def _check_competitors(
    db: AsyncSession, *, conference: Conference, partner: Partner, booth: Booth, settings: ExpoSettings, at: datetime
) -> None:
    exclusive = {c.id: c for c in partner.categories if c.exclusive}
    if not exclusive or settings.competitor_distance_ft <= 0:
        return
    await _lock_categories(db, list(exclusive))
    rows = await db.execute(
        select(Booth, PartnerCategory.category_id)
        .join(PartnerCategory, PartnerCategory.partner_id == Booth.occupant_partner_id)
        .where(
            Booth.conference_id == conference.id,
            Booth.hall_id == booth.hall_id,
            Booth.id != booth.id,
            Booth.occupant_partner_id != partner.id,
            PartnerCategory.category_id.in_(list(exclusive)),
            _live_at(at),
        )
    )
    nearest: tuple[float, Booth, uuid.UUID] | None = None
    for other, category_id in rows:
        gap = geometry.distance(booth.shape, other.shape)
        if gap < settings.competitor_distance_ft and (nearest is None or gap < nearest[0]):
            nearest = (gap, other, category_id)
    if nearest is not None:
        gap, other, category_id = nearest
        category = exclusive[category_id].name
        raise CompetitorNearby(
            f"Booth {booth.code} is {gap:.0f} ft from booth {other.code}, taken by another partner in "
            f"{category}, an exclusive category: competitors must be at least "
            f"{settings.competitor_distance_ft:g} ft apart.",
            competitor_booth=other.code,
            category=category,
            distance_ft=round(gap, 1),
            required_ft=settings.competitor_distance_ft,
        )


@dataclass(frozen=True, slots=True)
class HeldBooth:
    hold: BoothHold
    booth: Booth


async def hold_booth(
    db: AsyncSession, *, conference: Conference, partner: Partner, booth: Booth, actor: Principal | None
) -> HeldBooth:
    """Holds a free booth for the conference's hold time; raises ``BoothTaken`` when someone else has it."""
    moment = now()
    settings = await expo_settings(db, conference=conference)
    await _check_booking_open(db, conference=conference, partner=partner, at=moment)
    await _lock_partner(db, partner)
    held = dict(
        (
            await db.execute(
                select(Booth.id, Booth.hold_id).where(
                    Booth.conference_id == conference.id,
                    Booth.occupant_partner_id == partner.id,
                    Booth.hold_id.is_not(None),
                    Booth.occupied_until > moment,
                )
            )
        ).all()
    )
    if booth.id in held:  # holding again is a no-op, not a second hold
        return HeldBooth(hold=await db.get_one(BoothHold, held[booth.id]), booth=booth)
    live_holds = len(held)
    if live_holds >= settings.max_live_holds:
        raise HoldLimitReached(
            f"You already hold {live_holds} booths, the most allowed at once; book or release one first.",
            limit=settings.max_live_holds,
        )
    await _check_competitors(db, conference=conference, partner=partner, booth=booth, settings=settings, at=moment)
    hold = BoothHold(
        id=uuid.uuid4(),
        conference_id=conference.id,
        booth_id=booth.id,
        partner_id=partner.id,
        held_by_user_id=actor.user_id if actor else None,
        expires_at=moment + timedelta(minutes=settings.hold_minutes),
    )
    claimed = await db.execute(
        update(Booth)
        .where(Booth.id == booth.id, _free_now(moment))
        .values(occupant_partner_id=partner.id, occupied_until=hold.expires_at, hold_id=hold.id, booking_id=None)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(claimed) != 1:
        raise BoothTaken(f"Booth {booth.code} is held or booked by another partner.", booth=booth.code)
    # A card checkout that ran out before its payment arrived loses the booth here, for good. The booth was
    # read before the claim: a booking that appeared since would have made the claim fail.
    if booth.booking_id is not None:
        await db.execute(
            update(BoothBooking)
            .where(BoothBooking.booth_id == booth.id, BoothBooking.status == BookingStatus.PENDING_PAYMENT)
            .values(status=BookingStatus.LAPSED)
            .execution_options(synchronize_session=False)
        )
    db.add(hold)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="booth.held",
        subject_type="booth",
        subject_id=booth.id,
        conference_id=conference.id,
        booth=booth.code,
        partner_id=str(partner.id),
        expires_at=hold.expires_at.isoformat(),
    )
    return HeldBooth(hold=hold, booth=booth)


async def get_hold(
    db: AsyncSession, *, conference: Conference, hold_id: uuid.UUID, partner: Partner | None
) -> BoothHold:
    """A hold of this conference; ``partner`` limits it to that partner's (others' look missing)."""
    hold = await db.get(BoothHold, hold_id)
    if hold is None or hold.conference_id != conference.id or (partner is not None and hold.partner_id != partner.id):
        raise HoldNotFound("There is no hold with this id.")
    return hold


def hold_is_live(hold: BoothHold, at: datetime | None = None) -> bool:
    return hold.status == HoldStatus.HELD and hold.expires_at > (at or now())


async def live_holds(db: AsyncSession, *, conference: Conference, partner: Partner) -> list[tuple[BoothHold, Booth]]:
    rows = await db.execute(
        select(BoothHold, Booth)
        .join(Booth, Booth.id == BoothHold.booth_id)
        .where(
            BoothHold.conference_id == conference.id,
            BoothHold.partner_id == partner.id,
            BoothHold.status == HoldStatus.HELD,
            BoothHold.expires_at > now(),
        )
        .order_by(BoothHold.expires_at)
    )
    return [(hold, booth) for hold, booth in rows]


async def release_hold(db: AsyncSession, *, hold: BoothHold, actor: Principal | None) -> BoothHold:
    """Ends a hold early; the booth is free at once. Releasing an ended hold changes nothing."""
    if hold.status != HoldStatus.HELD:
        return hold
    await db.execute(
        update(Booth)
        .where(Booth.id == hold.booth_id, Booth.hold_id == hold.id)
        .values(occupant_partner_id=None, occupied_until=None, hold_id=None)
        .execution_options(synchronize_session=False)
    )
    hold.status = HoldStatus.RELEASED
    hold.ended_at = now()
    await db.flush()
    await record(
        db,
        actor=actor,
        action="booth.hold_released",
        subject_type="booth",
        subject_id=hold.booth_id,
        conference_id=hold.conference_id,
        hold_id=str(hold.id),
    )
    return hold


async def checkout_hold(
    db: AsyncSession, *, conference: Conference, hold: BoothHold, method: PaymentMethod, actor: Principal | None
) -> BoothBooking:
    """Turns a live hold into a booking: paid by card within the payment window, or reserved against an invoice.

    A card booking keeps the booth for ``card_payment_minutes`` more while the payment runs; an
    invoiced one keeps it until the invoice is paid or the booking is cancelled.
    """
    if method not in (PaymentMethod.CARD, PaymentMethod.INVOICE):
        raise BadPaymentMethod("Pay for a booth by card or by invoice.")
    moment = now()
    settings = await expo_settings(db, conference=conference)
    booth = await db.get_one(Booth, hold.booth_id)
    pay_by = moment + timedelta(minutes=settings.card_payment_minutes) if method == PaymentMethod.CARD else None
    booking = BoothBooking(
        id=uuid.uuid4(),
        conference_id=conference.id,
        booth_id=booth.id,
        partner_id=hold.partner_id,
        hold_id=hold.id,
        status=BookingStatus.PENDING_PAYMENT if method == PaymentMethod.CARD else BookingStatus.INVOICED,
        method=method,
        price_cents=booth.price_cents,
        currency=booth.currency,
        pay_by=pay_by,
    )
    converted = await db.execute(
        update(Booth)
        .where(
            Booth.id == booth.id,
            Booth.hold_id == hold.id,
            Booth.occupant_partner_id == hold.partner_id,
            Booth.occupied_until > moment,
        )
        .values(hold_id=None, booking_id=booking.id, occupied_until=pay_by)
        .execution_options(synchronize_session=False)
    )
    if hold.status != HoldStatus.HELD or _rowcount(converted) != 1:
        raise HoldNotLive(f"Your hold on booth {booth.code} has ended; hold the booth again to book it.")
    hold.status = HoldStatus.CHECKED_OUT
    hold.ended_at = moment
    db.add(booking)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="booth.checked_out",
        subject_type="booth",
        subject_id=booth.id,
        conference_id=conference.id,
        booking_id=str(booking.id),
        method=str(method),
        price_cents=booking.price_cents,
    )
    await db.refresh(booking)
    return booking


async def mark_paid(
    db: AsyncSession, *, booking: BoothBooking, paid_cents: int, payment_id: str, actor: Principal | None = None
) -> bool:
    """Makes a booking firm once its payment succeeded; the same payment twice changes nothing.

    Returns False when the booth went to someone else before the money arrived (a card
    checkout that ran out): the caller refunds the payment.
    """
    if booking.status == BookingStatus.CONFIRMED:
        return True
    if booking.status == BookingStatus.CANCELLED:
        return False
    moment = now()
    kept = await db.execute(
        update(Booth)
        .where(
            Booth.id == booking.booth_id,
            Booth.booking_id == booking.id,
            Booth.occupant_partner_id == booking.partner_id,
        )
        .values(occupied_until=None)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(kept) != 1:
        # The checkout ran out; take the booth back if it is still free, else the booking lapses.
        kept = await db.execute(
            update(Booth)
            .where(Booth.id == booking.booth_id, _free_now(moment))
            .values(occupant_partner_id=booking.partner_id, occupied_until=None, hold_id=None, booking_id=booking.id)
            .execution_options(synchronize_session=False)
        )
    if _rowcount(kept) != 1:
        booking.status = BookingStatus.LAPSED
        booking.paid_cents = paid_cents
        booking.payment_id = payment_id
        await db.flush()
        await record(
            db,
            actor=actor,
            action="booth.payment_too_late",
            subject_type="booking",
            subject_id=booking.id,
            conference_id=booking.conference_id,
            paid_cents=paid_cents,
        )
        return False
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = moment
    booking.paid_cents = paid_cents
    booking.payment_id = payment_id or booking.payment_id
    booking.pay_by = None
    await db.flush()
    await record(
        db,
        actor=actor,
        action="booth.booked",
        subject_type="booth",
        subject_id=booking.booth_id,
        conference_id=booking.conference_id,
        booking_id=str(booking.id),
        paid_cents=paid_cents,
    )
    return True


async def give_hold_back(db: AsyncSession, *, booking: BoothBooking, reason: str) -> BoothHold | None:
    """A declined card: the booking lapses and the partner's hold comes back until it would have run out.

    Returns the hold when it is live again, None when it had already run out (the booth is then free).
    """
    if booking.status != BookingStatus.PENDING_PAYMENT:
        return None
    moment = now()
    booking.status = BookingStatus.LAPSED
    booking.note = reason[:500]
    booking.pay_by = None
    hold = await db.get(BoothHold, booking.hold_id) if booking.hold_id else None
    restored = None
    if hold is not None and hold.expires_at > moment:
        back = await db.execute(
            update(Booth)
            .where(Booth.id == booking.booth_id, Booth.booking_id == booking.id)
            .values(booking_id=None, hold_id=hold.id, occupied_until=hold.expires_at)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(back) == 1:
            hold.status = HoldStatus.HELD
            hold.ended_at = None
            restored = hold
    if restored is None:
        await _free_booth_of(db, booking)
    await db.flush()
    await record(
        db,
        actor=None,
        action="booth.payment_failed",
        subject_type="booking",
        subject_id=booking.id,
        conference_id=booking.conference_id,
        reason=reason[:200],
        hold_restored=restored is not None,
    )
    return restored


async def _free_booth_of(db: AsyncSession, booking: BoothBooking) -> None:
    await db.execute(
        update(Booth)
        .where(Booth.id == booking.booth_id, Booth.booking_id == booking.id)
        .values(occupant_partner_id=None, occupied_until=None, booking_id=None, hold_id=None)
        .execution_options(synchronize_session=False)
    )


# Bookings: reading, cancelling, and staff actions.


async def get_booking(
    db: AsyncSession, *, conference: Conference, booking_id: uuid.UUID, partner: Partner | None
) -> BoothBooking:
    booking = await db.get(BoothBooking, booking_id)
    if (
        booking is None
        or booking.conference_id != conference.id
        or (partner is not None and booking.partner_id != partner.id)
    ):
        raise BookingNotFound("There is no booking with this id.")
    return booking


async def list_bookings(
    db: AsyncSession, *, conference: Conference, partner: Partner | None, include_ended: bool = True
) -> list[BoothBooking]:
    query = select(BoothBooking).where(BoothBooking.conference_id == conference.id)
    if partner is not None:
        query = query.where(BoothBooking.partner_id == partner.id)
    if not include_ended:
        query = query.where(
            BoothBooking.status.in_([BookingStatus.PENDING_PAYMENT, BookingStatus.INVOICED, BookingStatus.CONFIRMED])
        )
    return list(await db.scalars(query.order_by(BoothBooking.created_at)))


def booking_is_live(booking: BoothBooking, at: datetime | None = None) -> bool:
    if booking.status in (BookingStatus.INVOICED, BookingStatus.CONFIRMED):
        return True
    return (
        booking.status == BookingStatus.PENDING_PAYMENT
        and booking.pay_by is not None
        and booking.pay_by > (at or now())
    )


def refund_percent(settings: ExpoSettings, at: datetime) -> int:
    """The refund for cancelling at ``at``: the first band whose date has not passed; none after the last."""
    for band in sorted(settings.refund_bands, key=lambda b: b["cancel_before"]):
        if at < datetime.fromisoformat(band["cancel_before"]):
            return int(band["refund_percent"])
    return 0


@dataclass(frozen=True, slots=True)
class Cancellation:
    booking: BoothBooking
    refund_percent: int
    refund_cents: int


async def quote_cancellation(
    db: AsyncSession, *, conference: Conference, booking: BoothBooking, at: datetime | None = None
) -> Cancellation:
    settings = await expo_settings(db, conference=conference)
    percent = refund_percent(settings, at or now())
    return Cancellation(booking=booking, refund_percent=percent, refund_cents=booking.paid_cents * percent // 100)


async def cancel_booking(
    db: AsyncSession,
    *,
    conference: Conference,
    booking: BoothBooking,
    actor: Principal | None,
    override_percent: int | None = None,
    note: str = "",
) -> Cancellation:
    """Cancels a booking and frees its booth; the refund follows the date bands unless staff override it.

    The caller pays the refund out (through payments) for ``refund_cents``.
    """
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.LAPSED):
        raise BookingEnded("This booking has already ended.")
    quote = await quote_cancellation(db, conference=conference, booking=booking)
    if override_percent is not None:
        quote = Cancellation(
            booking=booking, refund_percent=override_percent, refund_cents=booking.paid_cents * override_percent // 100
        )
    await _free_booth_of(db, booking)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now()
    booking.refunded_cents += quote.refund_cents
    if note:
        booking.note = note[:500]
    await db.flush()
    await record(
        db,
        actor=actor,
        action="booth.cancelled",
        subject_type="booking",
        subject_id=booking.id,
        conference_id=conference.id,
        booth_id=str(booking.booth_id),
        refund_percent=quote.refund_percent,
        refund_cents=quote.refund_cents,
        note=note,
    )
    return quote


async def assign_booth(
    db: AsyncSession,
    *,
    conference: Conference,
    booth: Booth,
    partner: Partner,
    actor: Principal | None,
    price_cents: int | None = None,
    note: str = "",
) -> BoothBooking:
    """Staff place a partner in a free booth (or one that partner holds): a confirmed booking, billed apart.

    Staff decide placement themselves, so booking windows and the competitor rule do not apply.
    """
    moment = now()
    booking = BoothBooking(
        id=uuid.uuid4(),
        conference_id=conference.id,
        booth_id=booth.id,
        partner_id=partner.id,
        status=BookingStatus.CONFIRMED,
        method=PaymentMethod.ASSIGNED,
        price_cents=booth.price_cents if price_cents is None else price_cents,
        currency=booth.currency,
        confirmed_at=moment,
        note=note,
    )
    previous_hold = booth.hold_id if booth.occupant_partner_id == partner.id else None
    claimed = await db.execute(
        update(Booth)
        .where(
            Booth.id == booth.id,
            or_(
                _free_now(moment),
                and_(Booth.occupant_partner_id == partner.id, Booth.hold_id.is_not(None)),
            ),
        )
        .values(occupant_partner_id=partner.id, occupied_until=None, hold_id=None, booking_id=booking.id)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(claimed) != 1:
        raise BoothTaken(
            f"Booth {booth.code} is held or booked by another partner; release it first.", booth=booth.code
        )
    if previous_hold is not None:
        await db.execute(
            update(BoothHold)
            .where(BoothHold.id == previous_hold, BoothHold.status == HoldStatus.HELD)
            .values(status=HoldStatus.CHECKED_OUT, ended_at=moment)
            .execution_options(synchronize_session=False)
        )
    await db.execute(
        update(BoothBooking)
        .where(BoothBooking.booth_id == booth.id, BoothBooking.status == BookingStatus.PENDING_PAYMENT)
        .values(status=BookingStatus.LAPSED)
        .execution_options(synchronize_session=False)
    )
    db.add(booking)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="booth.assigned",
        subject_type="booth",
        subject_id=booth.id,
        conference_id=conference.id,
        booth=booth.code,
        partner_id=str(partner.id),
        booking_id=str(booking.id),
        price_cents=booking.price_cents,
        note=note,
    )
    await db.refresh(booking)
    return booking


async def move_booking(
    db: AsyncSession, *, conference: Conference, booking: BoothBooking, to: Booth, actor: Principal, note: str = ""
) -> BoothBooking:
    """Staff move a live booking to another free booth; the price booked stays as it was."""
    if not booking_is_live(booking):
        raise BookingEnded("Only a live booking can be moved.")
    if to.id == booking.booth_id:
        raise SameBooth("The booking is already in this booth.")
    moment = now()
    old = await db.get_one(Booth, booking.booth_id)
    claimed = await db.execute(
        update(Booth)
        .where(Booth.id == to.id, _free_now(moment))
        .values(
            occupant_partner_id=booking.partner_id,
            occupied_until=old.occupied_until,
            hold_id=None,
            booking_id=booking.id,
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(claimed) != 1:
        raise BoothTaken(f"Booth {to.code} is held or booked by another partner.", booth=to.code)
    await _free_booth_of(db, booking)
    from_code = old.code
    booking.booth_id = to.id
    await db.flush()
    await record(
        db,
        actor=actor,
        action="booth.moved",
        subject_type="booking",
        subject_id=booking.id,
        conference_id=conference.id,
        from_booth=from_code,
        to_booth=to.code,
        note=note,
    )
    await db.refresh(booking, ["booth"])
    return booking


async def release_booth(
    db: AsyncSession,
    *,
    conference: Conference,
    booth: Booth,
    actor: Principal | None,
    override_percent: int | None = None,
    note: str = "",
) -> Cancellation | None:
    """Staff free a booth: end its hold, or cancel its booking (refund by the bands unless overridden)."""
    moment = now()
    if not claim_is_live(booth, moment):
        raise BoothFree(f"Booth {booth.code} is already free.")
    if booth.booking_id is not None:
        booking = await db.get_one(BoothBooking, booth.booking_id)
        return await cancel_booking(
            db, conference=conference, booking=booking, actor=actor, override_percent=override_percent, note=note
        )
    if booth.hold_id is not None:
        hold = await db.get_one(BoothHold, booth.hold_id)
        await release_hold(db, hold=hold, actor=actor)
    return None
