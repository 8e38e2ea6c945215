"""The payment records themselves: creating one, its one guarded state change, the needs-attention
flag staff resolve, and reading payments back.

Every change of a payment's status goes through ``move``, a conditional UPDATE that only one
caller can win, so the same news twice (a webhook and a reconciliation, two clerks) changes
the payment, and tells its purpose's handler, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import structlog
from litestar.pagination import OffsetPagination
from sqlalchemy import ColumnElement, Select, func, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.errors import ConferenceNotFound
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.pagination import paginate
from events_app.db import table_of, upsert_statement
from events_app.payments.errors import (
    AmountNotPositive,
    BadCurrency,
    NoAttentionNeeded,
    PaymentInProgress,
    PaymentNotFound,
)
from events_app.payments.models import LIVE_STATUSES, Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentStatus

log = structlog.get_logger(__name__)


def check_amount(amount_cents: int, currency: str) -> str:
    """The currency code, upper-cased, of a payable amount; refuses nothing or a made-up currency."""
    if amount_cents <= 0:
        raise AmountNotPositive("A payment must be for more than nothing.")
    if len(currency) != 3 or not currency.isalpha():
        raise BadCurrency(f"{currency!r} is not a currency code such as USD.")
    return currency.upper()


async def check_conference(db: AsyncSession, conference_id: uuid.UUID) -> None:
    """Refuses a payment for a conference that does not exist (``ConferenceNotFound``)."""
    if await db.get(Conference, conference_id) is None:
        raise ConferenceNotFound("No conference has this id.")


@cache
def _insert_payment(insert: Callable[..., Any]) -> Any:
    """The dialect's INSERT of a payment unless its reference has a live one, returning the row.

    Built once, on the table, its VALUES taken from the parameters: an ORM INSERT built anew for each
    payment cost more CPU than the database spent on it.
    """
    return (
        insert(table_of(Payment))
        .on_conflict_do_nothing()
        .returning(*(attr.columns[0] for attr in inspect(Payment).column_attrs))
    )


async def new_payment(db: AsyncSession, **values: Any) -> Payment:
    """Inserts a live payment, or raises ``PaymentInProgress`` when the reference already has one."""
    # The row comes back from the INSERT itself, made a loaded Payment with no invoice and no refunds (a
    # payment just made has none) rather than read back; loader options on the INSERT would stick to the
    # object and leave a later refresh without them.
    columns = inspect(Payment).column_attrs
    row = (await db.execute(_insert_payment(upsert_statement(db)), {"id": uuid.uuid4(), **values})).one_or_none()
    if row is None:
        raise PaymentInProgress("A payment for this is already in progress; finish or cancel it first.")
    payment = Payment(**{attr.key: value for attr, value in zip(columns, row, strict=True)})
    make_transient_to_detached(payment)
    db.add(payment)
    set_committed_value(payment, "invoice", None)
    set_committed_value(payment, "refunds", [])
    return payment


async def move(
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


async def flag(db: AsyncSession, payment: Payment, reason: str) -> None:
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
        await audit(db, payment, "payment.needs_attention", reason=reason)


async def audit(
    db: AsyncSession, subject: Payment | Invoice, action: str, *, actor: Principal | None = None, **data: Any
) -> None:
    """One line of the audit trail about a payment or an invoice (``actor`` None: the system)."""
    await record(
        db,
        actor=actor,
        action=action,
        subject_type="invoice" if isinstance(subject, Invoice) else "payment",
        subject_id=subject.id,
        conference_id=subject.conference_id,
        **data,
    )


async def resolve_attention(db: AsyncSession, *, payment: Payment, note: str, actor: Principal | None) -> Payment:
    """Marks a needs-attention payment as dealt with (e.g. refunded or honoured by hand), audited."""
    if not payment.needs_attention:
        raise NoAttentionNeeded("This payment does not need attention.")
    payment.needs_attention = False
    payment.attention_resolved_at = now()
    await db.flush()
    await audit(db, payment, "payment.attention_resolved", actor=actor, note=note, reason=payment.attention_reason)
    return payment


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Takings:
    """A conference's money in one currency: collected and refunded over every purpose, and its invoices."""

    currency: str
    collected_cents: int
    refunded_cents: int
    invoiced_cents: int  # on invoices not voided
    open_invoices: int
    open_balance_cents: int


async def takings(db: AsyncSession, *, conference_id: uuid.UUID) -> list[Takings]:
    """What the conference has collected and invoiced, one line per currency it sells in."""
    moved = await db.execute(
        select(Payment.currency, func.sum(Payment.amount_paid_cents), func.sum(Payment.amount_refunded_cents))
        .where(Payment.conference_id == conference_id)
        .group_by(Payment.currency)
    )
    invoiced = await db.execute(
        select(
            Invoice.currency,
            func.sum(Invoice.amount_cents),
            func.count().filter(Invoice.status == InvoiceStatus.OPEN),
            func.sum(Payment.amount_cents - Payment.amount_paid_cents).filter(Invoice.status == InvoiceStatus.OPEN),
        )
        .join(Payment, Payment.id == Invoice.payment_id)
        .where(Invoice.conference_id == conference_id, Invoice.status != InvoiceStatus.VOID)
        .group_by(Invoice.currency)
    )
    money = {currency: (paid or 0, refunded or 0) for currency, paid, refunded in moved}
    bills = {currency: (total or 0, count, balance or 0) for currency, total, count, balance in invoiced}
    return [
        Takings(currency, *money.get(currency, (0, 0)), *bills.get(currency, (0, 0, 0)))
        for currency in sorted(money.keys() | bills.keys())
    ]


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


def text_matches(search: str, *columns: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``search``, ignoring case; ``%`` and ``_`` are matched as typed."""
    needle = search.lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


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
        query = query.where(
            text_matches(
                search,
                Payment.buyer_name,
                Payment.buyer_email,
                Payment.description,
                Payment.stripe_payment_intent_id,
                Invoice.number,
                Invoice.po_number,
                Invoice.bill_to,
            )
        )
    return await paginate(db, query, limit=limit, offset=offset)
