"""Organizers give money back: partial or whole, never more than was paid, once per request."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.payments import service
from events_app.payments.models import Invoice, Payment, PaymentStatus, ReceiptMethod, RefundStatus
from events_app.payments.schemas import InvoiceLine
from events_app.settings import Settings
from tests.conftest import Caller, RefuseCommits
from tests.payments.conftest import PayByCard
from tests.payments.purpose import PURPOSE, SOLD_OUT, calls
from tests.stripe_harness import LocalStripe

Client = AsyncTestClient[Litestar]


async def paid_by_card(
    db: AsyncSession, settings: Settings, pay_by_card: PayByCard, localstripe: LocalStripe, **options: object
) -> Payment:
    started = await pay_by_card(localstripe.card(), **options)
    await service.refresh_card_payment(db, settings=settings, payment=started.payment)
    await db.commit()
    assert started.payment.status == PaymentStatus.PAID
    return started.payment


def stripe_refunds(localstripe: LocalStripe, intent_id: str) -> list[int]:
    response = httpx.get(
        f"{localstripe.url}/v1/refunds",
        params={"payment_intent": intent_id},
        headers={"Authorization": f"Bearer {localstripe.secret_key}"},
    )
    return sorted(r["amount"] for r in response.json()["data"])


def refunds_url(conference: Conference, payment: Payment) -> str:
    return f"/api/conferences/{conference.slug}/payments/{payment.id}/refunds"


async def test_a_partial_refund_then_the_rest_returns_everything_through_stripe(
    db: AsyncSession,
    card_client: Client,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    pay_by_card: PayByCard,
    conference: Conference,
    organizer: Caller,
) -> None:
    payment = await paid_by_card(db, stripe_settings, pay_by_card, localstripe)
    url = refunds_url(conference, payment)

    part = await card_client.post(
        url, json={"amount_cents": 20000, "reason": "Guest pass not used"}, headers=organizer.headers
    )
    assert part.status_code == 201, part.text
    assert part.json()["status"] == "succeeded"
    await db.refresh(payment)
    assert payment.status == PaymentStatus.PAID
    assert payment.refundable_cents == 40000

    rest = await card_client.post(url, json={"reason": "Cancelled before the deadline"}, headers=organizer.headers)
    assert rest.json()["amount_cents"] == 40000

    await db.refresh(payment)
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.stripe_payment_intent_id is not None
    assert stripe_refunds(localstripe, payment.stripe_payment_intent_id) == [20000, 40000]
    assert await calls(db, "ticket.refunded") == 2


async def test_a_refund_above_what_was_paid_is_refused(
    db: AsyncSession,
    card_client: Client,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    pay_by_card: PayByCard,
    conference: Conference,
    organizer: Caller,
) -> None:
    payment = await paid_by_card(db, stripe_settings, pay_by_card, localstripe)
    url = refunds_url(conference, payment)

    too_much = await card_client.post(url, json={"amount_cents": 60001, "reason": "Oops"}, headers=organizer.headers)
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "refund-too-large"

    await card_client.post(url, json={"amount_cents": 50000, "reason": "Most of it"}, headers=organizer.headers)
    over = await card_client.post(url, json={"amount_cents": 20000, "reason": "And more"}, headers=organizer.headers)
    assert over.status_code == 422
    assert "$200.00 is more than the $100.00" in over.json()["detail"]

    assert payment.stripe_payment_intent_id is not None
    assert stripe_refunds(localstripe, payment.stripe_payment_intent_id) == [50000]


async def test_asking_twice_with_one_idempotency_key_refunds_once(
    db: AsyncSession,
    card_client: Client,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    pay_by_card: PayByCard,
    conference: Conference,
    organizer: Caller,
) -> None:
    payment = await paid_by_card(db, stripe_settings, pay_by_card, localstripe)
    body = {"amount_cents": 10000, "reason": "Cancel attendee", "idempotency_key": f"cancel-{uuid.uuid4()}"}

    first = await card_client.post(refunds_url(conference, payment), json=body, headers=organizer.headers)
    second = await card_client.post(refunds_url(conference, payment), json=body, headers=organizer.headers)

    assert first.json()["id"] == second.json()["id"]
    assert payment.stripe_payment_intent_id is not None
    assert stripe_refunds(localstripe, payment.stripe_payment_intent_id) == [10000]
    assert await calls(db, "ticket.refunded") == 1


async def test_staff_may_not_refund(
    db: AsyncSession,
    card_client: Client,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    pay_by_card: PayByCard,
    conference: Conference,
    staff: Caller,
) -> None:
    payment = await paid_by_card(db, stripe_settings, pay_by_card, localstripe)

    response = await card_client.post(refunds_url(conference, payment), json={"reason": "x"}, headers=staff.headers)

    assert response.status_code == 403
    await db.refresh(payment)
    assert payment.amount_refunded_cents == 0


async def paid_invoice(db: AsyncSession, settings: Settings, conference: Conference) -> Invoice:
    """A $250 invoice, paid by check."""
    invoice = await service.create_invoice(
        db,
        settings=settings,
        conference_id=conference.id,
        purpose=PURPOSE,
        reference_id=uuid.uuid4(),
        bill_to="City of Fresno",
        buyer_email="clerk@fresno.gov",
        lines=[InvoiceLine(description="One-day pass", unit_amount_cents=25000)],
    )
    await service.record_invoice_payment(
        db,
        settings=settings,
        invoice=invoice,
        amount_cents=25000,
        method=ReceiptMethod.CHECK,
        received_on=date.today(),
        actor=None,
    )
    await db.commit()
    return invoice


async def test_an_invoice_refund_records_how_the_money_went_back(
    db: AsyncSession, client: Client, settings: Settings, conference: Conference, organizer: Caller
) -> None:
    invoice = await paid_invoice(db, settings, conference)
    url = refunds_url(conference, invoice.payment)

    unsaid = await client.post(url, json={"reason": "Cancelled"}, headers=organizer.headers)
    assert unsaid.status_code == 422
    assert unsaid.json()["code"] == "refund-method-missing"

    sent = await client.post(
        url, json={"reason": "Cancelled", "method": "check", "reference": "Check 5521"}, headers=organizer.headers
    )
    assert sent.status_code == 201
    assert sent.json()["status"] == RefundStatus.SUCCEEDED
    await db.refresh(invoice.payment)
    assert invoice.payment.status == PaymentStatus.REFUNDED
    assert await calls(db, "ticket.refunded") == 1


async def test_money_for_something_sold_out_meanwhile_waits_for_staff_who_refund_it(
    db: AsyncSession,
    card_client: Client,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    pay_by_card: PayByCard,
    conference: Conference,
    organizer: Caller,
    staff: Caller,
) -> None:
    payment = await paid_by_card(
        db, stripe_settings, pay_by_card, localstripe, description=f"Full registration {SOLD_OUT}"
    )
    assert payment.needs_attention
    assert "cannot be honoured" in payment.attention_reason
    attention_url = f"/api/conferences/{conference.slug}/payments/needs-attention"

    listed = await card_client.get(attention_url, headers=staff.headers)
    assert [p["id"] for p in listed.json()["items"]] == [str(payment.id)]

    refunded = await card_client.post(
        refunds_url(conference, payment), json={"reason": "Sold out while paying"}, headers=organizer.headers
    )
    assert refunded.status_code == 201
    resolved = await card_client.post(
        f"/api/conferences/{conference.slug}/payments/{payment.id}/attention-resolved",
        json={"note": "Refunded in full and apologised by phone."},
        headers=organizer.headers,
    )
    assert resolved.json()["needs_attention"] is False
    assert resolved.json()["status"] == "refunded"
    assert (await card_client.get(attention_url, headers=staff.headers)).json()["items"] == []


async def test_a_refund_whose_commit_is_refused_is_not_answered_201(
    db: AsyncSession,
    client: Client,
    settings: Settings,
    conference: Conference,
    organizer: Caller,
    refuse_commits: RefuseCommits,
) -> None:
    invoice = await paid_invoice(db, settings, conference)
    refusal = await refuse_commits("refunds")
    response = await client.post(
        refunds_url(conference, invoice.payment),
        json={"reason": "Cancelled", "method": "check", "reference": "Check 5521"},
        headers=organizer.headers,
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == refusal.code
    assert await refusal.rows() == 0
    await db.refresh(invoice.payment)
    assert invoice.payment.status == PaymentStatus.PAID
    assert await calls(db, "ticket.refunded") == 0
