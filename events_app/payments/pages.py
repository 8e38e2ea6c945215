"""The printable invoice: for the buyer through a signed link, for staff and organizers by number."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, MediaType, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.money import Money
from events_app.core.signing import unsign
from events_app.payments import billing, service
from events_app.payments.dependencies import provide_invoice
from events_app.payments.errors import InvoiceNotFound
from events_app.payments.models import Invoice
from events_app.settings import Settings


async def _context(
    db: AsyncSession, invoice: Invoice, conference: Conference, principal: Principal | None
) -> dict[str, Any]:
    def money(cents: int) -> str:
        return str(Money(cents, invoice.currency))

    return {
        "invoice": invoice,
        "conference": conference,
        "principal": principal,
        "money": money,
        "lines": [
            {**line, "amount_cents": line["unit_amount_cents"] * line.get("quantity", 1)} for line in invoice.lines
        ],
        "paid_cents": invoice.paid_cents,
        "balance_cents": invoice.balance_cents,
        "refunded_cents": invoice.payment.amount_refunded_cents,
        "payee": await billing.payee_for(db, conference_id=conference.id),
    }


class InvoicePages(Controller):
    include_in_schema = False
    dependencies = {"invoice": Provide(provide_invoice)}

    @get("/invoices/{token:str}", opt=PUBLIC, media_type=MediaType.HTML, name="invoice-for-buyer")
    async def for_buyer(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        token: FromPath[str],
    ) -> Template:
        invoice_id = unsign(settings.secret_key, purpose=service.INVOICE_SIGNING_PURPOSE, token=token)
        try:
            invoice = await service.get_invoice(db_session, invoice_id=uuid.UUID(invoice_id))
        except ValueError as exc:  # a well-signed token always holds an id; be strict anyway
            raise InvoiceNotFound("There is no such invoice.") from exc
        conference = await db_session.get_one(Conference, invoice.conference_id)
        return Template("payments/invoice.html", context=await _context(db_session, invoice, conference, principal))

    @get(
        "/c/{slug:str}/invoices/{number:str}",
        opt=allow(Role.STAFF),
        media_type=MediaType.HTML,
        name="invoice-for-staff",
    )
    async def for_staff(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        invoice: NamedDependency[Invoice],
    ) -> Template:
        return Template("payments/invoice.html", context=await _context(db_session, invoice, conference, principal))
