"""A card refund holds no lock while Stripe is asked, and one Stripe never answered is finished by
reconciliation without moving money twice."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import stripe
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from stripe._refund_service import RefundService

from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.db import make_engine, make_session_maker
from events_app.payments import service
from events_app.payments.models import Payment, Refund, RefundStatus
from events_app.settings import Settings
from tests.conftest import Caller
from tests.payments.conftest import PayByCard
from tests.payments.purpose import calls
from tests.payments.test_refunds import paid_by_card, refunds_url, stripe_refunds
from tests.stripe_harness import LocalStripe

Client = AsyncTestClient[Litestar]
Create = Callable[..., Any]


@pytest.fixture
def refunds_create(monkeypatch: pytest.MonkeyPatch) -> Callable[[Create], None]:
    """Replaces Stripe's ``refunds.create`` with a function given the real one (it runs in a worker thread)."""
    real = RefundService.create

    def replace(fake: Create) -> None:
        monkeypatch.setattr(RefundService, "create", lambda self, *args, **kwargs: fake(real, self, *args, **kwargs))

    return replace


async def test_a_refund_in_flight_in_stripe_blocks_no_other_write_on_its_payment(
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    pay_by_card: PayByCard,
    refunds_create: Callable[[Create], None],
) -> None:
    payment = await paid_by_card(db, stripe_settings, pay_by_card, localstripe)
    asked, answer = threading.Event(), threading.Event()

    def slow_stripe(real: Create, client: RefundService, *args: Any) -> Any:
        asked.set()
        answer.wait(30)
        return real(client, *args)

    refunds_create(slow_stripe)
    # Two connections of their own, in this event loop (the test client serves one request at a time).
    engine = make_engine(stripe_settings.database_url)
    sessions = make_session_maker(engine)

    async def refund_slowly() -> Refund:
        async with sessions() as refunding:
            mine = await refunding.get_one(Payment, payment.id)
            done = await service.refund(refunding, settings=stripe_settings, payment=mine, reason="Slow", actor=None)
            await refunding.commit()
            return done

    async def another_write() -> None:
        async with sessions() as other:
            await other.execute(update(Payment).where(Payment.id == payment.id).values(updated_at=now()))
            await other.commit()

    first = asyncio.create_task(refund_slowly())
    try:
        assert await asyncio.to_thread(asked.wait, 15)
        # Before the change the refund's transaction held the payment's row (on SQLite the
        # database) through Stripe's answer, and this write waited for it.
        await asyncio.wait_for(another_write(), 5)
    finally:
        answer.set()
        refund = await first
        await engine.dispose()

    assert refund.status == RefundStatus.SUCCEEDED
    await db.refresh(payment)
    assert payment.refundable_cents == 0
    assert payment.stripe_payment_intent_id is not None
    assert stripe_refunds(localstripe, payment.stripe_payment_intent_id) == [60000]


def _unreachable(real: Create, client: RefundService, *args: Any) -> Any:
    raise stripe.APIConnectionError("Stripe could not be reached.")  # type: ignore[no-untyped-call]


def _answer_lost(real: Create, client: RefundService, *args: Any) -> Any:
    real(client, *args)  # Stripe made the refund; its answer never came back
    raise stripe.APIConnectionError("The connection broke.")  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("stripe_trouble", [_unreachable, _answer_lost], ids=["unreachable", "answer lost"])
async def test_a_refund_stripe_never_answered_is_finished_by_reconciliation_once(
    db: AsyncSession,
    card_client: Client,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    pay_by_card: PayByCard,
    conference: Conference,
    organizer: Caller,
    refunds_create: Callable[[Create], None],
    monkeypatch: pytest.MonkeyPatch,
    stripe_trouble: Create,
) -> None:
    payment = await paid_by_card(db, stripe_settings, pay_by_card, localstripe)
    refunds_create(stripe_trouble)

    response = await card_client.post(
        refunds_url(conference, payment), json={"amount_cents": 25000, "reason": "Flaky"}, headers=organizer.headers
    )

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"  # recorded and reserved, not yet in Stripe's hands
    await db.refresh(payment)
    assert payment.refundable_cents == 35000
    monkeypatch.undo()
    # Reconciliation leaves a refund alone for a minute: its request may still be waiting for Stripe.
    await db.execute(update(Refund).values(created_at=now() - timedelta(minutes=2)))
    await db.commit()
    engine = make_engine(stripe_settings.database_url)
    try:
        report = await service.reconcile(engine, stripe_settings)
    finally:
        await engine.dispose()

    assert report.checked == 1
    refund = await db.scalar(
        select(Refund).where(Refund.payment_id == payment.id).execution_options(populate_existing=True)
    )
    assert refund is not None
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.stripe_refund_id is not None
    assert payment.stripe_payment_intent_id is not None
    assert stripe_refunds(localstripe, payment.stripe_payment_intent_id) == [25000]  # no money moved twice
    assert (await db.get_one(Payment, payment.id, populate_existing=True)).refundable_cents == 35000
    assert await calls(db, "ticket.refunded") == 1
