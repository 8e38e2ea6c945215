"""A card payment holds no lock while Stripe creates its PaymentIntent, and one whose creation Stripe
never answered is finished by reconciliation exactly once."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import stripe
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from stripe._payment_intent_service import PaymentIntentService

from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.db import make_engine, make_session_maker
from events_app.payments import card as card_module
from events_app.payments import service, stripe_client
from events_app.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from events_app.payments.webhooks import handle_stripe_webhook
from events_app.settings import Settings
from tests.payments.purpose import PURPOSE, calls
from tests.stripe_harness import LocalStripe, stripe_event

Create = Callable[..., Any]


@pytest.fixture
def intents_create(monkeypatch: pytest.MonkeyPatch) -> Callable[[Create], None]:
    """Replaces Stripe's ``payment_intents.create`` with a function given the real one (it runs in a worker thread)."""
    real = PaymentIntentService.create

    def replace(fake: Create) -> None:
        monkeypatch.setattr(
            PaymentIntentService, "create", lambda self, *args, **kwargs: fake(real, self, *args, **kwargs)
        )

    return replace


async def _start(db: AsyncSession, settings: Settings, conference: Conference, card: str) -> service.CardPaymentStarted:
    started = await service.start_card_payment(
        db,
        settings=settings,
        conference_id=conference.id,
        purpose=PURPOSE,
        reference_id=uuid.uuid4(),
        amount_cents=60000,
        description="Full registration (member)",
        payment_method_id=card,
        buyer_email="clerk@longbeach.gov",
    )
    await db.commit()
    return started


async def test_a_card_payment_in_flight_in_stripe_blocks_no_other_write(
    localstripe: LocalStripe,
    stripe_settings: Settings,
    conference: Conference,
    intents_create: Callable[[Create], None],
) -> None:
    asked, answer = threading.Event(), threading.Event()

    def slow_stripe(real: Create, client: PaymentIntentService, *args: Any) -> Any:
        asked.set()
        answer.wait(30)
        return real(client, *args)

    intents_create(slow_stripe)
    card = localstripe.card()
    # Connections of their own, in this event loop (the test client serves one request at a time).
    engine = make_engine(stripe_settings.database_url)
    sessions = make_session_maker(engine)

    async def pay_slowly() -> service.CardPaymentStarted:
        async with sessions() as paying:
            return await _start(paying, stripe_settings, conference, card)

    async def another_write() -> None:
        async with sessions() as other:
            await other.execute(update(Conference).where(Conference.id == conference.id).values(updated_at=now()))
            await other.execute(update(Payment).values(updated_at=now()))
            await other.commit()

    first = asyncio.create_task(pay_slowly())
    try:
        assert await asyncio.to_thread(asked.wait, 15)
        # Before the change the payment's transaction (on SQLite the database) was held
        # through Stripe's answer, and this write waited for it.
        await asyncio.wait_for(another_write(), 5)
    finally:
        answer.set()
        started = await first
        await engine.dispose()

    assert started.status == "processing"
    assert started.payment.stripe_payment_intent_id is not None


def _unreachable(real: Create, client: PaymentIntentService, *args: Any) -> Any:
    raise stripe.APIConnectionError("Stripe could not be reached.")  # type: ignore[no-untyped-call]


