"""HTTP API of payments: Stripe's webhook, and the organizers' and staff's view of the money."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.pagination import OffsetPagination
from litestar.params import FromQuery, JSONBody, QueryParameter, RawBody
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.pagination import Limit, Offset, page_of
from events_app.core.shapes import shaped
from events_app.payments import service
from events_app.payments.dependencies import provide_invoice, provide_payment
from events_app.payments.models import Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentStatus
from events_app.payments.schemas import (
    AttentionResolvedIn,
    InvoiceOut,
    InvoicePaymentIn,
    PaymentOut,
    ReconcileOut,
    RefundIn,
    RefundOut,
    VoidInvoiceIn,
)
from events_app.settings import Settings

STAFF = allow(Role.STAFF)
ORGANIZERS = allow()

Search = Annotated[
    str | None, QueryParameter(max_length=100, description="Part of a buyer, description, invoice or PO number.")
]


def payment_out(payment: Payment) -> PaymentOut:
    return msgspec.convert(payment, PaymentOut, from_attributes=True)


def invoice_out(invoice: Invoice, settings: Settings) -> InvoiceOut:
    """The invoice as stored, with the buyer's signed link, which is computed."""
    return shaped(InvoiceOut, invoice, page_url=service.invoice_url(settings, invoice=invoice))


class StripeWebhookController(Controller):
    path = "/api/payments"
    tags = ["Payments"]

    @post("/stripe/webhook", opt=PUBLIC, operation_id="receiveStripeWebhook", status_code=200)
    async def receive(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        body: RawBody,
    ) -> dict[str, str]:
        """Stripe's event deliveries. Public, because it authenticates by the ``Stripe-Signature`` header;
        a bad signature is a 400, a redelivered event changes nothing."""
        outcome = await service.handle_stripe_webhook(
            db_session,
            settings=settings,
            payload=body,
            signature=request.headers.get("stripe-signature", ""),
        )
        return {"outcome": outcome}

    @post("/reconcile", opt=ORGANIZERS, operation_id="reconcilePayments", status_code=200)
    async def reconcile(
        self, settings: NamedDependency[Settings], db_engine: NamedDependency[AsyncEngine]
    ) -> ReconcileOut:
        """Asks Stripe about every unfinished card payment and pending refund now, as the periodic
        reconciliation does; repairs what a missed webhook left behind."""
        report = await service.reconcile(db_engine, settings)
        return ReconcileOut(checked=report.checked, changed=report.changed)


