"""Collecting money for whatever another domain sells, by card (Stripe) or by invoice.

Another domain (registration, expo) names what is bought by ``purpose`` and its own
``reference_id``; ``events_app.wiring`` registers its ``PaymentHandler`` for the purpose at start.
This module calls the handler when a payment for that purpose is paid, fails or is
refunded, in the same transaction as the payment's own change.

Rules:

- A card payment is paid only when Stripe says so: a verified webhook or a
  reconciliation that re-fetches the PaymentIntent, never the browser. Every state
  change is a conditional UPDATE, so the same event five times, events out of order,
  or a webhook racing a reconciliation change the state (and call the handler) once.
- One PaymentIntent per payment, created and confirmed by our server with the
  PaymentMethod the browser made with Stripe.js; the browser only handles
  ``requires_action`` (3-D Secure). A new card attempt is a new payment.
- An invoice is paid when recorded money (checks, ACH...) reaches its amount.
- Refunds never exceed what was collected: the amount is reserved by a conditional
  UPDATE before Stripe is asked, with one idempotency key per refund.
- With no Stripe secret key (the embedded default) only invoices are offered.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

import msgspec
import stripe
import structlog
from litestar.pagination import OffsetPagination
from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.errors import Conflict, Invalid
from events_app.core.money import Money
from events_app.core.pagination import paginate
from events_app.core.signing import sign
from events_app.db import insert_unless_taken, upsert_statement
from events_app.payments.errors import (
    BadWebhook,
    CannotHonour,
    CardPaymentsDisabled,
    InvoiceNotFound,
    OverPayment,
    PaymentInProgress,
    PaymentNotFound,
    PaymentNotYetRecorded,
    RefundTooLarge,
    StripeUnavailable,
)
from events_app.payments.models import (
    LIVE_STATUSES,
    Invoice,
    InvoicePayment,
    InvoiceSeries,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ReceiptMethod,
    Refund,
    RefundStatus,
    StripeEvent,
)
from events_app.payments.schemas import InvoiceLine
from events_app.settings import Settings

log = structlog.get_logger(__name__)

INVOICE_SIGNING_PURPOSE = "payments.invoice"
INVOICE_DUE_DAYS = 30
STRIPE_MINIMUM_CENTS = 50  # Stripe refuses smaller card charges in USD
WEBHOOK_TOLERANCE_SECONDS = 300
# A webhook for a payment we have no row for may race the request that is still creating it;
# after this long the row will never come, and the money is recorded for staff instead.
ORPHAN_GRACE = timedelta(minutes=10)
RECORD_WAIT = timedelta(seconds=2)
# A reconciliation claim older than this belongs to a process that died mid-check.
RECONCILE_CLAIM_TIMEOUT = timedelta(minutes=5)
# A card payment still waiting for the buyer (3-D Secure) this long after it started is abandoned.
ABANDON_AFTER = timedelta(hours=24)

PAYABLE_AGAIN = (*LIVE_STATUSES, PaymentStatus.FAILED, PaymentStatus.CANCELED)


class PaymentHandler(Protocol):
    """What a domain that sells something tells payments to do when money moves.

    Each method runs inside the transaction that changes the payment and is called
    once per change. ``on_paid`` may raise ``CannotHonour(reason)`` when the thing
    bought can no longer be given; the payment then stays paid and is marked "needs
    attention" for staff to refund. What the handler wrote before raising is kept (it
    may mark its own record too), so it must not leave half a change behind.
    """

    async def on_paid(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None: ...

    async def on_failed(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None: ...

    async def on_refunded(self, db: AsyncSession, *, settings: Settings, payment: Payment, refund: Refund) -> None: ...


_HANDLERS: dict[str, PaymentHandler] = {}


def register_handler(purpose: str, handler: PaymentHandler) -> None:
    """Makes ``handler`` the one told about payments for ``purpose`` (``events_app.wiring`` calls it)."""
    if not purpose or len(purpose) > 40:
        raise ValueError("a purpose is 1-40 characters")
    _HANDLERS[purpose] = handler


def unregister_handler(purpose: str) -> None:
    """Forgets a purpose's handler (tests use it to clean up)."""
    _HANDLERS.pop(purpose, None)


def card_payments_enabled(settings: Settings) -> bool:
    """True when a Stripe secret key is configured; otherwise only invoices are offered."""
    return bool(settings.stripe_secret_key)


# --- Stripe access ------------------------------------------------------------------------------


_CLIENTS: dict[tuple[str, str], stripe.StripeClient] = {}


def _client(settings: Settings) -> stripe.StripeClient:
    """One client per key and API base; its HTTP session is shared by the worker threads.

    The blocking client runs in threads (``asyncio.to_thread``) rather than the library's
    async client, whose httpx use raises a DeprecationWarning on every request. No
    automatic retries: localstripe ignores idempotency keys, so a retried create could
    charge twice there; reconciliation repairs what a lost answer leaves behind.
    """
    key = (settings.stripe_secret_key, settings.stripe_api_base)
    if key not in _CLIENTS:
        _CLIENTS[key] = stripe.StripeClient(
            settings.stripe_secret_key,
            base_addresses={"api": settings.stripe_api_base},
            http_client=stripe.RequestsClient(timeout=30),
            max_network_retries=0,
        )
    return _CLIENTS[key]


@asynccontextmanager
async def _stripe(settings: Settings) -> AsyncIterator[stripe.StripeClient]:
    """The Stripe client (localstripe in tests), turning its outages into ``StripeUnavailable``."""
    if not card_payments_enabled(settings):
        raise CardPaymentsDisabled("Card payments are not set up; pay by invoice instead.")
    try:
        yield _client(settings)
    except stripe.APIConnectionError as exc:
        log.warning("stripe_unreachable", error=str(exc))
        raise StripeUnavailable("The card processor cannot be reached right now; please try again.") from exc
    except stripe.StripeError as exc:  # keys, rate limits, Stripe's own errors, or a request we did not expect to fail
        log.error("stripe_error", error=str(exc), kind=type(exc).__name__)
        raise StripeUnavailable("The card processor refused to answer; please try again shortly.") from exc


