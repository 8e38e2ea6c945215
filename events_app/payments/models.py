"""Payments, invoices, the money received against invoices, refunds and the Stripe events seen.

A ``Payment`` is one attempt to collect one amount for one thing bought, named only by
``purpose`` (e.g. ``"registration"``, ``"booth"``) and ``reference_id`` (that domain's id):
this package never knows what was bought. A card payment has exactly one Stripe
PaymentIntent; an invoice payment has exactly one numbered ``Invoice``, paid by one or
more ``InvoicePayment`` rows. At most one payment per purpose and reference is live
(pending) at a time, enforced by a partial unique index.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events_app.db import Base, str_enum


class PaymentMethod(StrEnum):
    CARD = "card"
    INVOICE = "invoice"


class PaymentStatus(StrEnum):
    PENDING = "pending"  # waiting for the card or for the invoice to be paid
    REQUIRES_ACTION = "requires_action"  # the card's bank asks the buyer to authenticate (3-D Secure)
    PROCESSING = "processing"  # Stripe is still settling it
    PAID = "paid"
    FAILED = "failed"  # declined or authentication failed: nothing was collected
    CANCELED = "canceled"  # abandoned card payment or voided invoice
    REFUNDED = "refunded"  # everything collected has been given back


# Statuses of a payment that may still bring money in: only one of these per purpose and reference.
LIVE_STATUSES = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING)
_LIVE_SQL = "status IN ('pending', 'requires_action', 'processing')"


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class ReceiptMethod(StrEnum):
    """How money for an invoice arrived (or, for a refund of one, left)."""

    CHECK = "check"
    ACH = "ach"
    WIRE = "wire"
    CARD = "card"
    CREDIT = "credit"  # a credit note against a future invoice, for refunds
    OTHER = "other"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("amount_paid_cents >= 0 AND amount_paid_cents <= amount_cents", name="paid_within_amount"),
        CheckConstraint(
            "amount_refunded_cents >= 0 AND amount_refunded_cents <= amount_paid_cents", name="refund_within_paid"
        ),
        Index("ix_payments_purpose_reference", "purpose", "reference_id"),
        Index(
            "uq_payments_live_reference",
            "purpose",
            "reference_id",
            unique=True,
            sqlite_where=text(_LIVE_SQL),
            postgresql_where=text(_LIVE_SQL),
        ),
    )

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conferences.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    reference_id: Mapped[uuid.UUID]
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING, index=True
    )
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    # Collected so far (a card payment: all or nothing; an invoice: the sum of money received).
    amount_paid_cents: Mapped[int] = mapped_column(default=0)
    # Refunds asked for and not failed: reserved before Stripe is called, so two refunds never exceed it.
    amount_refunded_cents: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(500), default="")
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    buyer_email: Mapped[str] = mapped_column(String(320), default="")
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    failure_message: Mapped[str] = mapped_column(String(500), default="")
    paid_at: Mapped[datetime | None]
    # Money arrived for something that can no longer be honoured (or did not match): staff decide.
    needs_attention: Mapped[bool] = mapped_column(default=False, index=True)
    attention_reason: Mapped[str] = mapped_column(String(1000), default="")
    attention_resolved_at: Mapped[datetime | None]
    # Reconciliation claims a row before asking Stripe, so several processes never check one twice at once.
    reconcile_claimed_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime | None]

    invoice: Mapped[Invoice | None] = relationship(back_populates="payment", lazy="selectin", uselist=False)
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="payment", lazy="selectin", order_by="Refund.created_at"
    )

    @property
    def balance_cents(self) -> int:
        """What is still owed."""
        return self.amount_cents - self.amount_paid_cents

    @property
    def refundable_cents(self) -> int:
        return self.amount_paid_cents - self.amount_refunded_cents

    @property
    def invoice_number(self) -> str | None:
        return self.invoice.number if self.invoice else None


class InvoiceSeries(Base):
    """The last number issued in a series; its row is the queue concurrent issuers wait in."""

    __tablename__ = "invoice_series"

    series: Mapped[str] = mapped_column(String(10), unique=True)
    last_sequence: Mapped[int]


class Invoice(Base):
    """A numbered invoice; its number never changes or repeats (``INV-2027-00042``)."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("series", "sequence"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("sequence > 0", name="sequence_positive"),
    )

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conferences.id"), index=True)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), unique=True)
    # Numbers run per calendar year of issue across all conferences, so a city's accounts-payable
    # office never sees the same number on two invoices from the association.
    series: Mapped[str] = mapped_column(String(10))
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(30), unique=True)
    status: Mapped[InvoiceStatus] = mapped_column(
        str_enum(InvoiceStatus, "invoice_status"), default=InvoiceStatus.OPEN, index=True
    )
    bill_to: Mapped[str] = mapped_column(String(1000))
    buyer_email: Mapped[str] = mapped_column(String(320))
    po_number: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    # [{"description": str, "quantity": int, "unit_amount_cents": int}], frozen at issue.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    issued_at: Mapped[datetime]
    due_on: Mapped[date]
    paid_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str] = mapped_column(String(500), default="")

    payment: Mapped[Payment] = relationship(back_populates="invoice", lazy="joined", innerjoin=True)
    receipts: Mapped[list[InvoicePayment]] = relationship(
        back_populates="invoice", lazy="selectin", order_by="InvoicePayment.created_at"
    )

    @property
    def paid_cents(self) -> int:
        """Received so far, by its payment's count."""
        return self.payment.amount_paid_cents

    @property
    def balance_cents(self) -> int:
        """What is still owed."""
        return self.payment.balance_cents


