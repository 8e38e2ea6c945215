"""Reconciliation: asking Stripe again about unfinished card payments and pending refunds, to repair
what a missed webhook left behind, finishing card payments and sending again refunds Stripe
never answered for, and cancelling card payments abandoned for a day.

Each app process runs it periodically (``events_app.wiring``), and ``events-app payments
reconcile`` runs it by hand. Several may run at once: a payment is claimed with a
conditional UPDATE before Stripe is asked, and handled in its own transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from events_app.core.clock import now
from events_app.db import make_session_maker
from events_app.payments.card import ANSWER_WAIT, cancel_payment, refresh_card_payment
from events_app.payments.models import LIVE_STATUSES, Payment, PaymentMethod, Refund, RefundStatus
from events_app.payments.refunds import send_unsent_refunds
from events_app.payments.stripe_client import card_payments_enabled
from events_app.settings import Settings

log = structlog.get_logger(__name__)

# A reconciliation claim older than this belongs to a process that died mid-check.
RECONCILE_CLAIM_TIMEOUT = timedelta(minutes=5)
# A card payment still waiting for the buyer (3-D Secure) this long after it started is abandoned.
ABANDON_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    checked: int
    changed: int


def _claimable(moment: datetime) -> ColumnElement[bool]:
    return or_(Payment.reconcile_claimed_at.is_(None), Payment.reconcile_claimed_at < moment - RECONCILE_CLAIM_TIMEOUT)


def _unfinished() -> ColumnElement[bool]:
    """Still worth asking Stripe about: live, or with a refund Stripe has not finished (or never heard of)."""
    pending_refund = (
        select(Refund.id).where(Refund.payment_id == Payment.id, Refund.status == RefundStatus.PENDING).exists()
    )
    return or_(Payment.status.in_(LIVE_STATUSES), pending_refund)


async def reconcile(engine: AsyncEngine, settings: Settings, *, limit: int = 200) -> ReconcileReport:
    """Re-fetches live card payments and pending refunds from Stripe; repairs missed webhooks.

    Each payment is claimed with a conditional UPDATE before Stripe is asked and handled
    in its own transaction, so several processes can run this at once: the guarded
    state changes make sure the handler hears about each change once. A card payment
    still unfinished a day after it started is cancelled in Stripe.
    """
    if not card_payments_enabled(settings):
        return ReconcileReport(checked=0, changed=0)
    sessions = make_session_maker(engine)
    moment = now()
    async with sessions() as db:
        payment_ids = list(
            await db.scalars(
                select(Payment.id)
                .where(
                    Payment.method == PaymentMethod.CARD,
                    Payment.status.in_(LIVE_STATUSES),
                    # One Stripe never answered for is looked up once its request has given up.
                    or_(Payment.stripe_payment_intent_id.is_not(None), Payment.created_at < moment - ANSWER_WAIT),
                    _claimable(moment),
                )
                .order_by(Payment.last_checked_at.is_not(None), Payment.last_checked_at, Payment.created_at)
                .limit(limit)
            )
        )
        refund_payment_ids = set(
            await db.scalars(select(Refund.payment_id).where(Refund.status == RefundStatus.PENDING).limit(limit))
        )
    checked = changed = 0
    for payment_id in [*payment_ids, *(refund_payment_ids - set(payment_ids))]:
        async with sessions() as db:
            claim = await db.execute(
                update(Payment)
                .where(Payment.id == payment_id, _claimable(moment), _unfinished())
                .values(reconcile_claimed_at=now())
                .execution_options(synchronize_session=False)
            )
            await db.commit()
            if claim.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another process is checking it
            checked += 1
            try:
                changed += await _reconcile_one(db, settings, payment_id, moment)
                await db.commit()
            except Exception:  # one payment's trouble must not stop the others; it is retried next round
                await db.rollback()
                log.exception("reconcile_payment_failed", payment_id=str(payment_id))
            finally:
                await db.execute(
                    update(Payment)
                    .where(Payment.id == payment_id)
                    .values(reconcile_claimed_at=None, last_checked_at=now())
                    .execution_options(synchronize_session=False)
                )
                await db.commit()
    if checked:
        log.info("payments_reconciled", checked=checked, changed=changed)
    return ReconcileReport(checked=checked, changed=changed)


async def _reconcile_one(db: AsyncSession, settings: Settings, payment_id: uuid.UUID, moment: datetime) -> int:
    payment = await db.get_one(Payment, payment_id)
    before = (payment.status, payment.amount_refunded_cents, payment.needs_attention)
    await refresh_card_payment(db, settings=settings, payment=payment)
    # After the refresh, which recognises refunds Stripe made but whose answer was lost.
    await send_unsent_refunds(db, settings, payment)
    if payment.status in LIVE_STATUSES and payment.created_at < moment - ABANDON_AFTER:
        await cancel_payment(
            db, settings=settings, payment=payment, actor=None, reason="Abandoned: not completed within a day."
        )
    return int((payment.status, payment.amount_refunded_cents, payment.needs_attention) != before)
