"""Cancellation, refunds and substitution: what a buyer or staff may undo or hand on after checkout.

A cancelled attendee's badge is revoked at once (``badge_version`` rises) and the seat
goes back on sale, to the waitlist first. What is refunded follows the conference's
``CancellationPolicy`` by date (staff may waive it); refunds go through payments with an
idempotency key per attendee, so asking twice never pays twice. An unpaid order loses
its hold instead, and its invoice is voided (or reissued for whoever stays). A
substitution hands a confirmed registration to a colleague of the same city.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.conferences.service import city_for_email
from events_app.core.clock import now
from events_app.payments import service as payments
from events_app.payments.errors import PaymentInProgress, RefundTooLarge
from events_app.payments.models import PaymentStatus, ReceiptMethod
from events_app.registration import checkout, mail
from events_app.registration.checkout import PURPOSE
from events_app.registration.errors import (
    AttendeeNotCancellable,
    AttendeeNotSubstitutable,
    OrderNeedsAttention,
    RefundAmountWithCancel,
    SubstituteNotSameCity,
    SubstituteSamePerson,
    SubstitutionClosed,
)
from events_app.registration.models import (
    LIVE_ATTENDEE,
    Attendee,
    AttendeeStatus,
    CancellationPolicy,
    DiscountKind,
    Order,
    OrderStatus,
)
from events_app.registration.schemas import SubstituteIn
from events_app.registration.service import audit, get_policy
from events_app.registration.waitlist import offer_free_seats
from events_app.settings import Settings

# Set in ``db.info`` while an invoice is voided only to be reissued: the void must not cancel the order.
REISSUING_INVOICE = "registration.reissuing-invoice"


@dataclass(frozen=True, slots=True)
class Cancellation:
    """Who was cancelled (guests follow the attendee they came with), what is refunded and what the policy kept."""

    attendees: list[Attendee]
    refund_cents: int
    fee_cents: int


def refund_under_policy(policy: CancellationPolicy | None, *, paid_cents: int, at: datetime) -> tuple[int, int]:
    """(refund, fee) for one attendee who paid ``paid_cents``: full, less the fee, or nothing, by date."""
    if paid_cents <= 0:
        return 0, 0
    if policy is None or (policy.full_refund_until is not None and at < policy.full_refund_until):
        return paid_cents, 0
    if policy.partial_refund_until is not None and at < policy.partial_refund_until:
        if policy.fee_kind == DiscountKind.PERCENT:
            fee = min(paid_cents, (paid_cents * policy.fee_value + 50) // 100)
        else:
            fee = min(paid_cents, policy.fee_value)
        return paid_cents - fee, fee
    return 0, paid_cents


def revoke(attendee: Attendee, status: AttendeeStatus, *, at: datetime) -> None:
    """The attendee is no longer registered (cancelled, refunded or substituted) and their badge stops working."""
    attendee.status = status
    attendee.cancelled_at = at
    attendee.badge_version += 1  # the old badge stops scanning


async def cancel_unpaid(db: AsyncSession, *, settings: Settings, order: Order, reason: str) -> None:
    """Ends an order that was never paid (its invoice was voided): the seats go back on sale, the waitlist first."""
    moment = now()
    freed = [a for a in order.attendees if a.status in LIVE_ATTENDEE]
    for attendee in freed:
        revoke(attendee, AttendeeStatus.CANCELLED, at=moment)
    order.status = OrderStatus.CANCELLED
    order.hold_expires_at = None
    await db.flush()
    await audit(db, order, "registration.order_cancelled", actor=None, reason=reason)
    await offer_free_seats(db, settings=settings, type_ids={a.registration_type_id for a in freed}, at=moment)


def _with_guests(order: Order, chosen: set[uuid.UUID]) -> list[Attendee]:
    """The chosen attendees and the guests who came with them: a guest pass needs its primary attendee."""
    return [
        a for a in order.attendees if a.status in LIVE_ATTENDEE and (a.id in chosen or a.primary_attendee_id in chosen)
    ]


def _targets(order: Order, attendee_ids: Sequence[uuid.UUID]) -> list[Attendee]:
    """The attendees a cancellation takes (none named: the whole order), refused if one is not live."""
    live_ids = {a.id for a in order.attendees if a.status in LIVE_ATTENDEE}
    chosen = set(attendee_ids) or live_ids
    if not chosen <= live_ids:
        raise AttendeeNotCancellable("Some of these attendees are not (or no longer) registered on this order.")
    return _with_guests(order, chosen)


def _refunds(
    order: Order, targets: list[Attendee], policy: CancellationPolicy | None, *, waive_policy: bool, at: datetime
) -> list[tuple[Attendee, int, int]]:
    """(attendee, refund, fee) for each attendee of a paid order; never more back than the order has left."""
    refunds = []
    left = order.paid_cents - order.refunded_cents
    for attendee in targets:
        refund, fee = refund_under_policy(policy, paid_cents=attendee.amount_cents, at=at)
        if waive_policy:
            refund, fee = attendee.amount_cents, 0
        refund = min(refund, max(left, 0))
        left -= refund
        refunds.append((attendee, refund, fee))
    return refunds


async def preview_cancellation(
    db: AsyncSession, *, order: Order, attendee_ids: Sequence[uuid.UUID] = (), at: datetime | None = None
) -> Cancellation:
    """What ``cancel_attendees`` would cancel and refund under the policy, changing nothing: asked before it."""
    targets = _targets(order, attendee_ids)
    if order.status != OrderStatus.PAID:
        return Cancellation(attendees=targets, refund_cents=0, fee_cents=0)
    policy = await get_policy(db, conference_id=order.conference_id)
    refunds = _refunds(order, targets, policy, waive_policy=False, at=at or now())
    return Cancellation(
        attendees=targets, refund_cents=sum(r for _, r, _ in refunds), fee_cents=sum(f for _, _, f in refunds)
    )


async def cancel_attendees(
    db: AsyncSession,
    *,
    settings: Settings,
    order: Order,
    attendee_ids: Sequence[uuid.UUID] = (),
    actor: Principal | None = None,
    waive_policy: bool = False,
    at: datetime | None = None,
) -> Cancellation:
    """Cancels some attendees (none named: the whole order) and refunds what the policy allows.

    A cancelled attendee's badge is revoked at once (``badge_version`` rises) and the seat
    goes back on sale (to the waitlist first). Refunds go through payments, one per
    attendee with an idempotency key, so asking twice never pays twice.
    """
    moment = at or now()
    live_ids = {a.id for a in order.attendees if a.status in LIVE_ATTENDEE}
    targets = _targets(order, attendee_ids)
    if order.status == OrderStatus.NEEDS_ATTENTION:
        raise OrderNeedsAttention("Staff are dealing with this order's payment; please contact them.")
    conference = await db.get_one(Conference, order.conference_id)
    policy = None if waive_policy else await get_policy(db, conference_id=order.conference_id)
    everyone = {a.id for a in targets} == live_ids
    refund_total = fee_total = 0
    if order.status == OrderStatus.PAID:
        for attendee, refund, fee in _refunds(order, targets, policy, waive_policy=waive_policy, at=moment):
            attendee.refunded_cents = refund
            refund_total += refund
            fee_total += fee
            revoke(attendee, AttendeeStatus.REFUNDED if refund else AttendeeStatus.CANCELLED, at=moment)
        if everyone:
            order.status = OrderStatus.CANCELLED
        await db.flush()
        for attendee in targets:
            if attendee.refunded_cents:
                await _refund_through_payments(
                    db,
                    settings=settings,
                    order=order,
                    amount_cents=attendee.refunded_cents,
                    reason=f"Cancellation of {attendee.full_name}",
                    key=f"registration-cancel-{attendee.id}",
                    actor=actor,
                )
    else:
        live_payment = await payments.live_payment_for(db, purpose=PURPOSE, reference_id=order.id)
        if (
            live_payment is not None
            and live_payment.invoice is None
            and live_payment.status != PaymentStatus.REQUIRES_ACTION
        ):
            # Stripe may still collect it: cancelling now would race the payment. (An abandoned
            # 3-D Secure step is cancelled below instead.)
            raise PaymentInProgress("A card payment for this order is being processed; try again in a minute.")
        if live_payment is not None and live_payment.invoice is None:
            # Before the attendees change: Stripe is asked with the work so far committed, and a
            # payment Stripe would not cancel leaves the order as it was.
            await payments.cancel_payment(
                db, settings=settings, payment=live_payment, actor=actor, reason="order cancelled"
            )
        for attendee in targets:
            revoke(attendee, AttendeeStatus.CANCELLED, at=moment)
            order.subtotal_cents -= attendee.price_cents
            order.discount_cents -= attendee.discount_cents
            order.total_cents -= attendee.amount_cents
        if everyone:
            order.status = OrderStatus.CANCELLED
            order.hold_expires_at = None
        await db.flush()
        if live_payment is not None and live_payment.invoice is not None:
            db.info.setdefault(REISSUING_INVOICE, set()).add(order.id)
            try:
                await payments.void_invoice(
                    db, settings=settings, invoice=live_payment.invoice, reason="attendees cancelled", actor=actor
                )
            finally:
                db.info[REISSUING_INVOICE].discard(order.id)
            if not everyone and order.total_cents > 0:
                await checkout.issue_invoice(db, settings=settings, conference=conference, order=order, actor=actor)
    await audit(
        db,
        order,
        "registration.attendees_cancelled",
        actor=actor,
        attendees=[str(a.id) for a in targets],
        refund_cents=refund_total,
        fee_cents=fee_total,
    )
    await mail.send_cancellation(
        db,
        settings=settings,
        conference=conference,
        order=order,
        attendees=targets,
        refund_cents=refund_total,
        fee_cents=fee_total,
    )
    await offer_free_seats(db, settings=settings, type_ids={a.registration_type_id for a in targets}, at=moment)
    return Cancellation(attendees=targets, refund_cents=refund_total, fee_cents=fee_total)


async def _refund_through_payments(
    db: AsyncSession,
    *,
    settings: Settings,
    order: Order,
    amount_cents: int,
    reason: str,
    key: str,
    actor: Principal | None,
) -> int:
    """Refunds ``amount_cents`` over the order's paid payments, newest first; returns what was asked for."""
    left = amount_cents
    paid = [
        p for p in await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id) if p.refundable_cents > 0
    ]
    for n, payment in enumerate(reversed(paid)):
        if left <= 0:
            break
        part = min(left, payment.refundable_cents)
        await payments.refund(
            db,
            settings=settings,
            payment=payment,
            amount_cents=part,
            reason=reason,
            actor=actor,
            idempotency_key=key if n == 0 else f"{key}-{n}",
            method=ReceiptMethod.CHECK if payment.invoice is not None else None,
        )
        left -= part
    return amount_cents - left


