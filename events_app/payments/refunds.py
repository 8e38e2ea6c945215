"""Refunds: giving money back through Stripe or as recorded money out, and keeping our refunds in
line with Stripe's (including ones made in Stripe's dashboard).

A refund never exceeds what was collected: its amount is reserved by a conditional UPDATE
and committed with the pending refund before Stripe is asked (no lock is held for the network
round trip), and one idempotency key per refund means a retried request, or reconciliation
sending a refund Stripe never answered for, moves no money twice. A refund that fails gives
its reservation back and flags the payment for staff.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import stripe
import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.core.clock import now
from events_app.core.money import Money
from events_app.db import insert_unless_taken
from events_app.payments.errors import (
    IdempotencyKeyTooLong,
    NothingToRefund,
    RefundMethodMissing,
    RefundRefused,
    RefundTooLarge,
    StripeUnavailable,
)
from events_app.payments.handlers import tell_refunded
from events_app.payments.ledger import audit, flag
from events_app.payments.models import Payment, PaymentMethod, PaymentStatus, ReceiptMethod, Refund, RefundStatus
from events_app.payments.stripe_client import as_dict, error_message, stripe_api
from events_app.settings import Settings

log = structlog.get_logger(__name__)

# A pending refund without Stripe's answer this long after it was asked for is sent again: by
# then the request that asked has given up or died (its retry carries the same idempotency key).
SEND_AGAIN_AFTER = timedelta(minutes=1)
# A failed or cancelled payment holds money only when Stripe took it after the attempt was given up.
REFUNDABLE = (PaymentStatus.PAID, PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.CANCELED)


async def refund(
    db: AsyncSession,
    *,
    settings: Settings,
    payment: Payment,
    amount_cents: int | None = None,
    reason: str,
    actor: Principal | None,
    idempotency_key: str | None = None,
    method: ReceiptMethod | None = None,
    reference: str = "",
) -> Refund:
    """Gives money back: through Stripe for a card payment, as recorded money out for an invoice.

    ``amount_cents=None`` refunds everything still refundable; partial refunds add up to
    at most what was collected (``RefundTooLarge`` otherwise). The same
    ``idempotency_key`` asked twice returns the first refund and moves no money twice.
    An invoice refund needs ``method`` (how the money left: check, ACH, credit...).
    When the refund succeeds, the purpose's ``on_refunded`` runs (for a pending Stripe
    refund: later, from its webhook or reconciliation). Audited.
    """
    key = f"{payment.id}:{idempotency_key}" if idempotency_key else f"{payment.id}:{uuid.uuid4()}"
    if len(key) > 255:
        raise IdempotencyKeyTooLong("The idempotency key is too long.")
    if (earlier := await db.scalar(select(Refund).where(Refund.idempotency_key == key))) is not None:
        return earlier
    if payment.method == PaymentMethod.INVOICE and method is None:
        raise RefundMethodMissing("Say how the money was returned (check, ACH, credit...).")
    if payment.method == PaymentMethod.CARD:
        method = None
    amount = payment.refundable_cents if amount_cents is None else amount_cents
    if amount <= 0:
        raise NothingToRefund("Nothing is left to refund on this payment.")
    if payment.method == PaymentMethod.CARD and not payment.stripe_payment_intent_id:
        raise NothingToRefund("This card payment never reached Stripe; there is nothing to refund.")
    # Reserve first, in one statement: two refunds racing can never give back more than was paid.
    if not await _reserve(db, payment, amount, statuses=REFUNDABLE):
        raise RefundTooLarge(
            f"{Money(amount, payment.currency)} is more than the "
            f"{Money(payment.refundable_cents, payment.currency)} that can still be refunded.",
            refundable_cents=payment.refundable_cents,
        )
    refund_row = Refund(
        payment_id=payment.id,
        amount_cents=amount,
        currency=payment.currency,
        status=RefundStatus.PENDING,
        method=method,
        idempotency_key=key,
        reason=reason.strip()[:500],
        reference=reference.strip()[:200],
        requested_by=actor.email if actor else "system",
        requested_by_user_id=actor.user_id if actor else None,
    )
    db.add(refund_row)
    await db.flush()
    await audit(
        db,
        payment,
        "payment.refund_requested",
        actor=actor,
        refund_id=str(refund_row.id),
        amount_cents=amount,
        reason=refund_row.reason,
    )
    if payment.method == PaymentMethod.INVOICE:
        await _finish_refund(db, settings, payment, refund_row, status=RefundStatus.SUCCEEDED)
        return refund_row
    # The reservation and the pending refund are committed before Stripe is asked: the payment's
    # row (on SQLite the whole database) stays locked for no network round trip. Should Stripe
    # fail or this process die now, reconciliation asks again with the same idempotency key.
    await db.commit()
    await send_to_stripe(db, settings, payment, refund_row)
    if refund_row.status == RefundStatus.FAILED:
        raise RefundRefused(f"Stripe refused the refund: {refund_row.failure_message}")
    return refund_row


async def send_to_stripe(db: AsyncSession, settings: Settings, payment: Payment, refund_row: Refund) -> None:
    """Asks Stripe for a committed pending refund, outside any transaction, then commits its answer.

    A refusal fails the refund (its reservation given back, the payment flagged); a network
    or Stripe outage leaves it pending, without a Stripe id, for reconciliation to send again.
    """
    assert payment.stripe_payment_intent_id
    assert not db.in_transaction(), "no lock may be held while Stripe is asked"
    try:
        async with stripe_api(settings) as client:
            stripe_refund = as_dict(
                await asyncio.to_thread(
                    client.v1.refunds.create,
                    {
                        "payment_intent": payment.stripe_payment_intent_id,
                        "amount": refund_row.amount_cents,
                        # How reconciliation recognises this refund should Stripe's answer be lost.
                        "metadata": {"refund_id": str(refund_row.id), "payment_id": str(payment.id)},
                    },
                    # Derived from the caller's key when there is one, so a retried request
                    # (or reconciliation) asks Stripe for the same refund again.
                    {"idempotency_key": f"refund-{refund_row.idempotency_key}"[:255]},
                )
            )
    except stripe.InvalidRequestError as exc:
        await _finish_refund(
            db, settings, payment, refund_row, status=RefundStatus.FAILED, failure_message=error_message(exc)
        )
    except StripeUnavailable:
        log.warning("refund_left_for_reconciliation", refund_id=str(refund_row.id))
        return
    else:
        await _record_stripe_refund(db, settings, payment, refund_row, stripe_refund)
    await db.commit()


async def send_unsent_refunds(db: AsyncSession, settings: Settings, payment: Payment) -> bool:
    """Sends again the payment's pending refunds that Stripe never answered for (reconciliation)."""
    unsent = list(
        await db.scalars(
            select(Refund).where(
                Refund.payment_id == payment.id,
                Refund.status == RefundStatus.PENDING,
                Refund.stripe_refund_id.is_(None),
                Refund.created_at < now() - SEND_AGAIN_AFTER,
            )
        )
    )
    await db.commit()  # nothing is held while Stripe is asked
    for refund_row in unsent:
        await send_to_stripe(db, settings, payment, refund_row)
    return bool(unsent)


