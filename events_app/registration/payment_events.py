"""What payments tell us about a registration order, and staff's answer to an order that needs attention.

``RegistrationPayments`` is the handler registered for ``checkout.PURPOSE`` (``wiring``):
payments calls ``on_paid``, ``on_failed`` and ``on_refunded`` after a verified webhook,
a reconciliation or a staff action, idempotently. A payment that arrives after its hold
expired takes the seats again if they are still free; otherwise the order "needs
attention" and the payment is kept for staff, who refund it or ``honour_order`` once
there is room. An order's payment never goes missing.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.payments import service as payments
from events_app.payments.errors import CannotHonour
from events_app.payments.models import Payment, Refund
from events_app.registration import cancellation, checkout, mail
from events_app.registration.checkout import PURPOSE
from events_app.registration.errors import OrderNotNeedingAttention, PromoCodeUsedUp, SoldOut
from events_app.registration.models import LIVE_ATTENDEE, AttendeeStatus, Order, OrderStatus
from events_app.registration.service import audit
from events_app.settings import Settings


class RegistrationPayments:
    """The payment handler for registration orders (``reference_id`` is the order's id)."""

    async def on_paid(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
        order = await db.get(Order, payment.reference_id, with_for_update=True, populate_existing=True)
        if order is None:
            raise CannotHonour("The registration order this payment was for no longer exists.")
        moment = now()
        if order.status == OrderStatus.PAID:
            return
        if order.status in (OrderStatus.CANCELLED, OrderStatus.NEEDS_ATTENTION):
            reason = f"Order {order.number} was {order.status.value.replace('_', ' ')} when its payment arrived."
            raise CannotHonour(reason)
        if not checkout.hold_is_live(order, moment):
            try:
                await checkout.secure_seats_again(db, order=order, at=moment)
            except (SoldOut, PromoCodeUsedUp) as exc:
                reason = f"Paid after its hold expired and the seats were gone: {exc.detail}"
                order.paid_cents += payment.amount_paid_cents  # the money did arrive: staff refund it from here
                await _needs_attention(db, order=order, reason=reason)
                raise CannotHonour(reason) from exc
        order.paid_cents += payment.amount_paid_cents
        conference = await db.get_one(Conference, order.conference_id)
        await checkout.confirm(db, settings=settings, conference=conference, order=order, at=moment)
        await audit(
            db,
            order,
            "registration.order_paid",
            actor=None,
            payment_id=str(payment.id),
            amount_cents=payment.amount_paid_cents,
        )

    async def on_failed(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
        order = await db.get(Order, payment.reference_id, populate_existing=True)
        if order is None or order.id in db.info.get(cancellation.REISSUING_INVOICE, set()):
            return
        if order.status == OrderStatus.INVOICED and payment.invoice is not None:
            # A voided invoice ends the order: its seats go back on sale.
            await cancellation.cancel_unpaid(db, settings=settings, order=order, reason="invoice voided")
        # A declined card leaves the order pending: the buyer may try another card while the hold lasts.

    async def on_refunded(self, db: AsyncSession, *, settings: Settings, payment: Payment, refund: Refund) -> None:
        order = await db.get(Order, payment.reference_id, populate_existing=True)
        if order is None:
            return
        order.refunded_cents += refund.amount_cents
        conference = await db.get_one(Conference, order.conference_id)
        if order.refunded_cents >= order.paid_cents > 0:
            # Fully refunded (by our cancellation or by staff in payments): nobody is left registered.
            for attendee in order.attendees:
                if attendee.status in LIVE_ATTENDEE:
                    cancellation.revoke(attendee, AttendeeStatus.REFUNDED, at=now())
            order.status = OrderStatus.CANCELLED
        await db.flush()
        await mail.send_refund_notice(
            db,
            settings=settings,
            conference=conference,
            order=order,
            amount_cents=refund.amount_cents,
            by_card=refund.method is None,
        )


async def _needs_attention(db: AsyncSession, *, order: Order, reason: str) -> None:
    order.status = OrderStatus.NEEDS_ATTENTION
    order.attention_reason = reason[:500]
    await db.flush()
    await audit(db, order, "registration.order_needs_attention", actor=None, reason=reason)


async def honour_order(db: AsyncSession, *, settings: Settings, order: Order, actor: Principal | None) -> Order:
    """Staff give a "needs attention" order its seats after all (e.g. after raising the capacity).

    The seats are taken as at checkout (409 ``sold-out`` if they still are not there); the
    attendees are confirmed and mailed, and the payment's attention flag is settled.
    """
    if order.status != OrderStatus.NEEDS_ATTENTION:
        raise OrderNotNeedingAttention(f"Order {order.number} does not need attention.")
    moment = now()
    await checkout.secure_seats_again(db, order=order, at=moment)
    conference = await db.get_one(Conference, order.conference_id)
    await checkout.confirm(db, settings=settings, conference=conference, order=order, at=moment)
    for payment in await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id):
        if payment.needs_attention and payment.attention_resolved_at is None:
            await payments.resolve_attention(db, payment=payment, note="Registration honoured by staff", actor=actor)
    await audit(db, order, "registration.order_honoured", actor=actor)
    return order