async def refund_order(
    db: AsyncSession,
    *,
    settings: Settings,
    order: Order,
    amount_cents: int | None,
    reason: str,
    cancel_attendees_too: bool,
    actor: Principal | None,
) -> int:
    """Staff refund: an amount (default: everything left), optionally cancelling every attendee with no fee."""
    collected = await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id)
    refundable = sum(p.refundable_cents for p in collected)
    amount = refundable if amount_cents is None else amount_cents
    if amount <= 0 or amount > refundable:
        raise RefundTooLarge(f"At most {refundable} cents can be refunded on order {order.number}.")
    if cancel_attendees_too:
        if amount_cents is not None:
            raise RefundAmountWithCancel("Cancelling every attendee refunds all they paid: leave amount_cents out.")
        if order.status == OrderStatus.PAID:
            result = await cancel_attendees(db, settings=settings, order=order, actor=actor, waive_policy=True)
            return result.refund_cents
    # An order in "needs attention" never got its seats: refunding it settles it.
    key = f"registration-refund-{order.id}-{order.refunded_cents}-{amount}"
    asked = await _refund_through_payments(
        db,
        settings=settings,
        order=order,
        amount_cents=amount,
        reason=reason or "Refund by staff",
        key=key,
        actor=actor,
    )
    await audit(db, order, "registration.order_refunded", actor=actor, amount_cents=asked, reason=reason)
    return asked


