"""A buyer pays by card: Stripe (localstripe) confirms, and only then is the ticket paid."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.db import make_engine
from events_app.payments import service
from events_app.payments.errors import CardPaymentsDisabled
from events_app.payments.models import PaymentStatus
from events_app.settings import Settings, SettingsError
from tests.conftest import LiveServer
from tests.payments.conftest import PURPOSE_APP, PayByCard, wait_for
from tests.payments.purpose import calls
from tests.stripe_harness import CARD_3DS, CARD_DECLINED, LocalStripe, webhook_url


async def test_card_payment_becomes_paid_when_stripes_webhook_arrives_over_http(
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_env: dict[str, str],
    live_servers: Callable[..., list[LiveServer]],
    pay_by_card: PayByCard,
) -> None:
    [server] = live_servers(1, app=PURPOSE_APP, **stripe_env)
    localstripe.send_webhooks_to(webhook_url(server.url))

    started = await pay_by_card(localstripe.card())

    assert started.status == "processing"  # the browser is not trusted: Stripe's webhook decides
    assert started.payment.status == PaymentStatus.PENDING
    await wait_for(db, started.payment, lambda p: p.status == PaymentStatus.PAID)
    assert started.payment.amount_paid_cents == 60000
    assert await calls(db, "ticket.paid") == 1


async def test_declined_card_says_why_and_another_card_can_pay(
    db: AsyncSession, localstripe: LocalStripe, pay_by_card: PayByCard, stripe_settings: Settings
) -> None:
    declined = await pay_by_card(localstripe.card(CARD_DECLINED))

    assert declined.status == "failed"
    assert "declined" in declined.message
    assert declined.payment.status == PaymentStatus.FAILED

    retried = await service.start_card_payment(
        db,
        settings=stripe_settings,
        conference_id=declined.payment.conference_id,
        purpose=declined.payment.purpose,
        reference_id=declined.payment.reference_id,
        amount_cents=60000,
        description="Full registration (member)",
        payment_method_id=localstripe.card(),
    )
    await db.commit()
    assert retried.status == "processing"
    assert retried.payment.id != declined.payment.id
    assert retried.payment.stripe_payment_intent_id


async def test_three_d_secure_card_is_paid_after_the_buyer_authenticates(
    db: AsyncSession, localstripe: LocalStripe, pay_by_card: PayByCard, stripe_settings: Settings
) -> None:
    started = await pay_by_card(localstripe.card(CARD_3DS))

    assert started.status == "requires_action"
    assert started.client_secret is not None
    assert started.payment.status == PaymentStatus.REQUIRES_ACTION

    intent_id = started.payment.stripe_payment_intent_id
    assert intent_id is not None
    localstripe.authenticate(intent_id, started.client_secret)
    await service.refresh_card_payment(db, settings=stripe_settings, payment=started.payment)
    await db.commit()

    assert started.payment.status == PaymentStatus.PAID
    assert await calls(db, "ticket.paid") == 1


async def test_failed_authentication_fails_the_payment_and_tells_the_seller(
    db: AsyncSession, localstripe: LocalStripe, pay_by_card: PayByCard, stripe_settings: Settings
) -> None:
    started = await pay_by_card(localstripe.card(CARD_3DS))
    assert started.client_secret is not None
    assert started.payment.stripe_payment_intent_id is not None

    localstripe.authenticate(started.payment.stripe_payment_intent_id, started.client_secret, success=False)
    await service.refresh_card_payment(db, settings=stripe_settings, payment=started.payment)
    await db.commit()

    assert started.payment.status == PaymentStatus.FAILED
    assert "authentication" in started.payment.failure_message
    assert await calls(db, "ticket.failed") == 1


async def test_an_abandoned_three_d_secure_payment_is_replaced_by_the_next_card(
    db: AsyncSession, localstripe: LocalStripe, pay_by_card: PayByCard, stripe_settings: Settings
) -> None:
    abandoned = await pay_by_card(localstripe.card(CARD_3DS))

    again = await service.start_card_payment(
        db,
        settings=stripe_settings,
        conference_id=abandoned.payment.conference_id,
        purpose=abandoned.payment.purpose,
        reference_id=abandoned.payment.reference_id,
        amount_cents=60000,
        description="Full registration (member)",
        payment_method_id=localstripe.card(),
    )
    await db.commit()

    await db.refresh(abandoned.payment)
    assert abandoned.payment.status == PaymentStatus.CANCELED
    assert abandoned.payment.stripe_payment_intent_id is not None
    assert localstripe.payment_intent(abandoned.payment.stripe_payment_intent_id)["status"] == "canceled"
    assert again.status == "processing"
    assert await calls(db, "ticket.failed") == 0  # the buyer was right there, paying again


async def test_without_a_stripe_key_only_invoices_are_offered(
    db: AsyncSession, settings: Settings, conference: Conference
) -> None:
    assert not service.card_payments_enabled(settings)
    with pytest.raises(CardPaymentsDisabled):
        await service.start_card_payment(
            db,
            settings=settings,
            conference_id=conference.id,
            purpose="test-ticket",
            reference_id=uuid.uuid4(),
            amount_cents=60000,
            description="Full registration",
            payment_method_id="pm_anything",
        )
    engine = make_engine(settings.database_url)
    try:
        report = await service.reconcile(engine, settings)
    finally:
        await engine.dispose()
    assert report.checked == 0


def test_a_stripe_key_without_its_webhook_secret_is_refused_at_start(tmp_path: Path) -> None:
    base = {"EVENTS_SECRET_KEY": "k" * 40, "EVENTS_VAR_DIR": str(tmp_path), "EVENTS_STRIPE_SECRET_KEY": "sk_live_x"}

    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        Settings.from_env(base)
    complete = Settings.from_env(
        {**base, "EVENTS_STRIPE_PUBLISHABLE_KEY": "pk_live_x", "EVENTS_STRIPE_WEBHOOK_SECRET": "whsec_x"}
    )
    assert service.card_payments_enabled(complete)
    assert not service.card_payments_enabled(Settings.from_env({"EVENTS_SECRET_KEY": "k" * 40}))
