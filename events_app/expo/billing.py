"""Paying for booths through the payments package: checkout by card or invoice, the handlers payments
calls when money moves, and refunds on cancellation.

Payments knows a booth booking only as purpose ``expo-booth`` and the booking's id. A
booking becomes firm in ``on_paid`` (a verified Stripe webhook, reconciliation, or the
last check recorded against an invoice), never because a browser says so. A declined
card gives the partner their hold back, so they can try another card before it runs out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.expo import bookings, history
from events_app.expo import mail as expo_mail
from events_app.expo.models import BadgePurchase, BookingStatus, Booth, BoothBooking, BoothHold, Partner, PaymentMethod
from events_app.expo.schemas import BadgesIn, CheckoutIn
from events_app.payments import service as payments
from events_app.payments.checkout import Collection, CollectionStatus
from events_app.payments.errors import CannotHonour, PaymentInProgress
from events_app.payments.models import Payment, PaymentStatus, ReceiptMethod, Refund
from events_app.payments.schemas import InvoiceLine
from events_app.settings import Settings

BOOTH_PURPOSE = "expo-booth"


async def charge_partner(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    partner: Partner,
    purpose: str,
    bought: BoothBooking | BadgePurchase,
    choice: CheckoutIn | BadgesIn,
    lines: list[InvoiceLine],
    description: str,
    buyer: Principal,
) -> Collection:
    """Asks payments for what ``lines`` cost, billed to the partner: an invoice to its billing address,
    or the card Stripe.js made charged server-side; the payment is linked to what was ``bought``.
    Booths and extra badges are paid the same way, by the partner contact who is the ``buyer``."""
    charge = await payments.collect(
        db,
        settings=settings,
        method=choice.method,
        conference_id=conference.id,
        purpose=purpose,
        reference_id=bought.id,
        lines=lines,
        description=description,
        buyer_email=partner.billing_email or buyer.email,
        buyer_name=partner.name,
        bill_to=f"{partner.name}\n{partner.billing_email}".strip(),
        po_number=choice.po_number if isinstance(choice, CheckoutIn) else "",  # badges take no purchase order
        currency=bought.currency,
        payment_method_id=choice.payment_method_id,
        actor=buyer,
    )
    bought.payment_id = str(charge.payment.id)
    await db.flush()
    return charge


@dataclass(frozen=True, slots=True)
class Checkout:
    """A booking after checkout; for a card, what the browser needs next (3-D Secure) and what happened."""

    booking: BoothBooking
    payment_status: CollectionStatus
    client_secret: str | None
    message: str
    hold: BoothHold | None = None  # given back after a declined card


async def checkout_booth(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    partner: Partner,
    hold: BoothHold,
    choice: CheckoutIn,
    buyer: Principal,
) -> Checkout:
    """Books the held booth and asks payments for the money: an invoice, or a card charged server-side."""
    method = PaymentMethod(choice.method)
    # Refuse before touching the hold, so the partner can still choose an invoice.
    payments.check_payment_choice(settings, method=method, payment_method_id=choice.payment_method_id)
    booking = await bookings.checkout_hold(db, conference=conference, hold=hold, method=method, actor=buyer)
    booth = await db.get_one(Booth, booking.booth_id)
    what = f"{booth.size} {booth.kind}"
    charge = await charge_partner(
        db,
        settings=settings,
        conference=conference,
        partner=partner,
        purpose=BOOTH_PURPOSE,
        bought=booking,
        choice=choice,
        lines=[InvoiceLine(description=f"Expo booth {booth.code}, {what}", unit_amount_cents=booking.price_cents)],
        description=f"{conference.name}: booth {booth.code} ({what})",
        buyer=buyer,
    )
    message, restored = charge.message, None
    if charge.invoice is not None:
        await expo_mail.send_booth_invoice(
            db,
            settings=settings,
            conference=conference,
            partner=partner,
            booth=booth,
            invoice=charge.invoice,
            contact_email=buyer.email,
        )
        message = f"Invoice {charge.invoice.number} is on its way; the booth is yours until it is paid."
    elif charge.status == "failed":
        restored = await bookings.give_hold_back(db, booking=booking, reason=charge.message)
    return Checkout(
        booking=booking,
        payment_status=charge.status,
        client_secret=charge.client_secret,
        message=message,
        hold=restored,
    )


async def _booking_for(db: AsyncSession, payment: Payment) -> BoothBooking | None:
    return await db.get(BoothBooking, payment.reference_id, populate_existing=True)


class BoothPayments:
    """What payments calls for ``expo-booth``: paid makes the booking firm, failed lets the booth go."""

    async def on_paid(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
        booking = await _booking_for(db, payment)
        if booking is None:
            raise CannotHonour("No booth booking has this reference.")
        kept = await bookings.mark_paid(
            db, booking=booking, paid_cents=payment.amount_paid_cents, payment_id=str(payment.id)
        )
        if not kept:
            raise CannotHonour(f"The booth of booking {booking.id} went to another partner before the money came.")
        conference = await db.get_one(Conference, booking.conference_id)
        await expo_mail.send_booth_confirmed(
            db, settings=settings, conference=conference, partner=booking.partner, booking=booking
        )

    async def on_failed(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
        booking = await _booking_for(db, payment)
        # Not yet linked: the card payment was committed before Stripe was asked, and the
        # checkout that would have linked it never finished.
        if booking is None or booking.payment_id not in ("", str(payment.id)):
            return
        if booking.status == BookingStatus.PENDING_PAYMENT:
            await bookings.give_hold_back(db, booking=booking, reason=payment.failure_message)
        elif booking.status == BookingStatus.INVOICED:
            conference = await db.get_one(Conference, booking.conference_id)
            await bookings.cancel_booking(
                db, conference=conference, booking=booking, actor=None, note=payment.failure_message or "Invoice void"
            )

    async def on_refunded(self, db: AsyncSession, *, settings: Settings, payment: Payment, refund: Refund) -> None:
        booking = await _booking_for(db, payment)
        if booking is None:
            return
        booking.refunded_cents = max(booking.refunded_cents, payment.amount_refunded_cents)
        await history.changed(
            db,
            "booth.refunded",
            booking,
            actor=None,
            refund_id=str(refund.id),
            amount_cents=refund.amount_cents,
        )


async def cancel_and_refund(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    booking: BoothBooking,
    actor: Principal | None,
    override_percent: int | None = None,
    note: str = "",
) -> bookings.Cancellation:
    """Cancels a booking, frees its booth, and settles the money: an unpaid invoice is voided, what was
    paid is refunded by the date bands (to the card, or as a credit note for an invoice)."""
    if booking.status == BookingStatus.PENDING_PAYMENT:
        raise PaymentInProgress("The card payment for this booking is still going through; try again shortly.")
    payment = await payments.get_payment(db, payment_id=uuid.UUID(booking.payment_id)) if booking.payment_id else None
    if payment is not None:
        booking.paid_cents = payment.amount_paid_cents  # what payments collected is what can come back
    cancellation = await bookings.cancel_booking(
        db, conference=conference, booking=booking, actor=actor, override_percent=override_percent, note=note
    )
    if payment is None:
        return cancellation
    if payment.status == PaymentStatus.PENDING and payment.method == "invoice" and payment.amount_paid_cents == 0:
        await payments.cancel_payment(db, settings=settings, payment=payment, actor=actor, reason="Booth cancelled")
    elif cancellation.refund_cents > 0:
        await payments.refund(
            db,
            settings=settings,
            payment=payment,
            amount_cents=cancellation.refund_cents,
            reason=f"Booth booking cancelled: {cancellation.refund_percent}% refund",
            actor=actor,
            idempotency_key=f"expo-booth-cancel-{booking.id}",
            method=ReceiptMethod.CREDIT if payment.method == "invoice" else None,
        )
    return cancellation
