"""Refreshing, cancelling and webhooks hold no lock while Stripe is asked: everything is fetched from
Stripe with no transaction open, then written. Each test fails (times out) on the code that asked
Stripe inside the transaction."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from stripe._payment_intent_service import PaymentIntentService
from stripe._refund_service import RefundService

from events_app.core.clock import now
from events_app.db import make_engine, make_session_maker
from events_app.payments import service
from events_app.payments.models import Payment, PaymentStatus
from events_app.settings import Settings
from tests.payments.conftest import PayByCard
from tests.stripe_harness import CARD_3DS, LocalStripe, stripe_event

Work = Callable[[AsyncSession, Payment], Awaitable[object]]


@pytest.fixture
def stripe_waits(monkeypatch: pytest.MonkeyPatch) -> Callable[[type, str], tuple[threading.Event, threading.Event]]:
    """Makes one Stripe call wait for the test's ``answer`` once it has been ``asked``."""

    def slow(stripe_service: type, method: str) -> tuple[threading.Event, threading.Event]:
        asked, answer = threading.Event(), threading.Event()
        real = getattr(stripe_service, method)

        def waiting(self: Any, *args: Any, **kwargs: Any) -> Any:
            asked.set()
            answer.wait(30)
            return real(self, *args, **kwargs)

        monkeypatch.setattr(stripe_service, method, waiting)
        return asked, answer

    return slow


async def _another_write_goes_through(
    settings: Settings, payment: Payment, work: Work, asked: threading.Event, answer: threading.Event
) -> None:
    """Runs ``work`` on the payment in a session of its own while Stripe is slow, and writes the same row meanwhile."""
    engine = make_engine(settings.database_url)
    sessions = make_session_maker(engine)

    async def run() -> None:
        async with sessions() as working:
            await work(working, await working.get_one(Payment, payment.id))
            await working.commit()

    async def another_write() -> None:
        async with sessions() as other:
            await other.execute(update(Payment).where(Payment.id == payment.id).values(updated_at=now()))
            await other.commit()

    task = asyncio.create_task(run())
    try:
        assert await asyncio.to_thread(asked.wait, 15)
        await asyncio.wait_for(another_write(), 5)
    finally:
        answer.set()
        await task
        await engine.dispose()


async def test_a_refresh_asks_for_refunds_before_it_marks_the_payment_paid(
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    pay_by_card: PayByCard,
    stripe_waits: Callable[[type, str], tuple[threading.Event, threading.Event]],
) -> None:
    started = await pay_by_card(localstripe.card())  # Stripe took it; no webhook came
    asked, answer = stripe_waits(RefundService, "list")

    async def refresh(working: AsyncSession, payment: Payment) -> None:
        await service.refresh_card_payment(working, settings=stripe_settings, payment=payment)

    await _another_write_goes_through(stripe_settings, started.payment, refresh, asked, answer)

    assert (await db.get_one(Payment, started.payment.id, populate_existing=True)).status == PaymentStatus.PAID


async def test_a_webhook_fetches_the_payment_intent_before_it_writes(
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    pay_by_card: PayByCard,
    stripe_waits: Callable[[type, str], tuple[threading.Event, threading.Event]],
) -> None:
    started = await pay_by_card(localstripe.card())
    assert started.payment.stripe_payment_intent_id is not None
    event = stripe_event(
        "payment_intent.succeeded", localstripe.payment_intent(started.payment.stripe_payment_intent_id)
    )
    payload, signature = localstripe.signed(event)
    asked, answer = stripe_waits(PaymentIntentService, "retrieve")

    async def deliver(working: AsyncSession, payment: Payment) -> None:
        await service.handle_stripe_webhook(working, settings=stripe_settings, payload=payload, signature=signature)

    await _another_write_goes_through(stripe_settings, started.payment, deliver, asked, answer)

    assert (await db.get_one(Payment, started.payment.id, populate_existing=True)).status == PaymentStatus.PAID


async def test_cancelling_a_card_payment_asks_stripe_with_the_callers_work_committed(
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    pay_by_card: PayByCard,
    stripe_waits: Callable[[type, str], tuple[threading.Event, threading.Event]],
) -> None:
    started = await pay_by_card(localstripe.card(CARD_3DS))
    assert started.status == "requires_action"
    asked, answer = stripe_waits(PaymentIntentService, "cancel")

    async def cancel(working: AsyncSession, payment: Payment) -> None:
        # What a caller (an order's cancellation) wrote on the same rows before cancelling.
        await working.execute(update(Payment).where(Payment.id == payment.id).values(updated_at=now()))
        await service.cancel_payment(
            working, settings=stripe_settings, payment=payment, actor=None, reason="Changed mind"
        )

    await _another_write_goes_through(stripe_settings, started.payment, cancel, asked, answer)

    assert (await db.get_one(Payment, started.payment.id, populate_existing=True)).status == PaymentStatus.CANCELED