async def _record_stripe_refund(
    db: AsyncSession, settings: Settings, payment: Payment, refund_row: Refund, stripe_refund: dict[str, Any]
) -> bool:
    await db.execute(
        update(Refund)
        .where(Refund.id == refund_row.id, Refund.stripe_refund_id.is_(None))
        .values(stripe_refund_id=stripe_refund["id"], updated_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(refund_row)
    return await _apply_stripe_refund(db, settings, payment, refund_row, stripe_refund)


async def _reserve(
    db: AsyncSession, payment: Payment, amount: int, *, statuses: tuple[PaymentStatus, ...] | None = None
) -> bool:
    """Counts ``amount`` as refunded, in one statement, unless that would exceed what was paid."""
    query = update(Payment).where(
        Payment.id == payment.id, Payment.amount_refunded_cents + amount <= Payment.amount_paid_cents
    )
    if statuses is not None:
        query = query.where(Payment.status.in_(statuses))
    query = query.values(amount_refunded_cents=Payment.amount_refunded_cents + amount, updated_at=now())
    result = await db.execute(query.execution_options(synchronize_session=False))
    await db.refresh(payment)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def _finish_refund(
    db: AsyncSession,
    settings: Settings,
    payment: Payment,
    refund_row: Refund,
    *,
    status: RefundStatus,
    failure_message: str = "",
) -> bool:
    """Moves a pending refund to its end state once; a failed one gives its reservation back."""
    result = await db.execute(
        update(Refund)
        .where(Refund.id == refund_row.id, Refund.status == RefundStatus.PENDING)
        .values(status=status, completed_at=now(), failure_message=failure_message[:500], updated_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(refund_row)
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    if status == RefundStatus.SUCCEEDED:
        await db.refresh(payment)
        await tell_refunded(db, settings, payment, refund_row)
        return True
    await db.execute(
        update(Payment)
        .where(Payment.id == payment.id)
        .values(amount_refunded_cents=Payment.amount_refunded_cents - refund_row.amount_cents, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(payment)
    await audit(db, payment, "payment.refund_failed", refund_id=str(refund_row.id), reason=failure_message)
    await flag(db, payment, f"A refund of {Money(refund_row.amount_cents, refund_row.currency)} failed.")
    return True


_STRIPE_REFUND_STATUS = {
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELED,
}


async def _apply_stripe_refund(
    db: AsyncSession, settings: Settings, payment: Payment, refund_row: Refund, stripe_refund: dict[str, Any]
) -> bool:
    status = _STRIPE_REFUND_STATUS.get(str(stripe_refund.get("status")))
    if status is None:
        return False  # still pending in Stripe
    return await _finish_refund(
        db, settings, payment, refund_row, status=status, failure_message=str(stripe_refund.get("failure_reason") or "")
    )


async def sync_refunds(db: AsyncSession, settings: Settings, payment: Payment, listed: list[dict[str, Any]]) -> bool:
    """Brings the payment's refunds in line with Stripe's ``listed`` ones (``fetch_refunds``, asked
    before any write), including ones made in Stripe's dashboard."""
    changed = False
    for stripe_refund in listed:
        refund_row = await db.scalar(select(Refund).where(Refund.stripe_refund_id == stripe_refund["id"]))
        if refund_row is None and (ours := await _sent_by_us(db, payment, stripe_refund)) is not None:
            changed = await _record_stripe_refund(db, settings, payment, ours, stripe_refund) or changed
            continue
        if refund_row is None:
            refund_row = await _adopt_stripe_refund(db, payment, stripe_refund)
            if refund_row is None:
                continue
        changed = await _apply_stripe_refund(db, settings, payment, refund_row, stripe_refund) or changed
    return changed


async def _sent_by_us(db: AsyncSession, payment: Payment, stripe_refund: dict[str, Any]) -> Refund | None:
    """Our pending refund that Stripe made but whose answer never reached us (the process died)."""
    refund_id = (stripe_refund.get("metadata") or {}).get("refund_id")
    try:
        wanted = uuid.UUID(str(refund_id))
    except ValueError:
        return None
    return await db.scalar(
        select(Refund).where(Refund.id == wanted, Refund.payment_id == payment.id, Refund.stripe_refund_id.is_(None))
    )


async def _adopt_stripe_refund(db: AsyncSession, payment: Payment, stripe_refund: dict[str, Any]) -> Refund | None:
    """Records a refund someone made in Stripe itself, so our books and Stripe's agree."""
    amount = int(stripe_refund.get("amount") or 0)
    if amount <= 0 or stripe_refund.get("status") in ("failed", "canceled"):
        return None
    key = f"{payment.id}:stripe:{stripe_refund['id']}"
    taken = await insert_unless_taken(
        db,
        Refund,
        {
            "id": uuid.uuid4(),
            "payment_id": payment.id,
            "amount_cents": amount,
            "currency": payment.currency,
            "status": RefundStatus.PENDING,
            "stripe_refund_id": stripe_refund["id"],
            "idempotency_key": key,
            "reason": "Refunded in Stripe",
            "requested_by": "stripe",
        },
    )
    if not taken:
        return None  # another process adopted it just now
    if not await _reserve(db, payment, amount):
        await flag(db, payment, f"Stripe refunded {Money(amount, payment.currency)}, more than our records allow.")
    return await db.scalar(select(Refund).where(Refund.idempotency_key == key))
