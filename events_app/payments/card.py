"""Card payments: starting one (a PaymentIntent created and confirmed by our server), applying what
Stripe says about it, and cancelling it.

One PaymentIntent per payment, confirmed with the PaymentMethod the browser made with
Stripe.js; the browser only handles ``requires_action`` (3-D Secure). A new card attempt is a
new payment. A card payment is paid only when Stripe says so (``apply_intent``, from a
verified webhook or a reconciliation), never because the browser does.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import stripe
import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.core.clock import now
from events_app.core.money import Money
from events_app.payments.errors import (
    AlreadyPaid,
    AmountTooSmall,
    BadPaymentMethod,
    InvoiceMissing,
    InvoiceOpen,
    NotCancellable,
    PaymentInProgress,
    RefundRefused,
    StripeUnavailable,
)
from events_app.payments.handlers import tell_failed, tell_paid
from events_app.payments.invoices import void_invoice
from events_app.payments.ledger import audit, check_amount, check_conference, flag, live_payment_for, move, new_payment
from events_app.payments.models import LIVE_STATUSES, Payment, PaymentMethod, PaymentStatus
from events_app.payments.refunds import refund, sync_refunds
from events_app.payments.stripe_client import (
    as_dict,
    cancel_intent,
    error_message,
    fetch_intent,
    fetch_refunds,
    find_intent,
    require_card_payments,
    stripe_api,
)
from events_app.settings import Settings

log = structlog.get_logger(__name__)

STRIPE_MINIMUM_CENTS = 50  # Stripe refuses smaller card charges in USD
# Given up: its purpose let go of what it held, and the buyer may have paid with another attempt.
ABANDONED = (PaymentStatus.FAILED, PaymentStatus.CANCELED)
# A card payment still without Stripe's answer this long after it started is looked up in
# Stripe, and failed if Stripe never made it: the request that asked has given up by then.
ANSWER_WAIT = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class CardPaymentStarted:
    """What the checkout page needs after the server created and confirmed the PaymentIntent.

    ``status``: "processing" (Stripe accepted it; the webhook will mark it paid),
    "requires_action" (call Stripe.js ``confirmCardPayment(client_secret)`` for 3-D Secure),
    or "failed" (declined: ``message`` says why; try another card, which is a new payment).
    """

    payment: Payment
    status: Literal["processing", "requires_action", "failed"]
    client_secret: str | None
    message: str


async def start_card_payment(
    db: AsyncSession,
    *,
    settings: Settings,
    conference_id: uuid.UUID,
    purpose: str,
    reference_id: uuid.UUID,
    amount_cents: int,
    currency: str = "USD",
    description: str,
    payment_method_id: str,
    buyer_email: str = "",
    buyer_name: str = "",
    actor: Principal | None = None,
    hold: Callable[[], Awaitable[None]] | None = None,
) -> CardPaymentStarted:
    """Creates a card payment and its one PaymentIntent, confirmed server-side with the card.

    In three steps, so no lock is held while Stripe answers: the pending payment is committed
    together with what the caller wrote so far, Stripe is asked with no transaction open, and
    its answer is committed in a short transaction of its own. When Stripe does not answer the
    payment stays pending ("processing", with no client secret) and reconciliation finds its
    PaymentIntent or fails it. A live card payment for the same reference that Stripe can
    still cancel (an abandoned 3-D Secure step) is cancelled and replaced, without telling the
    handler: the buyer is right here paying. Raises ``CardPaymentsDisabled`` in invoice-only
    mode, ``PaymentInProgress`` when the reference has a live invoice or a card payment Stripe
    already took (or has not answered for yet), and ``StripeUnavailable`` when Stripe cannot be
    reached to settle that earlier payment (nothing new is written then).

    ``hold`` writes what the caller keeps for the buyer while they pay (a renewed hold): it runs
    once the earlier payment is settled, so a refused attempt leaves nothing of it behind, and is
    committed together with the pending payment.
    """
    require_card_payments(settings)
    currency = check_amount(amount_cents, currency)
    if amount_cents < STRIPE_MINIMUM_CENTS:
        raise AmountTooSmall("A card payment must be at least $0.50.")
    if not payment_method_id.startswith(("pm_", "card_", "src_")):
        raise BadPaymentMethod("The card details were not accepted; please enter them again.")
    await check_conference(db, conference_id)
    live = await live_payment_for(db, purpose=purpose, reference_id=reference_id)
    if live is not None:
        await _supersede(db, settings=settings, payment=live)
    if hold is not None:
        await hold()
    payment = await new_payment(
        db,
        conference_id=conference_id,
        purpose=purpose,
        reference_id=reference_id,
        method=PaymentMethod.CARD,
        status=PaymentStatus.PENDING,
        amount_cents=amount_cents,
        currency=currency,
        description=description[:500],
        buyer_email=buyer_email,
        buyer_name=buyer_name[:200],
    )
    # Should this process die while Stripe is asked, reconciliation finds the PaymentIntent
    # by the payment id in its metadata, or fails the payment once Stripe has none.
    await db.commit()
    started = await _ask_stripe_to_charge(db, settings, payment, payment_method_id, actor)
    await db.commit()
    return started


async def _ask_stripe_to_charge(
    db: AsyncSession, settings: Settings, payment: Payment, payment_method_id: str, actor: Principal | None
) -> CardPaymentStarted:
    """Creates and confirms the committed payment's PaymentIntent, outside any transaction, and
    records Stripe's answer (the caller commits it)."""
    assert not db.in_transaction(), "no lock may be held while Stripe is asked"
    params: dict[str, Any] = {
        "amount": payment.amount_cents,
        "currency": payment.currency.lower(),
        "payment_method": payment_method_id,
        "payment_method_types": ["card"],
        "confirm": True,
        "metadata": {
            "payment_id": str(payment.id),
            "purpose": payment.purpose,
            "reference_id": str(payment.reference_id),
            "conference_id": str(payment.conference_id),
        },
    }
    try:
        async with stripe_api(settings) as client:
            try:
                intent = as_dict(
                    await asyncio.to_thread(
                        client.v1.payment_intents.create,
                        params,  # type: ignore[arg-type]
                        {"idempotency_key": f"payment-{payment.id}"},
                    )
                )
            except stripe.CardError as exc:
                # Stripe keeps the declined PaymentIntent; nothing was collected.
                error = exc.error
                intent_id = getattr(getattr(error, "payment_intent", None), "id", None) if error else None
                await _audit_started(db, payment, actor, outcome="declined")
                return await _declined(db, payment, error_message(exc), stripe_payment_intent_id=intent_id)
            except stripe.InvalidRequestError:
                # The pending payment is committed already: it fails like a declined card, so the
                # caller gives back what it took and the buyer can enter the card again.
                await _audit_started(db, payment, actor, outcome="refused")
                return await _declined(db, payment, "The card details were not accepted; please enter them again.")
    except StripeUnavailable:
        log.warning("card_payment_left_for_reconciliation", payment_id=str(payment.id))
        await _audit_started(db, payment, actor, outcome="unanswered")
        return CardPaymentStarted(
            payment=payment,
            status="processing",
            client_secret=None,
            message="The card processor has not answered yet; we will confirm your payment shortly.",
        )
    await _audit_started(db, payment, actor, outcome=str(intent.get("status")))
    await _record_intent(db, payment, intent["id"])
    if intent.get("status") == "requires_action":
        await move(db, payment, to=PaymentStatus.REQUIRES_ACTION, allowed_from=[PaymentStatus.PENDING])
        return CardPaymentStarted(
            payment=payment,
            status="requires_action",
            client_secret=intent.get("client_secret"),
            message="Your bank asks you to confirm this payment.",
        )
    if intent.get("status") == "requires_payment_method":
        message = (intent.get("last_payment_error") or {}).get("message") or "The card was declined."
        return await _declined(db, payment, message[:500])
    # "succeeded" or "processing": paid only once Stripe's webhook (or reconciliation) confirms it.
    return CardPaymentStarted(
        payment=payment,
        status="processing",
        client_secret=intent.get("client_secret"),
        message="Thank you; we are confirming your payment.",
    )


