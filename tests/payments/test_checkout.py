"""A seller's checkout asks payments once: the buyer's lines become an invoice, or are charged to the card."""

from __future__ import annotations

import uuid
from http import HTTPStatus

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.core.errors import PROBLEM_CODES
from events_app.payments import service
from events_app.payments.errors import CardMissing, CardPaymentsDisabled
from events_app.payments.models import Payment, PaymentMethod, PaymentStatus
from events_app.payments.schemas import InvoiceLine
from events_app.settings import Settings
from tests.payments.purpose import PURPOSE
from tests.stripe_harness import CARD_DECLINED, LocalStripe

BOOTH = [InvoiceLine(description="Expo booth A12, 10x10 inline", unit_amount_cents=250000)]
BADGES = [InvoiceLine(description="Extra exhibitor badge", unit_amount_cents=15000, quantity=2)]


async def collect(
    db: AsyncSession,
    settings: Settings,
    conference: Conference,
    *,
    method: str,
    lines: list[InvoiceLine],
    payment_method_id: str | None = None,
) -> service.Collection:
    collected = await service.collect(
        db,
        settings=settings,
        method=method,
        conference_id=conference.id,
        purpose=PURPOSE,
        reference_id=uuid.uuid4(),
        lines=lines,
        description="Annual Conference 2027: expo",
        buyer_email="billing@acme-paving.example",
        buyer_name="Acme Paving",
        bill_to="Acme Paving\nbilling@acme-paving.example",
        po_number="PO-77",
        payment_method_id=payment_method_id,
    )
    await db.commit()
    return collected


async def test_an_invoice_checkout_issues_the_lines_as_an_invoice(
    db: AsyncSession, settings: Settings, conference: Conference
) -> None:
    collected = await collect(db, settings, conference, method="invoice", lines=BADGES)

    assert collected.status == "invoiced"
    assert collected.invoice is not None
    assert collected.invoice.number in collected.message
    assert collected.invoice.po_number == "PO-77"
    assert collected.payment.id == collected.invoice.payment_id
    assert (collected.payment.method, collected.payment.amount_cents) == (PaymentMethod.INVOICE, 30000)


async def test_a_card_checkout_charges_the_sum_of_the_lines(
    db: AsyncSession, stripe_settings: Settings, localstripe: LocalStripe, conference: Conference
) -> None:
    collected = await collect(
        db, stripe_settings, conference, method="card", lines=BADGES, payment_method_id=localstripe.card()
    )

    assert collected.status == "processing"
    assert collected.invoice is None
    assert (collected.payment.method, collected.payment.amount_cents) == (PaymentMethod.CARD, 30000)
    intent = localstripe.payment_intent(collected.payment.stripe_payment_intent_id or "")
    assert intent["amount"] == 30000


async def test_a_declined_card_at_checkout_says_why(
    db: AsyncSession, stripe_settings: Settings, localstripe: LocalStripe, conference: Conference
) -> None:
    collected = await collect(
        db, stripe_settings, conference, method="card", lines=BOOTH, payment_method_id=localstripe.card(CARD_DECLINED)
    )

    assert collected.status == "failed"
    assert "declined" in collected.message
    assert collected.payment.status == PaymentStatus.FAILED


async def test_a_card_choice_that_cannot_work_is_refused_before_anything_is_taken(
    db: AsyncSession, settings: Settings, stripe_settings: Settings, conference: Conference
) -> None:
    with pytest.raises(CardPaymentsDisabled):
        service.check_payment_choice(settings, method="card", payment_method_id="pm_from_the_browser")
    with pytest.raises(CardMissing):
        service.check_payment_choice(stripe_settings, method="card", payment_method_id=None)
    service.check_payment_choice(settings, method="invoice", payment_method_id=None)

    with pytest.raises(CardMissing):
        await collect(db, stripe_settings, conference, method="card", lines=BOOTH)
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(Payment)) == 0


def test_each_payments_code_answers_with_one_status() -> None:
    statuses = {code: cls.status for code, cls in PROBLEM_CODES.items() if cls.__module__.startswith("events_app.pay")}

    assert statuses["card-payments-disabled"] == statuses["card-missing"] == HTTPStatus.UNPROCESSABLE_ENTITY
    assert statuses["nothing-to-refund"] == HTTPStatus.CONFLICT
    assert statuses["bad-signature"] == statuses["bad-event"] == HTTPStatus.BAD_REQUEST
    assert statuses["payment-not-recorded-yet"] == HTTPStatus.SERVICE_UNAVAILABLE  # so Stripe delivers it again
    assert PROBLEM_CODES["conference-not-found"].status == HTTPStatus.NOT_FOUND