async def substitute(
    db: AsyncSession,
    *,
    settings: Settings,
    order: Order,
    attendee_id: uuid.UUID,
    data: SubstituteIn,
    actor: Principal | None = None,
    at: datetime | None = None,
) -> Attendee:
    """Moves a confirmed registration to a colleague from the same city, before the policy's deadline.

    The colleague is a new attendee with a new badge; the old badge is revoked.
    """
    moment = at or now()
    old = next((a for a in order.attendees if a.id == attendee_id), None)
    if old is None or old.status != AttendeeStatus.CONFIRMED:
        raise AttendeeNotSubstitutable("Only a confirmed attendee of this order can be substituted.")
    conference = await db.get_one(Conference, order.conference_id)
    policy = await get_policy(db, conference_id=order.conference_id)
    deadline = policy.substitution_until if policy else None
    if deadline is not None and moment >= deadline:
        raise SubstitutionClosed("The deadline for substitutions has passed.")
    email = data.email.strip().lower()
    new_city = await city_for_email(db, email=email)
    if old.city_id is not None:
        if new_city is None or new_city.id != old.city_id:
            raise SubstituteNotSameCity(
                f"A substitute must be a colleague from {old.city_name}, with a {old.city_name} email address."
            )
    elif email.rpartition("@")[2] != old.email.rpartition("@")[2]:
        raise SubstituteNotSameCity("A substitute must be a colleague with an email address at the same organization.")
    if email == old.email:
        raise SubstituteSamePerson("The substitute is the same person.")
    new = Attendee(
        conference_id=old.conference_id,
        order_id=order.id,
        registration_type=old.registration_type,
        position=old.position,
        status=AttendeeStatus.CONFIRMED,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        badge_name=(data.badge_name or data.first_name).strip(),
        title=data.title.strip(),
        organization=old.organization,
        email=email,
        city_id=old.city_id,
        city_name=old.city_name,
        rate=old.rate,
        rate_note=old.rate_note,
        price_cents=old.price_cents,
        discount_cents=old.discount_cents,
        promo_code_id=old.promo_code_id,
        primary_attendee_id=old.primary_attendee_id,
        replaces_attendee_id=old.id,
        consent_to_share_contact=data.consent_to_share_contact,
        dietary_needs=data.dietary_needs.strip(),
        accessibility_needs=data.accessibility_needs.strip(),
        confirmed_at=moment,
    )
    # The old person's seat passes to the new one in the same transaction: capacity is unchanged.
    revoke(old, AttendeeStatus.SUBSTITUTED, at=moment)
    db.add(new)
    await db.flush()
    for guest in order.attendees:
        if guest.primary_attendee_id == old.id:
            guest.primary_attendee_id = new.id
    order.attendees.append(new)
    await db.flush()
    await audit(db, old, "registration.attendee_substituted", actor=actor, substitute_id=str(new.id))
    await mail.send_confirmation(
        db, settings=settings, conference=conference, attendee=new, type_name=new.registration_type.name
    )
    return new
