"""Request and response shapes of payments, invoices and refunds."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from events_app.payments.models import InvoiceStatus, PaymentMethod, PaymentStatus, ReceiptMethod, RefundStatus

Cents = Annotated[int, msgspec.Meta(ge=1, le=100_000_000, description="An amount in cents, e.g. 60000 for $600.00.")]


class InvoiceLine(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One line of an invoice, e.g. 3 x "Full registration (member)" at 60000 cents."""

    description: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    unit_amount_cents: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 1

    @property
    def amount_cents(self) -> int:
        return self.unit_amount_cents * self.quantity


class InvoicePaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    """Money received against an invoice; ``reference`` is the check number or transfer id."""

    amount_cents: Cents
    method: ReceiptMethod
    received_on: date
    reference: Annotated[str, msgspec.Meta(max_length=200)] = ""
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    """A refund; no amount means everything still refundable. Invoice refunds say how the money left."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    amount_cents: Cents | None = None
    method: ReceiptMethod | None = None
    reference: Annotated[str, msgspec.Meta(max_length=200)] = ""
    idempotency_key: Annotated[str, msgspec.Meta(min_length=8, max_length=200)] | None = None


class AttentionResolvedIn(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class VoidInvoiceIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class RefundOut(msgspec.Struct):
    id: uuid.UUID
    amount_cents: int
    currency: str
    status: RefundStatus
    method: ReceiptMethod | None
    reason: str
    reference: str
    requested_by: str
    created_at: datetime
    completed_at: datetime | None
    failure_message: str


class InvoiceReceiptOut(msgspec.Struct):
    id: uuid.UUID
    amount_cents: int
    method: ReceiptMethod
    reference: str
    received_on: date
    note: str
    recorded_by: str
    created_at: datetime


class InvoiceOut(msgspec.Struct):
    id: uuid.UUID
    number: str
    status: InvoiceStatus
    payment_id: uuid.UUID
    bill_to: str
    buyer_email: str
    po_number: str
    description: str
    lines: list[InvoiceLine]
    amount_cents: int
    paid_cents: int
    balance_cents: int
    currency: str
    issued_at: datetime
    due_on: date
    paid_at: datetime | None
    voided_at: datetime | None
    receipts: list[InvoiceReceiptOut]
    page_url: str


class PaymentOut(msgspec.Struct):
    id: uuid.UUID
    purpose: str
    reference_id: uuid.UUID
    method: PaymentMethod
    status: PaymentStatus
    amount_cents: int
    amount_paid_cents: int
    amount_refunded_cents: int
    currency: str
    description: str
    buyer_name: str
    buyer_email: str
    stripe_payment_intent_id: str | None
    failure_message: str
    paid_at: datetime | None
    needs_attention: bool
    attention_reason: str
    attention_resolved_at: datetime | None
    invoice_number: str | None
    refunds: list[RefundOut]
    created_at: datetime


class ReconcileOut(msgspec.Struct):
    checked: int
    changed: int


OptionalEmail = Annotated[str, msgspec.Meta(pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$", max_length=320)]


class BillingProfileIn(msgspec.Struct, forbid_unknown_fields=True):
    """Who is paid and how, as printed on invoices; the bank details are all given or all left out."""

    legal_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    remit_to: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    checks_payable_to: Annotated[str, msgspec.Meta(max_length=200)] = ""
    bank_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    routing_number: Annotated[str, msgspec.Meta(pattern=r"^(\d{9})?$")] = ""
    account_number: Annotated[str, msgspec.Meta(pattern=r"^(\d{4,17})?$")] = ""
    tax_id: Annotated[str, msgspec.Meta(pattern=r"^(\d{2}-\d{7})?$", description="An EIN: 12-3456789.")] = ""
    contact_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    contact_email: OptionalEmail = ""
    contact_phone: Annotated[str, msgspec.Meta(max_length=40)] = ""
