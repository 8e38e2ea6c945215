"""Checkout: asking for the money for one thing sold, the way the buyer chose, by invoice or by card.

A seller (a registration order, a booth booking, extra exhibitor badges) checks the buyer's
choice with ``check_payment_choice`` before it takes anything (seats, a booth hold), then calls
``collect`` once: the same lines become an invoice, or their sum is charged to the card.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.payments.card import start_card_payment
from events_app.payments.errors import CardMissing
from events_app.payments.invoices import create_invoice
from events_app.payments.models import Invoice, Payment, PaymentMethod
from events_app.payments.schemas import InvoiceLine
from events_app.payments.stripe_client import require_card_payments
from events_app.settings import Settings

CollectionStatus = Literal["invoiced", "processing", "requires_action", "failed"]


@dataclass(frozen=True, slots=True)
class Collection:
    """What a checkout gets back from ``collect``.

    ``status``: "invoiced" (``invoice`` was issued; the thing is paid when it is), or for a
    card, as in ``CardPaymentStarted``: "processing", "requires_action" (3-D Secure with
    ``client_secret``) or "failed" (declined: ``message`` says why).
    """

    payment: Payment
    status: CollectionStatus
    client_secret: str | None
    message: str
    invoice: Invoice | None = None


def check_payment_choice(settings: Settings, *, method: str, payment_method_id: str | None) -> None:
    """Refuses a way of paying that cannot work, before the seller takes anything.

    ``CardPaymentsDisabled`` for a card in invoice-only mode, ``CardMissing`` for a card
    checkout without the PaymentMethod Stripe.js made.
    """
    if method == PaymentMethod.CARD:
        require_card_payments(settings)
        if not payment_method_id:
            raise CardMissing("A card checkout needs the card (payment_method_id) from Stripe.js.")


async def collect(
    db: AsyncSession,
    *,
    settings: Settings,
    method: str,
    conference_id: uuid.UUID,
    purpose: str,
    reference_id: uuid.UUID,
    lines: Sequence[InvoiceLine],
    description: str,
    buyer_email: str,
    buyer_name: str = "",
    bill_to: str = "",
    po_number: str = "",
    currency: str = "USD",
    payment_method_id: str | None = None,
    actor: Principal | None = None,
) -> Collection:
    """Asks for the money for one thing sold: ``method`` "invoice" issues an invoice of ``lines`` to
    ``bill_to``; "card" charges their sum to ``payment_method_id``.

    Raises what ``check_payment_choice``, ``create_invoice`` and ``start_card_payment`` raise.
    """
    check_payment_choice(settings, method=method, payment_method_id=payment_method_id)
    if method == PaymentMethod.INVOICE:
        invoice = await create_invoice(
            db,
            settings=settings,
            conference_id=conference_id,
            purpose=purpose,
            reference_id=reference_id,
            bill_to=bill_to,
            buyer_email=buyer_email,
            buyer_name=buyer_name,
            lines=lines,
            currency=currency,
            po_number=po_number,
            description=description,
            actor=actor,
        )
        message = f"Invoice {invoice.number} is on its way."
        return Collection(
            payment=invoice.payment, status="invoiced", client_secret=None, message=message, invoice=invoice
        )
    if method != PaymentMethod.CARD:
        raise ValueError(f"collect takes 'card' or 'invoice', not {method!r}")
    started = await start_card_payment(
        db,
        settings=settings,
        conference_id=conference_id,
        purpose=purpose,
        reference_id=reference_id,
        amount_cents=sum(line.amount_cents for line in lines),
        currency=currency,
        description=description,
        payment_method_id=payment_method_id or "",
        buyer_email=buyer_email,
        buyer_name=buyer_name,
        actor=actor,
    )
    return Collection(
        payment=started.payment, status=started.status, client_secret=started.client_secret, message=started.message
    )
