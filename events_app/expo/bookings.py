"""Booking booths: a live hold checked out into a booking, made firm when its payment arrives, given
back when a card is declined, cancelled with a refund by the conference's date bands; and reading
bookings.

A booking keeps the booth through the booth's row (see ``claims``): a card checkout for
``card_payment_minutes`` while the payment runs, an invoiced or confirmed booking for good.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.expo import history
from events_app.expo.claims import Occupant, free_at, occupy
from events_app.expo.errors import BookingEnded, BookingNotFound, HoldNotLive
from events_app.expo.models import (
    LIVE_BOOKING_STATUSES,
    BookingStatus,
    Booth,
    BoothBooking,
    BoothHold,
    HoldStatus,
    Partner,
    PaymentMethod,
)
from events_app.expo.rules import expo_settings, refund_percent
from events_app.payments.errors import BadPaymentMethod


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
    still_held = and_(
        Booth.hold_id == hold.id, Booth.occupant_partner_id == hold.partner_id, Booth.occupied_until > moment
    )
    claim = Occupant(partner_id=hold.partner_id, until=pay_by, booking_id=booking.id)
    if hold.status != HoldStatus.HELD or not await occupy(db, booth.id, claim, when=still_held):
        raise HoldNotLive(f"Your hold on booth {booth.code} has ended; hold the booth again to book it.")
    hold.status = HoldStatus.CHECKED_OUT
    hold.ended_at = moment
    db.add(booking)
    await history.booth_booked(
        db,
        "booth.checked_out",
        booking=booking,
        actor=actor,
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
    # The booking still has the booth, or its checkout ran out and the booth is free to take back.
    ours = and_(Booth.booking_id == booking.id, Booth.occupant_partner_id == booking.partner_id)
    claim = Occupant(partner_id=booking.partner_id, until=None, booking_id=booking.id)
    if not await occupy(db, booking.booth_id, claim, when=or_(ours, free_at(moment))):
        booking.status = BookingStatus.LAPSED
        booking.paid_cents = paid_cents
        booking.payment_id = payment_id
        await history.changed(db, "booth.payment_too_late", booking, actor=actor, paid_cents=paid_cents)
        return False
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = moment
    booking.paid_cents = paid_cents
    booking.payment_id = payment_id or booking.payment_id
    booking.pay_by = None
    await history.booth_booked(db, "booth.booked", booking=booking, actor=actor, paid_cents=paid_cents)
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
        claim = Occupant(partner_id=booking.partner_id, until=hold.expires_at, hold_id=hold.id)
        if await occupy(db, booking.booth_id, claim, when=Booth.booking_id == booking.id):
            hold.status = HoldStatus.HELD
            hold.ended_at = None
            restored = hold
    if restored is None:
        await free_booth_of(db, booking)
    await history.changed(
        db, "booth.payment_failed", booking, actor=None, reason=reason[:200], hold_restored=restored is not None
    )
    return restored


async def free_booth_of(db: AsyncSession, booking: BoothBooking) -> None:
    """The booking's booth is free again, if the booking still has it."""
    await occupy(db, booking.booth_id, None, when=Booth.booking_id == booking.id)


# Reading bookings.


async def get_booking(
    db: AsyncSession, *, conference: Conference, booking_id: uuid.UUID, partner: Partner | None
) -> BoothBooking:
    """A booking of this conference; ``partner`` limits it to that partner's (others' look missing)."""
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
        query = query.where(BoothBooking.status.in_(LIVE_BOOKING_STATUSES))
    return list(await db.scalars(query.order_by(BoothBooking.created_at)))


def booking_is_live(booking: BoothBooking, at: datetime | None = None) -> bool:
    if booking.status in (BookingStatus.INVOICED, BookingStatus.CONFIRMED):
        return True
    return (
        booking.status == BookingStatus.PENDING_PAYMENT
        and booking.pay_by is not None
        and booking.pay_by > (at or now())
    )


# Cancelling.


@dataclass(frozen=True, slots=True)
class Cancellation:
    booking: BoothBooking
    refund_percent: int
    refund_cents: int


async def quote_cancellation(
    db: AsyncSession, *, conference: Conference, booking: BoothBooking, at: datetime | None = None
) -> Cancellation:
    settings = await expo_settings(db, conference=conference)
    return _refunding(booking, refund_percent(settings, at or now()))


def _refunding(booking: BoothBooking, percent: int) -> Cancellation:
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
    if override_percent is None:
        quote = await quote_cancellation(db, conference=conference, booking=booking)
    else:
        quote = _refunding(booking, override_percent)
    await free_booth_of(db, booking)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now()
    booking.refunded_cents += quote.refund_cents
    if note:
        booking.note = note[:500]
    await history.changed(
        db,
        "booth.cancelled",
        booking,
        actor=actor,
        booth_id=str(booking.booth_id),
        refund_percent=quote.refund_percent,
        refund_cents=quote.refund_cents,
        note=note,
    )
    return quote
