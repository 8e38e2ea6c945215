"""Money under concurrency on PostgreSQL: numbers, balances and refunds settle in the database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.core.errors import DomainError
from events_app.db import make_engine, make_session_maker
from events_app.payments import service
from events_app.payments.errors import NothingToRefund, RefundTooLarge
from events_app.payments.models import Invoice, Payment, PaymentStatus, ReceiptMethod
from events_app.payments.schemas import InvoiceLine
from events_app.settings import Settings
from tests.payments.conftest import PayByCard
from tests.payments.purpose import PURPOSE, calls
from tests.stripe_harness import LocalStripe

pytestmark = pytest.mark.postgres_only

T = TypeVar("T")


@asynccontextmanager
async def own_connection(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on its own engine, as another app process would have."""
    engine = make_engine(settings.database_url)
    try:
        async with make_session_maker(engine)() as db:
            yield db
    finally:
        await engine.dispose()


async def at_once(
    settings: Settings, count: int, work: Callable[[AsyncSession], Awaitable[T]]
) -> list[T | DomainError]:
    """Runs ``work`` in ``count`` transactions at the same time; each commits or reports its refusal."""

    async def one() -> T | DomainError:
        async with own_connection(settings) as db:
            try:
                result = await work(db)
            except DomainError as exc:
                await db.rollback()
                return exc
            await db.commit()
            return result

    return await asyncio.gather(*(one() for _ in range(count)))


async def test_invoices_issued_at_once_get_distinct_consecutive_numbers(
    settings: Settings, conference: Conference
) -> None:
    async def issue(db: AsyncSession) -> str:
        invoice = await service.create_invoice(
            db,
            settings=settings,
            conference_id=conference.id,
            purpose=PURPOSE,
            reference_id=uuid.uuid4(),
            bill_to="City of Irvine",
            buyer_email="clerk@irvine.gov",
            lines=[InvoiceLine(description="Full registration (member)", unit_amount_cents=60000)],
        )
        return invoice.number

    numbers = await at_once(settings, 8, issue)

    assert sorted(n for n in numbers if isinstance(n, str)) == [f"INV-{date.today().year}-{n:05d}" for n in range(1, 9)]


async def test_two_clerks_recording_the_last_check_at_once_cannot_overpay(
    db: AsyncSession, settings: Settings, conference: Conference
) -> None:
    invoice = await service.create_invoice(
        db,
        settings=settings,
        conference_id=conference.id,
        purpose=PURPOSE,
        reference_id=uuid.uuid4(),
        bill_to="City of Irvine",
        buyer_email="clerk@irvine.gov",
        lines=[InvoiceLine(description="Full registration (member)", unit_amount_cents=60000, quantity=2)],
    )
    await db.commit()

    async def record_check(session: AsyncSession) -> int:
        mine = await session.get_one(Invoice, invoice.id)
        receipt = await service.record_invoice_payment(
            session,
            settings=settings,
            invoice=mine,
            amount_cents=120000,
            method=ReceiptMethod.CHECK,
            received_on=date.today(),
            actor=None,
        )
        return receipt.amount_cents

    results = await at_once(settings, 2, record_check)

    [refused] = [r for r in results if isinstance(r, DomainError)]
    assert refused.code == "invoice-not-open"  # the other clerk's check paid it in full meanwhile
    await db.refresh(invoice.payment)
    assert invoice.payment.status == PaymentStatus.PAID
    assert invoice.payment.amount_paid_cents == 120000
    assert await calls(db, "ticket.paid") == 1


async def test_two_full_refunds_at_once_give_the_money_back_once(
    db: AsyncSession, localstripe: LocalStripe, stripe_settings: Settings, pay_by_card: PayByCard
) -> None:
    started = await pay_by_card(localstripe.card())
    await service.refresh_card_payment(db, settings=stripe_settings, payment=started.payment)
    await db.commit()

    async def refund_all(session: AsyncSession) -> int:
        payment = await session.get_one(Payment, started.payment.id)
        refund = await service.refund(
            session, settings=stripe_settings, payment=payment, reason="Cancelled", actor=None
        )
        return refund.amount_cents

    results = await at_once(stripe_settings, 2, refund_all)

    [refused] = [r for r in results if isinstance(r, DomainError)]
    # Which refusal depends on whether the second saw the first's reservation before reading what was left.
    assert isinstance(refused, RefundTooLarge | NothingToRefund)
    await db.refresh(started.payment)
    assert started.payment.amount_refunded_cents == 60000
    assert started.payment.status == PaymentStatus.REFUNDED
    assert await calls(db, "ticket.refunded") == 1