def _as_dict(obj: Any) -> dict[str, Any]:
    result: dict[str, Any] = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return result


def _error_message(exc: stripe.StripeError) -> str:
    return (exc.user_message or str(exc) or "The card was declined.")[:500]


# --- small shared steps -------------------------------------------------------------------------


async def _next_invoice_sequence(db: AsyncSession, series: str) -> int:
    """The next number of ``series``, gapless: one atomic upsert of the series' counter row.

    The row stays locked until the issuing transaction ends, so concurrent issuers queue
    behind it instead of colliding, and a rolled-back invoice gives its number back.
    """
    insert = upsert_statement(db)
    moment = now()
    statement = (
        insert(InvoiceSeries)
        .values(id=uuid.uuid4(), series=series, last_sequence=1, created_at=moment, updated_at=moment)
        .on_conflict_do_update(
            index_elements=[InvoiceSeries.series],
            set_={"last_sequence": InvoiceSeries.last_sequence + 1, "updated_at": moment},
        )
        .returning(InvoiceSeries.last_sequence)
    )
    sequence: int = (await db.execute(statement)).scalar_one()
    return sequence


async def _move(
    db: AsyncSession,
    payment: Payment,
    *,
    to: PaymentStatus,
    allowed_from: Sequence[PaymentStatus],
    extra: ColumnElement[bool] | None = None,
    **values: Any,
) -> bool:
    """The one guarded state change: True only for the caller whose UPDATE moved the row."""
    query = update(Payment).where(Payment.id == payment.id, Payment.status.in_(allowed_from))
    if extra is not None:
        query = query.where(extra)
    result = await db.execute(
        query.values(status=to, updated_at=now(), **values).execution_options(synchronize_session=False)
    )
    await db.refresh(payment)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def _flag(db: AsyncSession, payment: Payment, reason: str) -> None:
    """Marks a payment for staff, once per problem; the audit trail keeps every reason."""
    result = await db.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.needs_attention.is_(False))
        .values(needs_attention=True, attention_reason=reason[:1000], attention_resolved_at=None, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(payment)
    if result.rowcount:  # type: ignore[attr-defined]
        log.warning("payment_needs_attention", payment_id=str(payment.id), reason=reason)
        await record(
            db,
            actor=None,
            action="payment.needs_attention",
            subject_type="payment",
            subject_id=payment.id,
            conference_id=payment.conference_id,
            reason=reason,
        )


async def _tell_paid(db: AsyncSession, settings: Settings, payment: Payment) -> None:
    await record(
        db,
        actor=None,
        action="payment.paid",
        subject_type="payment",
        subject_id=payment.id,
        conference_id=payment.conference_id,
        amount_cents=payment.amount_paid_cents,
        method=payment.method.value,
    )
    handler = _HANDLERS.get(payment.purpose)
    if handler is None:
        await _flag(db, payment, f"Paid, but nothing here handles payments for {payment.purpose!r}.")
        return
    try:
        await handler.on_paid(db, settings=settings, payment=payment)
    except CannotHonour as exc:
        await _flag(db, payment, f"Paid, but cannot be honoured: {exc.reason}")


async def _tell_failed(db: AsyncSession, settings: Settings, payment: Payment) -> None:
    await record(
        db,
        actor=None,
        action=f"payment.{payment.status.value}",
        subject_type="payment",
        subject_id=payment.id,
        conference_id=payment.conference_id,
        reason=payment.failure_message,
    )
    if (handler := _HANDLERS.get(payment.purpose)) is not None:
        await handler.on_failed(db, settings=settings, payment=payment)


async def _tell_refunded(db: AsyncSession, settings: Settings, payment: Payment, refund: Refund) -> None:
    await _move(
        db,
        payment,
        to=PaymentStatus.REFUNDED,
        allowed_from=[PaymentStatus.PAID],
        extra=Payment.amount_refunded_cents >= Payment.amount_paid_cents,
    )
    await record(
        db,
        actor=None,
        action="payment.refunded",
        subject_type="payment",
        subject_id=payment.id,
        conference_id=payment.conference_id,
        refund_id=str(refund.id),
        amount_cents=refund.amount_cents,
    )
    if (handler := _HANDLERS.get(payment.purpose)) is not None:
        await handler.on_refunded(db, settings=settings, payment=payment, refund=refund)


def _check_amount(amount_cents: int, currency: str) -> str:
    if amount_cents <= 0:
        raise Invalid("A payment must be for more than nothing.", code="amount-not-positive")
    if len(currency) != 3 or not currency.isalpha():
        raise Invalid(f"{currency!r} is not a currency code such as USD.", code="bad-currency")
    return currency.upper()


async def _check_conference(db: AsyncSession, conference_id: uuid.UUID) -> None:
    if await db.get(Conference, conference_id) is None:
        raise Invalid("No conference has this id.", code="conference-not-found")


async def _new_payment(db: AsyncSession, **values: Any) -> Payment:
    """Inserts a live payment, or raises ``PaymentInProgress`` when the reference already has one."""
    payment_id = uuid.uuid4()
    if not await insert_unless_taken(db, Payment, {"id": payment_id, **values}):
        raise PaymentInProgress(
            "A payment for this is already in progress; finish or cancel it first.",
            code="payment-in-progress",
        )
    return await db.get_one(Payment, payment_id)


# --- card payments ------------------------------------------------------------------------------


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
) -> CardPaymentStarted:
    """Creates a card payment and its one PaymentIntent, confirmed server-side with the card.

    A live card payment for the same reference that Stripe can still cancel (an
    abandoned 3-D Secure step) is cancelled and replaced, without telling the handler:
    the buyer is right here paying. Raises ``CardPaymentsDisabled`` in invoice-only mode,
    ``PaymentInProgress`` when the reference has a live invoice or a card payment Stripe
    already took, ``Invalid`` for a payment method Stripe does not know, and
    ``StripeUnavailable`` when Stripe cannot be reached (the caller's transaction then
    rolls back and nothing is written).
    """
    if not card_payments_enabled(settings):
        raise CardPaymentsDisabled("Card payments are not set up; pay by invoice instead.")
    currency = _check_amount(amount_cents, currency)
    if amount_cents < STRIPE_MINIMUM_CENTS:
        raise Invalid("A card payment must be at least $0.50.", code="amount-too-small")
    if not payment_method_id.startswith(("pm_", "card_", "src_")):
        raise Invalid("The card details were not accepted; please enter them again.", code="bad-payment-method")
    await _check_conference(db, conference_id)
    live = await live_payment_for(db, purpose=purpose, reference_id=reference_id)
    if live is not None:
        await _supersede(db, settings=settings, payment=live)
    payment = await _new_payment(
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
    params: dict[str, Any] = {
        "amount": amount_cents,
        "currency": currency.lower(),
        "payment_method": payment_method_id,
        "payment_method_types": ["card"],
        "confirm": True,
        "metadata": {
            "payment_id": str(payment.id),
            "purpose": purpose,
            "reference_id": str(reference_id),
            "conference_id": str(conference_id),
        },
    }
    async with _stripe(settings) as client:
        try:
            intent = _as_dict(
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
            message = _error_message(exc)
            await _move(
                db,
                payment,
                to=PaymentStatus.FAILED,
                allowed_from=LIVE_STATUSES,
                failure_message=message,
                stripe_payment_intent_id=intent_id,
            )
            await _audit_started(db, payment, actor, outcome="declined")
            return CardPaymentStarted(payment=payment, status="failed", client_secret=None, message=message)
        except stripe.InvalidRequestError as exc:
            raise Invalid(
                "The card details were not accepted; please enter them again.", code="bad-payment-method"
            ) from exc
    payment.stripe_payment_intent_id = intent["id"]
    await db.flush()
    await _audit_started(db, payment, actor, outcome=str(intent.get("status")))
    if intent.get("status") == "requires_action":
        await _move(db, payment, to=PaymentStatus.REQUIRES_ACTION, allowed_from=[PaymentStatus.PENDING])
        return CardPaymentStarted(
            payment=payment,
            status="requires_action",
            client_secret=intent.get("client_secret"),
            message="Your bank asks you to confirm this payment.",
        )
    if intent.get("status") == "requires_payment_method":
        message = ((intent.get("last_payment_error") or {}).get("message") or "The card was declined.")[:500]
        await _move(db, payment, to=PaymentStatus.FAILED, allowed_from=LIVE_STATUSES, failure_message=message)
        return CardPaymentStarted(payment=payment, status="failed", client_secret=None, message=message)
    # "succeeded" or "processing": paid only once Stripe's webhook (or reconciliation) confirms it.
    return CardPaymentStarted(
        payment=payment,
        status="processing",
        client_secret=intent.get("client_secret"),
        message="Thank you; we are confirming your payment.",
    )


async def _audit_started(db: AsyncSession, payment: Payment, actor: Principal | None, *, outcome: str) -> None:
    await record(
        db,
        actor=actor,
        action="payment.card_started",
        subject_type="payment",
        subject_id=payment.id,
        conference_id=payment.conference_id,
        purpose=payment.purpose,
        reference_id=str(payment.reference_id),
        amount_cents=payment.amount_cents,
        stripe_status=outcome,
    )


async def _supersede(db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
    """Makes room for a new card attempt, or refuses when the live payment may still bring money."""
    if payment.method == PaymentMethod.INVOICE:
        raise PaymentInProgress(
            f"Invoice {payment.invoice.number if payment.invoice else ''} is open for this; void it first.".replace(
                "  ", " "
            ),
            code="invoice-open",
        )
    await refresh_card_payment(db, settings=settings, payment=payment)
    if payment.status == PaymentStatus.PAID:
        raise Conflict("This has already been paid.", code="already-paid")
    if payment.status not in LIVE_STATUSES:
        return
    if payment.status == PaymentStatus.PROCESSING:
        raise PaymentInProgress("The card payment is still being processed; please wait a moment.")
    if payment.stripe_payment_intent_id:
        async with _stripe(settings) as client:
            try:
                await asyncio.to_thread(client.v1.payment_intents.cancel, payment.stripe_payment_intent_id)
            except stripe.InvalidRequestError:
                # Stripe would not cancel it: it moved on meanwhile. Take its word for what happened.
                await refresh_card_payment(db, settings=settings, payment=payment)
                if payment.status in (*LIVE_STATUSES, PaymentStatus.PAID):
                    raise PaymentInProgress(
                        "The previous card payment is still going through; please wait a moment."
                    ) from None
                return
    await _move(
        db,
        payment,
        to=PaymentStatus.CANCELED,
        allowed_from=LIVE_STATUSES,
        failure_message="Replaced by a new card payment.",
    )


async def _fetch_intent(settings: Settings, intent_id: str) -> dict[str, Any]:
    async with _stripe(settings) as client:
        return _as_dict(await asyncio.to_thread(client.v1.payment_intents.retrieve, intent_id))


async def refresh_card_payment(db: AsyncSession, *, settings: Settings, payment: Payment) -> Payment:
    """Asks Stripe for the payment's PaymentIntent and applies what it says (once, under guard)."""
    if payment.method != PaymentMethod.CARD or not payment.stripe_payment_intent_id:
        return payment
    intent = await _fetch_intent(settings, payment.stripe_payment_intent_id)
    await _apply_intent(db, settings, payment, intent)
    if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        await _sync_refunds(db, settings, payment)
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


async def _apply_intent(db: AsyncSession, settings: Settings, payment: Payment, intent: dict[str, Any]) -> bool:
    """Moves the payment to the state Stripe reports; True when this call changed it."""
    status = intent.get("status")
    if (problem := _intent_mismatch(payment, intent)) is not None:
        if status in ("succeeded", "processing", "requires_capture"):
            await _flag(db, payment, f"Money not accepted: {problem}")
        log.warning("payment_intent_mismatch", payment_id=str(payment.id), problem=problem)
        return False
    if status == "succeeded":
        received = int(intent.get("amount_received") or intent.get("amount") or 0)
        moved = await _move(
            db,
            payment,
            to=PaymentStatus.PAID,
            allowed_from=PAYABLE_AGAIN,
            amount_paid_cents=min(received, payment.amount_cents),
            paid_at=now(),
            failure_message="",
            stripe_payment_intent_id=intent["id"],
        )
        if moved:
            await _tell_paid(db, settings, payment)
        return moved
    if status == "processing":
        waiting = [PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION]
        return await _move(db, payment, to=PaymentStatus.PROCESSING, allowed_from=waiting)
    if status == "requires_action":
        return await _move(db, payment, to=PaymentStatus.REQUIRES_ACTION, allowed_from=[PaymentStatus.PENDING])
    if status in ("requires_payment_method", "canceled"):
        error = intent.get("last_payment_error") or {}
        if status == "requires_payment_method" and not error:
            return False  # never attempted: nothing to report yet
        to = PaymentStatus.FAILED if status == "requires_payment_method" else PaymentStatus.CANCELED
        message = str(error.get("message") or ("The payment was cancelled." if to == PaymentStatus.CANCELED else ""))
        moved = await _move(db, payment, to=to, allowed_from=LIVE_STATUSES, failure_message=message[:500])
        if moved:
            await _tell_failed(db, settings, payment)
        return moved
    return False


async def cancel_payment(
    db: AsyncSession, *, settings: Settings, payment: Payment, actor: Principal | None, reason: str
) -> Payment:
    """Cancels a live payment: its PaymentIntent in Stripe, or its invoice when nothing was paid.

    Raises ``Conflict`` when the payment is no longer live (already paid, failed...).
    The purpose's ``on_failed`` runs once the payment is cancelled.
    """
    if payment.method == PaymentMethod.INVOICE:
        if payment.invoice is None:
            raise Conflict("This invoice payment has no invoice.", code="invoice-missing")
        await void_invoice(db, settings=settings, invoice=payment.invoice, reason=reason, actor=actor)
        return payment
    await refresh_card_payment(db, settings=settings, payment=payment)
    if payment.status not in LIVE_STATUSES:
        raise Conflict(f"This payment is {payment.status.value} and cannot be cancelled.", code="not-cancellable")
    if payment.stripe_payment_intent_id:
        async with _stripe(settings) as client:
            try:
                await asyncio.to_thread(client.v1.payment_intents.cancel, payment.stripe_payment_intent_id)
            except stripe.InvalidRequestError as exc:
                await refresh_card_payment(db, settings=settings, payment=payment)
                raise Conflict(
                    "Stripe would not cancel this payment; it may have gone through.", code="not-cancellable"
                ) from exc
    moved = await _move(
        db, payment, to=PaymentStatus.CANCELED, allowed_from=LIVE_STATUSES, failure_message=reason[:500]
    )
    if moved:
        await record(
            db,
            actor=actor,
            action="payment.cancel_requested",
            subject_type="payment",
            subject_id=payment.id,
            conference_id=payment.conference_id,
            reason=reason,
        )
        await _tell_failed(db, settings, payment)
    return payment


# --- invoices -----------------------------------------------------------------------------------


async def create_invoice(
    db: AsyncSession,
    *,
    settings: Settings,
    conference_id: uuid.UUID,
    purpose: str,
    reference_id: uuid.UUID,
    bill_to: str,
    buyer_email: str,
    lines: Sequence[InvoiceLine],
    currency: str = "USD",
    po_number: str = "",
    description: str = "",
    buyer_name: str = "",
    due_on: date | None = None,
    actor: Principal | None = None,
) -> Invoice:
    """Issues a numbered invoice (``INV-<year>-<00001>``) and its pending payment.

    The amount is the sum of ``lines``. Numbers are sequential per year of issue with
    no gaps from rolled-back transactions (a unique constraint settles concurrent
    issuers). ``due_on`` defaults to 30 days after issue. Raises ``PaymentInProgress``
    when a live payment for this reference exists, ``Invalid`` for an empty invoice.
    """
    if not lines:
        raise Invalid("An invoice needs at least one line.", code="invoice-empty")
    amount = sum(line.amount_cents for line in lines)
    currency = _check_amount(amount, currency)
    if not bill_to.strip():
        raise Invalid("An invoice needs someone to bill.", code="bill-to-missing")
    await _check_conference(db, conference_id)
    issued_at = now()
    due = due_on or (issued_at.date() + timedelta(days=INVOICE_DUE_DAYS))
    if due < issued_at.date():
        raise Invalid("An invoice cannot be due before it is issued.", code="due-before-issue")
    payment = await _new_payment(
        db,
        conference_id=conference_id,
        purpose=purpose,
        reference_id=reference_id,
        method=PaymentMethod.INVOICE,
        status=PaymentStatus.PENDING,
        amount_cents=amount,
        currency=currency,
        description=description[:500],
        buyer_email=buyer_email,
        buyer_name=buyer_name[:200],
    )
    series = str(issued_at.year)
    sequence = await _next_invoice_sequence(db, series)
    invoice = Invoice(
        conference_id=conference_id,
        payment_id=payment.id,
        series=series,
        sequence=sequence,
        number=f"INV-{series}-{sequence:05d}",
        status=InvoiceStatus.OPEN,
        bill_to=bill_to.strip()[:1000],
        buyer_email=buyer_email,
        po_number=po_number.strip()[:100],
        description=description[:500],
        lines=[msgspec.to_builtins(line) for line in lines],
        amount_cents=amount,
        currency=currency,
        issued_at=issued_at,
        due_on=due,
    )
    db.add(invoice)
    await db.flush()
    await db.refresh(invoice)  # loads its payment and receipts, as every other invoice read does
    await db.refresh(payment, ["invoice"])
    await record(
        db,
        actor=actor,
        action="invoice.issued",
        subject_type="invoice",
        subject_id=invoice.id,
        conference_id=conference_id,
        number=invoice.number,
        amount_cents=amount,
        purpose=purpose,
        reference_id=str(reference_id),
        po_number=invoice.po_number,
    )
    return invoice


async def record_invoice_payment(
    db: AsyncSession,
    *,
    settings: Settings,
    invoice: Invoice,
    amount_cents: int,
    method: ReceiptMethod,
    received_on: date,
    reference: str = "",
    note: str = "",
    actor: Principal | None,
) -> InvoicePayment:
    """Records money received against an invoice (full or partial), audited.

    When the balance reaches zero the invoice and payment become paid and the purpose's
    ``on_paid`` runs, exactly once even with two staff recording at once. Raises
    ``OverPayment`` above the balance and ``Conflict`` on a void or paid invoice.
    """
    if amount_cents <= 0:
        raise Invalid("A payment received must be more than nothing.", code="amount-not-positive")
    if received_on > now().date() + timedelta(days=1):
        raise Invalid("Money cannot be received in the future.", code="received-in-future")
    payment = invoice.payment
    # Reserve the amount against the balance in one statement, so two clerks cannot overpay it.
    result = await db.execute(
        update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.status == PaymentStatus.PENDING,
            Payment.amount_paid_cents + amount_cents <= Payment.amount_cents,
        )
        .values(amount_paid_cents=Payment.amount_paid_cents + amount_cents, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(payment)
    if not result.rowcount:  # type: ignore[attr-defined]
        if payment.status != PaymentStatus.PENDING:
            raise Conflict(f"Invoice {invoice.number} is {invoice.status.value}.", code="invoice-not-open")
        raise OverPayment(
            f"{Money(amount_cents, payment.currency)} is more than the balance of "
            f"{Money(payment.balance_cents, payment.currency)} on invoice {invoice.number}.",
            balance_cents=payment.balance_cents,
        )
    receipt = InvoicePayment(
        invoice_id=invoice.id,
        amount_cents=amount_cents,
        method=method,
        reference=reference.strip()[:200],
        received_on=received_on,
        note=note.strip()[:1000],
        recorded_by=actor.email if actor else "system",
        recorded_by_user_id=actor.user_id if actor else None,
    )
    db.add(receipt)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="invoice.payment_recorded",
        subject_type="invoice",
        subject_id=invoice.id,
        conference_id=invoice.conference_id,
        number=invoice.number,
        amount_cents=amount_cents,
        method=method.value,
        reference=receipt.reference,
        received_on=received_on.isoformat(),
        balance_cents=payment.balance_cents,
    )
    moved = await _move(
        db,
        payment,
        to=PaymentStatus.PAID,
        allowed_from=[PaymentStatus.PENDING],
        extra=Payment.amount_paid_cents >= Payment.amount_cents,
        paid_at=now(),
    )
    if moved:
        await db.execute(
            update(Invoice)
            .where(Invoice.id == invoice.id, Invoice.status == InvoiceStatus.OPEN)
            .values(status=InvoiceStatus.PAID, paid_at=now(), updated_at=now())
            .execution_options(synchronize_session=False)
        )
        await _tell_paid(db, settings, payment)
    await db.refresh(invoice)
    return receipt


async def void_invoice(
    db: AsyncSession, *, settings: Settings, invoice: Invoice, reason: str, actor: Principal | None
) -> Invoice:
    """Voids an invoice nothing was paid on (its payment becomes cancelled; ``on_failed`` runs).

    The number stays used: a voided invoice is kept, never deleted or renumbered.
    """
    payment = invoice.payment
    moved = await _move(
        db,
        payment,
        to=PaymentStatus.CANCELED,
        allowed_from=[PaymentStatus.PENDING],
        extra=Payment.amount_paid_cents == 0,
        failure_message=f"Invoice voided: {reason}"[:500],
    )
    if not moved:
        if payment.amount_paid_cents:
            raise Conflict(
                f"Money was received on invoice {invoice.number}; refund it instead of voiding.",
                code="invoice-has-payments",
            )
        raise Conflict(f"Invoice {invoice.number} is {invoice.status.value}.", code="invoice-not-open")
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = now()
    invoice.void_reason = reason[:500]
    await db.flush()
    await record(
        db,
        actor=actor,
        action="invoice.voided",
        subject_type="invoice",
        subject_id=invoice.id,
        conference_id=invoice.conference_id,
        number=invoice.number,
        reason=reason,
    )
    await _tell_failed(db, settings, payment)
    return invoice


# --- refunds ------------------------------------------------------------------------------------


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
        raise Invalid("The idempotency key is too long.", code="idempotency-key-too-long")
    if (earlier := await db.scalar(select(Refund).where(Refund.idempotency_key == key))) is not None:
        return earlier
    if payment.method == PaymentMethod.INVOICE and method is None:
        raise Invalid("Say how the money was returned (check, ACH, credit...).", code="refund-method-missing")
    if payment.method == PaymentMethod.CARD:
        method = None
    amount = payment.refundable_cents if amount_cents is None else amount_cents
    if amount <= 0:
        raise RefundTooLarge("Nothing is left to refund on this payment.", code="nothing-to-refund")
    # Reserve first, in one statement: two refunds racing can never give back more than was paid.
    result = await db.execute(
        update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.status.in_([PaymentStatus.PAID, PaymentStatus.PENDING]),
            Payment.amount_refunded_cents + amount <= Payment.amount_paid_cents,
        )
        .values(amount_refunded_cents=Payment.amount_refunded_cents + amount, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(payment)
    if not result.rowcount:  # type: ignore[attr-defined]
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
    await record(
        db,
        actor=actor,
        action="payment.refund_requested",
        subject_type="payment",
        subject_id=payment.id,
        conference_id=payment.conference_id,
        refund_id=str(refund_row.id),
        amount_cents=amount,
        reason=refund_row.reason,
    )
    if payment.method == PaymentMethod.INVOICE:
        await _finish_refund(db, settings, payment, refund_row, status=RefundStatus.SUCCEEDED)
        return refund_row
    if not payment.stripe_payment_intent_id:
        raise Conflict("This card payment never reached Stripe; there is nothing to refund.", code="nothing-to-refund")
    async with _stripe(settings) as client:
        try:
            stripe_refund = _as_dict(
                await asyncio.to_thread(
                    client.v1.refunds.create,
                    {
                        "payment_intent": payment.stripe_payment_intent_id,
                        "amount": amount,
                        "metadata": {"refund_id": str(refund_row.id), "payment_id": str(payment.id)},
                    },
                    # Derived from the caller's key when there is one, so a retried request
                    # whose first attempt rolled back still asks Stripe for the same refund.
                    {"idempotency_key": f"refund-{key}"[:255]},
                )
            )
        except stripe.InvalidRequestError as exc:
            raise Conflict(f"Stripe refused the refund: {_error_message(exc)}", code="refund-refused") from exc
    refund_row.stripe_refund_id = stripe_refund["id"]
    await db.flush()
    await _apply_stripe_refund(db, settings, payment, refund_row, stripe_refund)
    return refund_row


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
        await _tell_refunded(db, settings, payment, refund_row)
    else:
        await db.execute(
            update(Payment)
            .where(Payment.id == payment.id)
            .values(amount_refunded_cents=Payment.amount_refunded_cents - refund_row.amount_cents, updated_at=now())
            .execution_options(synchronize_session=False)
        )
        await db.refresh(payment)
        await record(
            db,
            actor=None,
            action="payment.refund_failed",
            subject_type="payment",
            subject_id=payment.id,
            conference_id=payment.conference_id,
            refund_id=str(refund_row.id),
            reason=failure_message,
        )
        await _flag(db, payment, f"A refund of {Money(refund_row.amount_cents, refund_row.currency)} failed.")
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


async def _sync_refunds(db: AsyncSession, settings: Settings, payment: Payment) -> bool:
    """Brings the payment's refunds in line with Stripe's, including ones made in Stripe's dashboard."""
    assert payment.stripe_payment_intent_id
    async with _stripe(settings) as client:
        query = {"payment_intent": payment.stripe_payment_intent_id, "limit": 100}
        listed = await asyncio.to_thread(client.v1.refunds.list, query)  # type: ignore[arg-type]
    changed = False
    for item in listed.data:
        stripe_refund = _as_dict(item)
        refund_row = await db.scalar(select(Refund).where(Refund.stripe_refund_id == stripe_refund["id"]))
        if refund_row is None:
            refund_row = await _adopt_stripe_refund(db, payment, stripe_refund)
            if refund_row is None:
                continue
        changed = await _apply_stripe_refund(db, settings, payment, refund_row, stripe_refund) or changed
    return changed


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
    result = await db.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.amount_refunded_cents + amount <= Payment.amount_paid_cents)
        .values(amount_refunded_cents=Payment.amount_refunded_cents + amount, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(payment)
    if not result.rowcount:  # type: ignore[attr-defined]
        await _flag(db, payment, f"Stripe refunded {Money(amount, payment.currency)}, more than our records allow.")
    return await db.scalar(select(Refund).where(Refund.idempotency_key == key))


# --- webhooks -----------------------------------------------------------------------------------


async def handle_stripe_webhook(db: AsyncSession, *, settings: Settings, payload: bytes, signature: str) -> str:
    """Verifies and applies one Stripe webhook delivery; returns a short outcome for the log.

    Raises ``BadWebhook`` for a bad signature or body. The event id is recorded under a
    unique constraint before acting, so a redelivery is a no-op; the PaymentIntent (or
    its refunds) is re-fetched from Stripe and only its current state is applied, so
    events arriving out of order change nothing they should not. Raises
    ``PaymentNotYetRecorded`` (503, so Stripe retries) for a payment whose creating
    request has not committed yet.
    """
    if not settings.stripe_webhook_secret:
        raise BadWebhook("Card payments are not set up here.", code="webhooks-not-configured")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature, settings.stripe_webhook_secret, WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(text)
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        raise BadWebhook("The webhook's signature does not verify.") from exc
    except ValueError as exc:
        raise BadWebhook("The webhook's body is not JSON.", code="bad-event") from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("data"), dict):
        raise BadWebhook("The webhook is not a Stripe event.", code="bad-event")
    obj = event["data"].get("object") or {}
    event_type = str(event.get("type", ""))
    if event_type.startswith("payment_intent.") and not _past_grace(event):
        await _wait_for_payment_row(db, obj)
    fresh = await insert_unless_taken(
        db,
        StripeEvent,
        {
            "id": uuid.uuid4(),
            "event_id": event["id"],
            "type": event_type[:100],
            "object_id": str(obj.get("id", ""))[:255],
        },
    )
    if not fresh:
        return "duplicate"
    if event_type.startswith("payment_intent."):
        outcome = await _on_intent_event(db, settings, event, obj)
    elif event_type.startswith(("charge.refund", "refund.")) or event_type == "charge.refunded":
        outcome = await _on_refund_event(db, settings, obj)
    else:
        outcome = "ignored"
    await db.execute(
        update(StripeEvent)
        .where(StripeEvent.event_id == event["id"])
        .values(processed_at=now(), outcome=outcome[:300], updated_at=now())
    )
    log.info("stripe_webhook", event_id=event["id"], type=event_type, outcome=outcome)
    return outcome


def _past_grace(event: dict[str, Any]) -> bool:
    """True once an event is old enough that a payment it names, still unknown, will never be recorded."""
    try:
        created = datetime.fromtimestamp(int(event.get("created") or 0), UTC)
    except (TypeError, ValueError, OverflowError):
        return False
    return now() - created >= ORPHAN_GRACE


async def _wait_for_payment_row(db: AsyncSession, intent: dict[str, Any]) -> None:
    """Stripe can deliver an event before the request that created its payment has committed.

    Waiting a moment here (before writing anything, so a SQLite writer is not blocked)
    usually lets that commit land; otherwise the event is refused with a 503 and Stripe
    delivers it again later.
    """
    payment_id = _uuid((intent.get("metadata") or {}).get("payment_id"))
    if payment_id is None:
        return
    for _ in range(int(RECORD_WAIT.total_seconds() / 0.2)):
        if await db.scalar(select(Payment.id).where(Payment.id == payment_id)) is not None:
            return
        await asyncio.sleep(0.2)


async def _on_intent_event(db: AsyncSession, settings: Settings, event: dict[str, Any], obj: dict[str, Any]) -> str:
    intent_id = str(obj.get("id", ""))
    metadata = obj.get("metadata") or {}
    payment = await db.scalar(select(Payment).where(Payment.stripe_payment_intent_id == intent_id))
    if payment is None and (payment_id := _uuid(metadata.get("payment_id"))) is not None:
        payment = await db.get(Payment, payment_id)
    if payment is None:
        if "payment_id" not in metadata:
            return "ignored: not one of ours"
        if not _past_grace(event):
            raise PaymentNotYetRecorded("This payment is not recorded yet; please deliver the event again.")
        return await _record_orphan(db, settings, intent_id)
    intent = await _fetch_intent(settings, intent_id)
    before = payment.status
    await _apply_intent(db, settings, payment, intent)
    if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        await _sync_refunds(db, settings, payment)
    return f"{before.value} -> {payment.status.value}" if before != payment.status else f"unchanged ({before.value})"


async def _record_orphan(db: AsyncSession, settings: Settings, intent_id: str) -> str:
    """Stripe took money for a payment whose record never committed here: keep it for staff."""
    intent = await _fetch_intent(settings, intent_id)
    metadata = intent.get("metadata") or {}
    conference_id = _uuid(metadata.get("conference_id"))
    reference_id = _uuid(metadata.get("reference_id"))
    payment_id = _uuid(metadata.get("payment_id"))
    if intent.get("status") != "succeeded":
        return f"ignored: unknown payment, {intent.get('status')}"
    known = conference_id is not None and await db.get(Conference, conference_id) is not None
    if not known or reference_id is None or payment_id is None:
        log.error("stripe_payment_unmatched", intent_id=intent_id)
        return "unmatched: no conference for this money; see Stripe"
    amount = int(intent.get("amount_received") or intent.get("amount") or 0)
    await insert_unless_taken(
        db,
        Payment,
        {
            "id": payment_id,
            "conference_id": conference_id,
            "purpose": str(metadata.get("purpose", "unknown"))[:40],
            "reference_id": reference_id,
            "method": PaymentMethod.CARD,
            "status": PaymentStatus.PAID,
            "amount_cents": amount,
            "amount_paid_cents": amount,
            "currency": str(intent.get("currency", "usd")).upper(),
            "stripe_payment_intent_id": intent_id,
            "paid_at": now(),
            "description": "Recovered from Stripe",
        },
    )
    payment = await db.get_one(Payment, payment_id)
    await _flag(db, payment, "Stripe collected this payment but the purchase it was for was never recorded here.")
    return "orphan recorded"


async def _on_refund_event(db: AsyncSession, settings: Settings, obj: dict[str, Any]) -> str:
    intent_id = obj.get("payment_intent")
    if not intent_id and obj.get("object") == "refund" and obj.get("charge"):
        async with _stripe(settings) as client:
            charge = _as_dict(await asyncio.to_thread(client.v1.charges.retrieve, str(obj["charge"])))
        intent_id = charge.get("payment_intent")
    if not intent_id:
        return "ignored: no PaymentIntent"
    payment = await db.scalar(select(Payment).where(Payment.stripe_payment_intent_id == str(intent_id)))
    if payment is None:
        return "ignored: unknown payment"
    changed = await _sync_refunds(db, settings, payment)
    return "refunds updated" if changed else "refunds unchanged"


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- reconciliation -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    checked: int
    changed: int


def _claimable(moment: datetime) -> ColumnElement[bool]:
    return or_(Payment.reconcile_claimed_at.is_(None), Payment.reconcile_claimed_at < moment - RECONCILE_CLAIM_TIMEOUT)


def _unfinished() -> ColumnElement[bool]:
    """Still worth asking Stripe about: live, or with a refund Stripe has not finished."""
    pending_refund = (
        select(Refund.id)
        .where(Refund.payment_id == Payment.id, Refund.status == RefundStatus.PENDING)
        .where(Refund.stripe_refund_id.is_not(None))
        .exists()
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
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    moment = now()
    async with sessions() as db:
        payment_ids = list(
            await db.scalars(
                select(Payment.id)
                .where(
                    Payment.method == PaymentMethod.CARD,
                    Payment.status.in_(LIVE_STATUSES),
                    Payment.stripe_payment_intent_id.is_not(None),
                    _claimable(moment),
                )
                .order_by(Payment.last_checked_at.is_not(None), Payment.last_checked_at, Payment.created_at)
                .limit(limit)
            )
        )
        refund_payment_ids = set(
            await db.scalars(
                select(Refund.payment_id)
                .where(Refund.status == RefundStatus.PENDING, Refund.stripe_refund_id.is_not(None))
                .limit(limit)
            )
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
    if payment.status in LIVE_STATUSES and payment.created_at < moment - ABANDON_AFTER:
        await cancel_payment(
            db, settings=settings, payment=payment, actor=None, reason="Abandoned: not completed within a day."
        )
    return int((payment.status, payment.amount_refunded_cents, payment.needs_attention) != before)


# --- staff --------------------------------------------------------------------------------------


async def resolve_attention(db: AsyncSession, *, payment: Payment, note: str, actor: Principal | None) -> Payment:
    """Marks a needs-attention payment as dealt with (e.g. refunded or honoured by hand), audited."""
    if not payment.needs_attention:
        raise Conflict("This payment does not need attention.", code="no-attention-needed")
    payment.needs_attention = False
    payment.attention_resolved_at = now()
    await db.flush()
    await record(
        db,
        actor=actor,
        action="payment.attention_resolved",
        subject_type="payment",
        subject_id=payment.id,
        conference_id=payment.conference_id,
        note=note,
        reason=payment.attention_reason,
    )
    return payment


# --- reading ------------------------------------------------------------------------------------


async def get_payment(db: AsyncSession, *, payment_id: uuid.UUID, conference_id: uuid.UUID | None = None) -> Payment:
    """A payment by id (within a conference when given); ``PaymentNotFound`` otherwise."""
    payment = await db.get(Payment, payment_id)
    if payment is None or (conference_id is not None and payment.conference_id != conference_id):
        raise PaymentNotFound("No payment has this id.")
    return payment


async def payments_for(db: AsyncSession, *, purpose: str, reference_id: uuid.UUID) -> list[Payment]:
    """Every payment for one thing bought, oldest first."""
    query = (
        select(Payment)
        .where(Payment.purpose == purpose, Payment.reference_id == reference_id)
        .order_by(Payment.created_at)
    )
    return list(await db.scalars(query))


async def live_payment_for(db: AsyncSession, *, purpose: str, reference_id: uuid.UUID) -> Payment | None:
    """The payment for one thing bought that may still bring money in, if any."""
    return await db.scalar(
        select(Payment).where(
            Payment.purpose == purpose, Payment.reference_id == reference_id, Payment.status.in_(LIVE_STATUSES)
        )
    )


def _like(search: str) -> str:
    escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_payments(
    db: AsyncSession,
    *,
    conference_id: uuid.UUID,
    status: PaymentStatus | None = None,
    method: PaymentMethod | None = None,
    needs_attention: bool | None = None,
    purpose: str | None = None,
    reference_id: uuid.UUID | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> OffsetPagination[Payment]:
    """A conference's payments, newest first; ``search`` matches buyer, description, invoice or PO number."""
    query: Select[Any] = (
        select(Payment)
        .outerjoin(Invoice, Invoice.payment_id == Payment.id)
        .where(Payment.conference_id == conference_id)
        .order_by(Payment.created_at.desc(), Payment.id)
    )
    if status is not None:
        query = query.where(Payment.status == status)
    if method is not None:
        query = query.where(Payment.method == method)
    if needs_attention is not None:
        query = query.where(Payment.needs_attention.is_(needs_attention))
    if purpose is not None:
        query = query.where(Payment.purpose == purpose)
    if reference_id is not None:
        query = query.where(Payment.reference_id == reference_id)
    if search:
        pattern = _like(search)
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        Payment.buyer_name,
                        Payment.buyer_email,
                        Payment.description,
                        Payment.stripe_payment_intent_id,
                        Invoice.number,
                        Invoice.po_number,
                        Invoice.bill_to,
                    )
                )
            )
        )
    return await paginate(db, query, limit=limit, offset=offset)


async def get_invoice(
    db: AsyncSession,
    *,
    number: str | None = None,
    invoice_id: uuid.UUID | None = None,
    conference_id: uuid.UUID | None = None,
) -> Invoice:
    """An invoice by number or id (within a conference when given); ``InvoiceNotFound`` otherwise."""
    if number is not None:
        invoice = await db.scalar(select(Invoice).where(Invoice.number == number.strip().upper()))
    elif invoice_id is not None:
        invoice = await db.get(Invoice, invoice_id)
    else:
        invoice = None
    if invoice is None or (conference_id is not None and invoice.conference_id != conference_id):
        raise InvoiceNotFound(f"There is no invoice {number or ''}.".replace("  ", " ").replace(" .", "."))
    return invoice


async def list_invoices(
    db: AsyncSession,
    *,
    conference_id: uuid.UUID,
    status: InvoiceStatus | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> OffsetPagination[Invoice]:
    """A conference's invoices, newest first; ``search`` matches number, PO number, bill-to or email."""
    query: Select[Any] = select(Invoice).where(Invoice.conference_id == conference_id).order_by(Invoice.sequence.desc())
    if status is not None:
        query = query.where(Invoice.status == status)
    if search:
        pattern = _like(search)
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (Invoice.number, Invoice.po_number, Invoice.bill_to, Invoice.buyer_email)
                )
            )
        )
    return await paginate(db, query, limit=limit, offset=offset)


def invoice_token(settings: Settings, *, invoice: Invoice) -> str:
    """The signed token of an invoice's buyer link; bound to this purpose and this invoice."""
    return sign(settings.secret_key, purpose=INVOICE_SIGNING_PURPOSE, payload=str(invoice.id))


def invoice_url(settings: Settings, *, invoice: Invoice) -> str:
    """The buyer's signed link to the printable invoice page (it never expires)."""
    return f"{settings.base_url}/invoices/{invoice_token(settings, invoice=invoice)}"