class InvoicePayment(Base):
    """Money received against an invoice: a check, an ACH transfer..., recorded by staff."""

    __tablename__ = "invoice_payments"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount_cents: Mapped[int]
    method: Mapped[ReceiptMethod] = mapped_column(str_enum(ReceiptMethod, "receipt_method"))
    reference: Mapped[str] = mapped_column(String(200), default="")  # check number, ACH trace...
    received_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(1000), default="")
    recorded_by: Mapped[str] = mapped_column(String(320))
    recorded_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    invoice: Mapped[Invoice] = relationship(back_populates="receipts")


class Refund(Base):
    """Money given back on a payment: through Stripe for cards, by check/ACH/credit for invoices."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), index=True)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[RefundStatus] = mapped_column(
        str_enum(RefundStatus, "refund_status"), default=RefundStatus.PENDING, index=True
    )
    # None for a card refund (it goes back through Stripe); how the money left for an invoice refund.
    method: Mapped[ReceiptMethod | None] = mapped_column(str_enum(ReceiptMethod, "receipt_method"))
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # One key per refund: the caller's (e.g. "cancel-attendee-<id>") makes asking twice give one refund.
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    reference: Mapped[str] = mapped_column(String(200), default="")
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None]
    failure_message: Mapped[str] = mapped_column(String(500), default="")

    payment: Mapped[Payment] = relationship(back_populates="refunds", lazy="joined", innerjoin=True)


class StripeEvent(Base):
    """A webhook event seen, recorded under a unique id before acting, so a redelivery does nothing."""

    __tablename__ = "stripe_events"

    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    processed_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(300), default="")


class BillingProfile(Base):
    """Who is paid and how, printed on invoices: the association's, or one conference's own.

    A city's accounts-payable office will not pay an invoice without a legal name, a remit-to
    address, bank details for ACH and a tax id; a conference without a profile of its own
    uses the association's. ``conference_id`` empty means the association's, of which there
    is one (a partial unique index: two empty ids are not equal to a plain unique constraint).
    """

    __tablename__ = "billing_profiles"
    __table_args__ = (
        Index(
            "uq_billing_profiles_association",
            "for_association",
            unique=True,
            sqlite_where=text("for_association"),
            postgresql_where=text("for_association"),
        ),
        CheckConstraint(
            "(for_association AND conference_id IS NULL) OR (NOT for_association AND conference_id IS NOT NULL)",
            name="association_or_conference",
        ),
    )

    conference_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conferences.id", ondelete="CASCADE"), unique=True
    )
    for_association: Mapped[bool] = mapped_column(default=False)
    legal_name: Mapped[str] = mapped_column(String(200))
    remit_to: Mapped[str] = mapped_column(String(1000))  # the postal address checks are mailed to
    checks_payable_to: Mapped[str] = mapped_column(String(200), default="")
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    routing_number: Mapped[str] = mapped_column(String(9), default="")  # ABA, for ACH credits
    account_number: Mapped[str] = mapped_column(String(17), default="")
    tax_id: Mapped[str] = mapped_column(String(20), default="")  # the EIN a city's W-9 file asks for
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