def _answer_lost(real: Create, client: PaymentIntentService, *args: Any) -> Any:
    real(client, *args)  # Stripe made and confirmed the PaymentIntent; its answer never came back
    raise stripe.APIConnectionError("The connection broke.")  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("stripe_trouble", "ends", "told"),
    [(_unreachable, PaymentStatus.FAILED, "ticket.failed"), (_answer_lost, PaymentStatus.PAID, "ticket.paid")],
    ids=["unreachable", "answer lost"],
)
async def test_a_card_payment_stripe_never_answered_is_finished_by_reconciliation_once(
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    conference: Conference,
    intents_create: Callable[[Create], None],
    monkeypatch: pytest.MonkeyPatch,
    stripe_trouble: Create,
    ends: PaymentStatus,
    told: str,
) -> None:
    card = localstripe.card()
    intents_create(stripe_trouble)

    started = await _start(db, stripe_settings, conference, card)

    # The buyer hears the truth: not declined, not confirmed; the payment waits, committed.
    assert started.status == "processing"
    assert started.client_secret is None
    assert "not answered" in started.message
    assert started.payment.status == PaymentStatus.PENDING
    assert started.payment.stripe_payment_intent_id is None
    monkeypatch.undo()
    engine = make_engine(stripe_settings.database_url)
    try:
        early = await service.reconcile(engine, stripe_settings)
        assert early.checked == 0  # its request may still be waiting for Stripe
        await db.execute(update(Payment).values(created_at=now() - timedelta(minutes=2)))
        await db.commit()
        reports = [await service.reconcile(engine, stripe_settings) for _ in range(2)]
    finally:
        await engine.dispose()

    assert [r.changed for r in reports] == [1, 0]
    payment = await db.get_one(Payment, started.payment.id, populate_existing=True)
    assert payment.status == ends
    assert await calls(db, told) == 1
    if ends == PaymentStatus.PAID:
        assert payment.stripe_payment_intent_id is not None
        assert localstripe.payment_intent(payment.stripe_payment_intent_id)["metadata"]["payment_id"] == str(payment.id)


async def test_money_stripe_takes_after_the_attempt_was_failed_is_refunded_once_and_pays_nothing(
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    conference: Conference,
    intents_create: Callable[[Create], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    card = localstripe.card()
    intents_create(_answer_lost)
    started = await _start(db, stripe_settings, conference, card)
    monkeypatch.undo()
    # Stripe's listing has not caught up yet: reconciliation fails the attempt, and its purpose lets go.
    monkeypatch.setattr(card_module, "find_intent", _never_made)
    await db.execute(update(Payment).values(created_at=now() - timedelta(minutes=2)))
    await db.commit()
    engine = make_engine(stripe_settings.database_url)
    try:
        assert (await service.reconcile(engine, stripe_settings)).changed == 1
        monkeypatch.undo()
        intent = await stripe_client.find_intent(stripe_settings, str(started.payment.id), made_after=0)
        assert intent is not None
        assert intent["status"] == "succeeded"
        event = stripe_event("payment_intent.succeeded", intent)
        for delivery in (event, event, stripe_event("payment_intent.succeeded", intent)):
            payload, signature = localstripe.signed(delivery)
            await handle_stripe_webhook(db, settings=stripe_settings, payload=payload, signature=signature)
            await db.commit()
        reports = [await service.reconcile(engine, stripe_settings) for _ in range(2)]
    finally:
        await engine.dispose()

    assert [r.changed for r in reports] == [0, 0]
    payment = await db.get_one(Payment, started.payment.id, populate_existing=True)
    assert payment.status == PaymentStatus.FAILED  # what was given up stays given up
    assert (payment.amount_paid_cents, payment.amount_refunded_cents) == (60000, 60000)
    assert payment.stripe_payment_intent_id == intent["id"]
    assert payment.needs_attention
    refunds = list(await db.scalars(select(Refund).where(Refund.payment_id == payment.id)))
    assert [(r.status, r.amount_cents, r.reason) for r in refunds] == [
        (RefundStatus.SUCCEEDED, 60000, "Paid after the attempt was abandoned.")
    ]
    assert [r["amount"] for r in await stripe_client.fetch_refunds(stripe_settings, intent["id"])] == [60000]
    assert (await calls(db, "ticket.failed"), await calls(db, "ticket.paid"), await calls(db, "ticket.refunded")) == (
        1,
        0,
        0,
    )


async def _never_made(settings: Settings, payment_id: str, *, made_after: int) -> None:
    return None
