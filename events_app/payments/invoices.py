"""Invoices: issuing them with gapless numbers, recording the checks and transfers that pay them,
voiding them, finding them, and the buyer's signed link to the printable invoice.

An invoice is paid when the money recorded against it reaches its amount. Each amount is
reserved against the balance in one conditional UPDATE, so two clerks recording at once can
never overpay it, and the purpose's handler hears about the payment once.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

import msgspec
from litestar.pagination import OffsetPagination
from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from events_app.accounts.service import Principal
from events_app.core.clock import now
from events_app.core.money import Money
from events_app.core.pagination import paginate
from events_app.core.signing import sign
from events_app.db import table_of, upsert_statement
from events_app.payments.errors import (
    AmountNotPositive,
    BillToMissing,
    DueBeforeIssue,
    InvoiceEmpty,
    InvoiceHasPayments,
    InvoiceNotFound,
    InvoiceNotOpen,
    OverPayment,
    ReceivedInFuture,
)
from events_app.payments.handlers import tell_failed, tell_paid
from events_app.payments.ledger import audit, check_amount, check_conference, move, new_payment, text_matches
from events_app.payments.models import (
    Invoice,
    InvoicePayment,
    InvoiceSeries,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ReceiptMethod,
)
from events_app.payments.schemas import InvoiceLine
from events_app.settings import Settings

INVOICE_SIGNING_PURPOSE = "payments.invoice"
INVOICE_DUE_DAYS = 30


async def _next_invoice_sequence(db: AsyncSession, series: str) -> int:
    """The next number of ``series``, gapless: one atomic upsert of the series' counter row.

    The row stays locked until the issuing transaction ends, so concurrent issuers queue
    behind it instead of colliding, and a rolled-back invoice gives its number back.
    """
    moment = now()
    values = {"id": uuid.uuid4(), "series": series, "last_sequence": 1, "created_at": moment, "updated_at": moment}
    sequence: int = (await db.execute(_count_in_series(upsert_statement(db)), values)).scalar_one()
    return sequence


@cache
def _count_in_series(insert: Callable[..., Any]) -> Any:
    """The dialect's upsert of a series' counter, built once on the table (its VALUES from the parameters):
    built anew for each invoice as an ORM statement, it cost more CPU than the database spent on it."""
    table = table_of(InvoiceSeries)
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.series],
        set_={"last_sequence": table.c.last_sequence + 1, "updated_at": statement.excluded.updated_at},
    ).returning(table.c.last_sequence)


def _dates(due_on: date | None) -> tuple[datetime, date]:
    """When an invoice issued now is issued and due (``INVOICE_DUE_DAYS`` later unless ``due_on``)."""
    issued_at = now()
    due = due_on or (issued_at.date() + timedelta(days=INVOICE_DUE_DAYS))
    if due < issued_at.date():
        raise DueBeforeIssue("An invoice cannot be due before it is issued.")
    return issued_at, due


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
    before_numbering: Callable[[], Awaitable[None]] | None = None,
) -> Invoice:
    """Issues a numbered invoice (``INV-<year>-<00001>``) and its pending payment.

    The amount is the sum of ``lines``. Numbers are sequential per year of issue with
    no gaps from rolled-back transactions (a unique constraint settles concurrent
    issuers). ``due_on`` defaults to 30 days after issue. Raises ``PaymentInProgress``
    when a live payment for this reference exists, ``InvoiceEmpty`` for no lines.

    ``before_numbering`` runs once the payment is recorded, just before the number is taken:
    a caller that locks what is invoiced (a registration type's seats) locks it there, so its
    lock comes before the series' and is held for the number and the last rows only.
    """
    if not lines:
        raise InvoiceEmpty("An invoice needs at least one line.")
    amount = sum(line.amount_cents for line in lines)
    currency = check_amount(amount, currency)
    if not bill_to.strip():
        raise BillToMissing("An invoice needs someone to bill.")
    await check_conference(db, conference_id)
    issued_at, due = _dates(due_on)
    payment = await new_payment(
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
    if before_numbering is not None:
        await before_numbering()
        # Dated when numbered, after the wait for the caller's lock: a series' numbers follow their dates.
        issued_at, due = _dates(due_on)
    series = str(issued_at.year)
    sequence = await _next_invoice_sequence(db, series)
    invoice = Invoice(
        id=uuid.uuid4(),
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
    # Linked in memory as a read would load them (its payment, no receipts yet), both ways and as loaded
    # rather than changed: the invoice is written at the next flush with the request's other rows and read
    # back by nobody, and a payment changed only by the link would cost the commit a flush of its own.
    set_committed_value(invoice, "payment", payment)
    set_committed_value(invoice, "receipts", [])
    set_committed_value(payment, "invoice", invoice)
    db.add(invoice)
    await audit(
        db,
        invoice,
        "invoice.issued",
        actor=actor,
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
    ``OverPayment`` above the balance and ``InvoiceNotOpen`` on a void or paid invoice.
    """
    if amount_cents <= 0:
        raise AmountNotPositive("A payment received must be more than nothing.")
    if received_on > now().date() + timedelta(days=1):
        raise ReceivedInFuture("Money cannot be received in the future.")
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
            raise InvoiceNotOpen(f"Invoice {invoice.number} is {invoice.status.value}.")
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
    await audit(
        db,
        invoice,
        "invoice.payment_recorded",
        actor=actor,
        number=invoice.number,
        amount_cents=amount_cents,
        method=method.value,
        reference=receipt.reference,
        received_on=received_on.isoformat(),
        balance_cents=payment.balance_cents,
    )
    moved = await move(
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
        await tell_paid(db, settings, payment)
    await db.refresh(invoice)
    return receipt


async def void_invoice(
    db: AsyncSession, *, settings: Settings, invoice: Invoice, reason: str, actor: Principal | None
) -> Invoice:
    """Voids an invoice nothing was paid on (its payment becomes cancelled; ``on_failed`` runs).

    The number stays used: a voided invoice is kept, never deleted or renumbered.
    """
    payment = invoice.payment
    moved = await move(
        db,
        payment,
        to=PaymentStatus.CANCELED,
        allowed_from=[PaymentStatus.PENDING],
        extra=Payment.amount_paid_cents == 0,
        failure_message=f"Invoice voided: {reason}"[:500],
    )
    if not moved:
        if payment.amount_paid_cents:
            raise InvoiceHasPayments(f"Money was received on invoice {invoice.number}; refund it instead of voiding.")
        raise InvoiceNotOpen(f"Invoice {invoice.number} is {invoice.status.value}.")
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = now()
    invoice.void_reason = reason[:500]
    await db.flush()
    await audit(db, invoice, "invoice.voided", actor=actor, number=invoice.number, reason=reason)
    await tell_failed(db, settings, payment)
    return invoice


# --- reading ------------------------------------------------------------------------------------


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
        query = query.where(
            text_matches(search, Invoice.number, Invoice.po_number, Invoice.bill_to, Invoice.buyer_email)
        )
    return await paginate(db, query, limit=limit, offset=offset)


def invoice_token(settings: Settings, *, invoice: Invoice) -> str:
    """The signed token of an invoice's buyer link; bound to this purpose and this invoice."""
    return sign(settings.secret_key, purpose=INVOICE_SIGNING_PURPOSE, payload=str(invoice.id))


def invoice_url(settings: Settings, *, invoice: Invoice) -> str:
    """The buyer's signed link to the printable invoice page (it never expires)."""
    return f"{settings.base_url}/invoices/{invoice_token(settings, invoice=invoice)}"
