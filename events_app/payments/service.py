"""Collecting money for whatever another domain sells, by card (Stripe) or by invoice.

Another domain (registration, expo) names what is bought by ``purpose`` and its own
``reference_id``, and registers a ``PaymentHandler`` for the purpose at import time.
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

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from litestar.pagination import OffsetPagination
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from events_app.accounts.service import Principal
from events_app.payments.models import Invoice, InvoicePayment, Payment, PaymentStatus, ReceiptMethod, Refund
from events_app.payments.schemas import InvoiceLine
from events_app.settings import Settings


class PaymentHandler(Protocol):
    """What a domain that sells something tells payments to do when money moves.

    Each method runs inside the transaction that changes the payment and is called
    once per change. ``on_paid`` may raise ``CannotHonour(reason)`` *before changing
    anything* when the thing bought can no longer be given; the payment then stays
    paid and is marked "needs attention" for staff to refund.
    """

    async def on_paid(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None: ...

    async def on_failed(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None: ...

    async def on_refunded(self, db: AsyncSession, *, settings: Settings, payment: Payment, refund: Refund) -> None: ...


_HANDLERS: dict[str, PaymentHandler] = {}


def register_handler(purpose: str, handler: PaymentHandler) -> None:
    """Makes ``handler`` the one told about payments for ``purpose``; call it at import time."""
    raise NotImplementedError


def unregister_handler(purpose: str) -> None:
    """Forgets a purpose's handler (tests use it to clean up)."""
    raise NotImplementedError


def card_payments_enabled(settings: Settings) -> bool:
    """True when a Stripe secret key is configured; otherwise only invoices are offered."""
    raise NotImplementedError


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

    Raises ``CardPaymentsDisabled`` in invoice-only mode, ``PaymentInProgress`` when
    another payment for this reference is still live (pending or awaiting 3-D Secure;
    an abandoned one is cancelled first when Stripe says it can be), and
    ``StripeUnavailable`` when Stripe cannot be reached (nothing is written then).
    """
    raise NotImplementedError


async def refresh_card_payment(db: AsyncSession, *, settings: Settings, payment: Payment) -> Payment:
    """Asks Stripe for the payment's PaymentIntent and applies what it says (once, under guard)."""
    raise NotImplementedError


async def cancel_payment(
    db: AsyncSession, *, settings: Settings, payment: Payment, actor: Principal | None, reason: str
) -> Payment:
    """Cancels a live payment: its PaymentIntent in Stripe, or its invoice when nothing was paid."""
    raise NotImplementedError


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

    The amount is the sum of ``lines``. Numbers are sequential per year with no gaps
    from rolled-back transactions (a unique constraint settles concurrent issuers).
    ``due_on`` defaults to 30 days after issue. Raises ``PaymentInProgress`` when a
    live payment for this reference exists.
    """
    raise NotImplementedError


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
    raise NotImplementedError


async def void_invoice(
    db: AsyncSession, *, settings: Settings, invoice: Invoice, reason: str, actor: Principal | None
) -> Invoice:
    """Voids an invoice nothing was paid on (its payment becomes cancelled; ``on_failed`` runs)."""
    raise NotImplementedError


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
    When the refund succeeds, the purpose's ``on_refunded`` runs (for a pending Stripe
    refund: later, from its webhook or reconciliation). Audited.
    """
    raise NotImplementedError


async def handle_stripe_webhook(db: AsyncSession, *, settings: Settings, payload: bytes, signature: str) -> str:
    """Verifies and applies one Stripe webhook delivery; returns a short outcome for the log.

    Raises ``BadWebhook`` for a bad signature or body. The event id is recorded under a
    unique constraint before acting, so a redelivery is a no-op; the PaymentIntent (or
    its refunds) is re-fetched from Stripe and only its current state is applied.
    """
    raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    checked: int
    changed: int


async def reconcile(engine: AsyncEngine, settings: Settings, *, limit: int = 200) -> ReconcileReport:
    """Re-fetches live card payments and pending refunds from Stripe; repairs missed webhooks.

    Each payment is claimed with a conditional UPDATE before Stripe is asked and handled
    in its own transaction, so several processes can run this at once. A card payment
    still unfinished a day after it started is cancelled in Stripe.
    """
    raise NotImplementedError


async def resolve_attention(
    db: AsyncSession, *, payment: Payment, note: str, actor: Principal | None
) -> Payment:
    """Marks a needs-attention payment as dealt with (e.g. refunded or honoured by hand), audited."""
    raise NotImplementedError


async def get_payment(db: AsyncSession, *, payment_id: uuid.UUID, conference_id: uuid.UUID | None = None) -> Payment:
    """A payment by id (within a conference when given); ``PaymentNotFound`` otherwise."""
    raise NotImplementedError


async def payments_for(db: AsyncSession, *, purpose: str, reference_id: uuid.UUID) -> list[Payment]:
    """Every payment for one thing bought, oldest first."""
    raise NotImplementedError


async def live_payment_for(db: AsyncSession, *, purpose: str, reference_id: uuid.UUID) -> Payment | None:
    """The payment for one thing bought that may still bring money in, if any."""
    raise NotImplementedError


async def list_payments(
    db: AsyncSession,
    *,
    conference_id: uuid.UUID,
    status: PaymentStatus | None = None,
    needs_attention: bool | None = None,
    purpose: str | None = None,
    reference_id: uuid.UUID | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> OffsetPagination[Payment]:
    """A conference's payments, newest first; ``search`` matches buyer name/email, description, invoice or PO number."""
    raise NotImplementedError


async def get_invoice(
    db: AsyncSession, *, number: str | None = None, invoice_id: uuid.UUID | None = None,
    conference_id: uuid.UUID | None = None,
) -> Invoice:
    """An invoice by number or id (within a conference when given); ``InvoiceNotFound`` otherwise."""
    raise NotImplementedError


async def list_invoices(
    db: AsyncSession,
    *,
    conference_id: uuid.UUID,
    status: str | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> OffsetPagination[Invoice]:
    """A conference's invoices, newest first; ``search`` matches number, PO number, bill-to or email."""
    raise NotImplementedError


def invoice_url(settings: Settings, *, invoice: Invoice) -> str:
    """The buyer's signed link to the printable invoice page (it never expires)."""
    raise NotImplementedError