class PaymentController(Controller):
    path = "/api/conferences/{slug:str}/payments"
    tags = ["Payments"]
    dependencies = {"payment": Provide(provide_payment), "invoice": Provide(provide_invoice)}

    @get("/", opt=STAFF, operation_id="listPayments")
    async def list_payments(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        limit: Limit = 100,
        offset: Offset = 0,
        status: FromQuery[PaymentStatus | None] = None,
        method: FromQuery[PaymentMethod | None] = None,
        needs_attention: FromQuery[bool | None] = None,
        purpose: FromQuery[str | None] = None,
        reference_id: FromQuery[uuid.UUID | None] = None,
        q: Search = None,
    ) -> OffsetPagination[PaymentOut]:
        """A conference's payments, newest first, filtered by status, method, purpose, reference or
        text (buyer name or email, description, invoice or PO number)."""
        page = await service.list_payments(
            db_session,
            conference_id=conference.id,
            status=status,
            method=method,
            needs_attention=needs_attention,
            purpose=purpose,
            reference_id=reference_id,
            search=q,
            limit=limit,
            offset=offset,
        )
        return page_of(page, payment_out)

    @get("/needs-attention", opt=STAFF, operation_id="listPaymentsNeedingAttention")
    async def needs_attention(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> OffsetPagination[PaymentOut]:
        """Money that arrived for something that could not be honoured (or did not match): staff refund
        it or honour it by hand, then mark it resolved."""
        page = await service.list_payments(
            db_session, conference_id=conference.id, needs_attention=True, limit=limit, offset=offset
        )
        return page_of(page, payment_out)

    @get("/{payment_id:uuid}", opt=STAFF, operation_id="getPayment")
    async def get_payment(self, payment: NamedDependency[Payment]) -> PaymentOut:
        """One payment with its refunds."""
        return payment_out(payment)

    @post("/{payment_id:uuid}/refresh", opt=STAFF, operation_id="refreshPayment", status_code=200)
    async def refresh(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        payment: NamedDependency[Payment],
    ) -> PaymentOut:
        """Asks Stripe about this card payment now and applies what it says."""
        return payment_out(await service.refresh_card_payment(db_session, settings=settings, payment=payment))

    @post("/{payment_id:uuid}/refunds", opt=ORGANIZERS, operation_id="refundPayment")
    async def refund(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        payment: NamedDependency[Payment],
        data: JSONBody[RefundIn],
    ) -> RefundOut:
        """Refunds part or all of what was collected: through Stripe for a card, as money sent back
        (``method``: check, ACH, credit...) for an invoice. Never more than was paid; sending the same
        ``idempotency_key`` again returns the first refund."""
        refund = await service.refund(
            db_session,
            settings=settings,
            payment=payment,
            amount_cents=data.amount_cents,
            reason=data.reason,
            actor=principal,
            idempotency_key=data.idempotency_key,
            method=data.method,
            reference=data.reference,
        )
        return msgspec.convert(refund, RefundOut, from_attributes=True)

    @post("/{payment_id:uuid}/attention-resolved", opt=ORGANIZERS, operation_id="resolvePaymentAttention")
    async def resolve(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        payment: NamedDependency[Payment],
        data: JSONBody[AttentionResolvedIn],
    ) -> PaymentOut:
        """Takes a payment off the needs-attention list, with a note saying what was done."""
        payment = await service.resolve_attention(db_session, payment=payment, note=data.note, actor=principal)
        return payment_out(payment)

    @get("/invoices", opt=STAFF, operation_id="listInvoices")
    async def list_invoices(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        limit: Limit = 100,
        offset: Offset = 0,
        status: FromQuery[InvoiceStatus | None] = None,
        q: Search = None,
    ) -> OffsetPagination[InvoiceOut]:
        """A conference's invoices, newest number first, by status or text (number, PO, bill-to, email)."""
        page = await service.list_invoices(
            db_session, conference_id=conference.id, status=status, search=q, limit=limit, offset=offset
        )
        return page_of(page, partial(invoice_out, settings=settings))

    @get("/invoices/{number:str}", opt=STAFF, operation_id="getInvoice")
    async def get_invoice(self, settings: NamedDependency[Settings], invoice: NamedDependency[Invoice]) -> InvoiceOut:
        """One invoice by its number (``INV-2027-00042``), with the money received and its buyer link."""
        return invoice_out(invoice, settings)

    @post("/invoices/{number:str}/payments", opt=STAFF, operation_id="recordInvoicePayment")
    async def record_payment(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        invoice: NamedDependency[Invoice],
        data: JSONBody[InvoicePaymentIn],
    ) -> InvoiceOut:
        """Records a check, ACH transfer or other money received; the invoice is paid when its balance
        reaches zero. More than the balance is refused."""
        await service.record_invoice_payment(
            db_session,
            settings=settings,
            invoice=invoice,
            amount_cents=data.amount_cents,
            method=data.method,
            received_on=data.received_on,
            reference=data.reference,
            note=data.note,
            actor=principal,
        )
        await db_session.refresh(invoice, ["receipts"])
        return invoice_out(invoice, settings)

    @post("/invoices/{number:str}/void", opt=ORGANIZERS, operation_id="voidInvoice", status_code=200)
    async def void(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        invoice: NamedDependency[Invoice],
        data: JSONBody[VoidInvoiceIn],
    ) -> InvoiceOut:
        """Voids an invoice nothing was paid on; its number stays used."""
        invoice = await service.void_invoice(
            db_session, settings=settings, invoice=invoice, reason=data.reason, actor=principal
        )
        return invoice_out(invoice, settings)