async def _record_intent(db: AsyncSession, payment: Payment, intent_id: str) -> None:
    """Notes the payment's PaymentIntent, unless a webhook noted it first."""
    await db.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.stripe_payment_intent_id.is_(None))
        .values(stripe_payment_intent_id=intent_id, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(payment)


async def _declined(db: AsyncSession, payment: Payment, message: str, **values: Any) -> CardPaymentStarted:
    """The card was declined as the buyer paid: the payment failed, and nobody else is told."""
    await move(db, payment, to=PaymentStatus.FAILED, allowed_from=LIVE_STATUSES, failure_message=message, **values)
    return CardPaymentStarted(payment=payment, status="failed", client_secret=None, message=message)


async def _audit_started(db: AsyncSession, payment: Payment, actor: Principal | None, *, outcome: str) -> None:
    await audit(
        db,
        payment,
        "payment.card_started",
        actor=actor,
        purpose=payment.purpose,
        reference_id=str(payment.reference_id),
        amount_cents=payment.amount_cents,
        stripe_status=outcome,
    )


async def _supersede(db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
    """Makes room for a new card attempt, or refuses when the live payment may still bring money.

    Stripe is asked with the session's work so far committed (what the caller prepared for
    this attempt), never with a transaction open.
    """
    if payment.method == PaymentMethod.INVOICE:
        number = f" {payment.invoice.number}" if payment.invoice else ""
        raise InvoiceOpen(f"Invoice{number} is open for this; void it first.")
    await refresh_card_payment(db, settings=settings, payment=payment)
    if payment.status == PaymentStatus.PAID:
        raise AlreadyPaid("This has already been paid.")
    if payment.status not in LIVE_STATUSES:
        return
    if payment.status == PaymentStatus.PROCESSING:
        raise PaymentInProgress("The card payment is still being processed; please wait a moment.")
    if not payment.stripe_payment_intent_id:
        raise PaymentInProgress("The card processor has not answered for the last attempt yet; try again in a minute.")
    if not await _cancel_in_stripe(db, settings, payment):
        # Stripe would not cancel it: it moved on meanwhile. Take its word for what happened.
        await refresh_card_payment(db, settings=settings, payment=payment)
        if payment.status in (*LIVE_STATUSES, PaymentStatus.PAID):
            raise PaymentInProgress("The previous card payment is still going through; please wait a moment.")
        return
    await move(
        db,
        payment,
        to=PaymentStatus.CANCELED,
        allowed_from=LIVE_STATUSES,
        failure_message="Replaced by a new card payment.",
    )


async def _cancel_in_stripe(db: AsyncSession, settings: Settings, payment: Payment) -> bool:
    """Cancels the payment's PaymentIntent with the session's work committed; False when Stripe would not."""
    assert payment.stripe_payment_intent_id
    await db.commit()  # nothing is held while Stripe is asked
    return await cancel_intent(settings, payment.stripe_payment_intent_id)


@dataclass(frozen=True, slots=True)
class StripeNews:
    """What Stripe says about one card payment, asked before anything is written."""

    intent: dict[str, Any] | None
    refunds: list[dict[str, Any]]


async def ask_stripe_about(db: AsyncSession, settings: Settings, payment: Payment) -> StripeNews:
    """Ends the session's transaction, then fetches the payment's PaymentIntent and its refunds.

    A payment whose PaymentIntent Stripe never told us about is looked up by its id in the
    intents' metadata.
    """
    await db.commit()  # nothing is held while Stripe is asked
    if payment.stripe_payment_intent_id:
        intent: dict[str, Any] | None = await fetch_intent(settings, payment.stripe_payment_intent_id)
    else:
        made_after = int((payment.created_at - ANSWER_WAIT).timestamp())  # a minute's leeway for clocks
        intent = await find_intent(settings, str(payment.id), made_after=made_after)
    refunds = await fetch_refunds(settings, intent["id"]) if intent and intent.get("status") == "succeeded" else []
    return StripeNews(intent=intent, refunds=refunds)


async def apply_news(db: AsyncSession, settings: Settings, payment: Payment, news: StripeNews) -> bool:
    """Applies what Stripe said (``ask_stripe_about``); True when it changed the payment."""
    if news.intent is None:
        if payment.stripe_payment_intent_id or payment.created_at >= now() - ANSWER_WAIT:
            return False  # its request may still be waiting for Stripe's answer
        moved = await move(
            db,
            payment,
            to=PaymentStatus.FAILED,
            allowed_from=[PaymentStatus.PENDING],
            extra=Payment.stripe_payment_intent_id.is_(None),
            failure_message="The card processor never took this payment; please pay again.",
        )
        if moved:
            await tell_failed(db, settings, payment)
        return moved
    if _intent_mismatch(payment, news.intent) is None and not payment.stripe_payment_intent_id:
        await _record_intent(db, payment, news.intent["id"])
    changed = await apply_intent(db, settings, payment, news.intent)
    if payment.amount_paid_cents:
        changed = await sync_refunds(db, settings, payment, news.refunds) or changed
    return changed


async def refresh_card_payment(db: AsyncSession, *, settings: Settings, payment: Payment) -> Payment:
    """Asks Stripe about the payment (with the session's work committed) and applies what it says."""
    if payment.method != PaymentMethod.CARD:
        return payment
    await apply_news(db, settings, payment, await ask_stripe_about(db, settings, payment))
    return payment


def _intent_mismatch(payment: Payment, intent: dict[str, Any]) -> str | None:
    """Why this PaymentIntent may not pay this payment, if it may not."""
    metadata = intent.get("metadata") or {}
    if metadata.get("payment_id") != str(payment.id):
        return f"PaymentIntent {intent.get('id')} was not made for this payment."
    if payment.stripe_payment_intent_id not in (None, intent.get("id")):
        return f"PaymentIntent {intent.get('id')} claims this payment, which has {payment.stripe_payment_intent_id}."
    if intent.get("amount") != payment.amount_cents or str(intent.get("currency", "")).upper() != payment.currency:
        got = Money(int(intent.get("amount") or 0), str(intent.get("currency", "")).upper())
        return f"Stripe's PaymentIntent is for {got}, but {Money(payment.amount_cents, payment.currency)} is due."
    return None


async def apply_intent(db: AsyncSession, settings: Settings, payment: Payment, intent: dict[str, Any]) -> bool:
    """Moves the payment to the state Stripe reports; True when this call changed it."""
    status = intent.get("status")
    if (problem := _intent_mismatch(payment, intent)) is not None:
        if status in ("succeeded", "processing", "requires_capture"):
            await flag(db, payment, f"Money not accepted: {problem}")
        log.warning("payment_intent_mismatch", payment_id=str(payment.id), problem=problem)
        return False
    if status == "succeeded":
        received = min(int(intent.get("amount_received") or intent.get("amount") or 0), payment.amount_cents)
        if payment.status in ABANDONED:
            return await _give_back_late_money(db, settings, payment, intent["id"], received)
        moved = await move(
            db,
            payment,
            to=PaymentStatus.PAID,
            allowed_from=LIVE_STATUSES,
            amount_paid_cents=received,
            paid_at=now(),
            failure_message="",
            stripe_payment_intent_id=intent["id"],
        )
        if moved:
            await tell_paid(db, settings, payment)
        return moved
    if status == "processing":
        waiting = [PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION]
        return await move(db, payment, to=PaymentStatus.PROCESSING, allowed_from=waiting)
    if status == "requires_action":
        return await move(db, payment, to=PaymentStatus.REQUIRES_ACTION, allowed_from=[PaymentStatus.PENDING])
    if status in ("requires_payment_method", "canceled"):
        error = intent.get("last_payment_error") or {}
        if status == "requires_payment_method" and not error:
            return False  # never attempted: nothing to report yet
        to = PaymentStatus.FAILED if status == "requires_payment_method" else PaymentStatus.CANCELED
        message = str(error.get("message") or ("The payment was cancelled." if to == PaymentStatus.CANCELED else ""))
        moved = await move(db, payment, to=to, allowed_from=LIVE_STATUSES, failure_message=message[:500])
        if moved:
            await tell_failed(db, settings, payment)
        return moved
    return False


async def _give_back_late_money(
    db: AsyncSession, settings: Settings, payment: Payment, intent_id: str, received: int
) -> bool:
    """Stripe took money for an attempt already given up (its creation timed out and it was failed,
    or it was cancelled): the money is recorded and refunded, and what was bought stays as it is.

    Whatever paid the order or booth since (the buyer's next attempt) keeps it; this money is
    never a second payment for it. Recorded by one guarded UPDATE, so a redelivered webhook or a
    reconciliation round after it refunds nothing twice.
    """
    result = await db.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status.in_(ABANDONED), Payment.amount_paid_cents == 0)
        .values(amount_paid_cents=received, paid_at=now(), stripe_payment_intent_id=intent_id, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(payment)
    if not result.rowcount or not received:  # type: ignore[attr-defined]
        return False
    money = Money(received, payment.currency)
    await audit(
        db, payment, "payment.received_after_abandoned", amount_cents=received, stripe_payment_intent_id=intent_id
    )
    await flag(db, payment, f"Stripe took {money} after this attempt was {payment.status.value}; it is refunded.")
    # A refused refund is audited and flags the payment for staff already.
    with contextlib.suppress(RefundRefused):
        await refund(
            db,
            settings=settings,
            payment=payment,
            reason="Paid after the attempt was abandoned.",
            actor=None,
            idempotency_key="paid-after-abandoned",
        )
    return True


async def cancel_payment(
    db: AsyncSession, *, settings: Settings, payment: Payment, actor: Principal | None, reason: str
) -> Payment:
    """Cancels a live payment: its PaymentIntent in Stripe, or its invoice when nothing was paid.

    Raises ``NotCancellable`` when the payment is no longer live (already paid, failed...).
    The purpose's ``on_failed`` runs once the payment is cancelled.
    """
    if payment.method == PaymentMethod.INVOICE:
        if payment.invoice is None:
            raise InvoiceMissing("This invoice payment has no invoice.")
        await void_invoice(db, settings=settings, invoice=payment.invoice, reason=reason, actor=actor)
        return payment
    await refresh_card_payment(db, settings=settings, payment=payment)
    if payment.status not in LIVE_STATUSES:
        raise NotCancellable(f"This payment is {payment.status.value} and cannot be cancelled.")
    if payment.stripe_payment_intent_id and not await _cancel_in_stripe(db, settings, payment):
        await refresh_card_payment(db, settings=settings, payment=payment)
        await db.commit()  # what Stripe said stays, though this cancellation is refused
        raise NotCancellable("Stripe would not cancel this payment; it may have gone through.")
    moved = await move(db, payment, to=PaymentStatus.CANCELED, allowed_from=LIVE_STATUSES, failure_message=reason[:500])
    if moved:
        await audit(db, payment, "payment.cancel_requested", actor=actor, reason=reason)
        await tell_failed(db, settings, payment)
    return payment
