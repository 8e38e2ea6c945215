"""Card checkout against localstripe: paid only when Stripe says so, late payments, refunds on cancellation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import stripe
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from stripe._payment_intent_service import PaymentIntentService

from events_app.core.clock import now
from events_app.core.errors import Conflict
from events_app.payments import card as card_module
from events_app.payments import service as payments
from events_app.payments.errors import PaymentInProgress
from events_app.payments.models import Payment, PaymentStatus
from events_app.registration import cancellation, checkout, payment_events, service
from events_app.registration.models import AttendeeStatus, Order, OrderStatus, PaymentMethod
from events_app.registration.schemas import AttendeeIn, OrderIn, TypePatch
from events_app.settings import Settings
from tests.registration.conftest import World
from tests.stripe_harness import LocalStripe


def _order(world: World, email: str, method: PaymentMethod = PaymentMethod.CARD) -> OrderIn:
    return OrderIn(
        buyer_name="Maria Ruiz",
        buyer_email=email,
        payment_method=method,
        attendees=[
            AttendeeIn(registration_type_id=world.full.id, first_name="Maria", last_name="Ruiz", email=email),
            AttendeeIn(registration_type_id=world.one_day.id, first_name="Tom", last_name="Lee",
                       email=f"t.{email}"),
        ],
    )  # fmt: skip


async def _card_order(db: AsyncSession, settings: Settings, world: World, localstripe: LocalStripe) -> Any:
    order = await checkout.place_order(
        db, settings=settings, conference=world.conference, data=_order(world, "mayor@fresno.gov")
    )
    await db.commit()
    started = await checkout.pay_by_card(db, settings=settings, order=order, payment_method_id=localstripe.card())
    await db.commit()
    return order, started.payment


async def _stripe_reports(db: AsyncSession, settings: Settings, payment: Payment) -> None:
    """What the webhook (or the reconciler) does: ask Stripe and apply its answer."""
    await payments.refresh_card_payment(db, settings=settings, payment=payment)
    await db.commit()


async def test_a_card_order_is_confirmed_only_when_stripe_confirms_the_payment(
    db: AsyncSession, stripe_settings: Settings, world: World, localstripe: LocalStripe
) -> None:
    order, payment = await _card_order(db, stripe_settings, world, localstripe)
    assert order.status == OrderStatus.PENDING  # the browser's word is not enough
    assert payment.amount_cents == 50000 + 25000
    await _stripe_reports(db, stripe_settings, payment)
    await db.refresh(order)
    assert order.status == OrderStatus.PAID
    assert order.paid_cents == 75000
    assert {a.status for a in order.attendees} == {AttendeeStatus.CONFIRMED}


async def test_a_payment_after_the_hold_expired_still_gets_the_seats_when_they_are_free(
    db: AsyncSession, stripe_settings: Settings, world: World, localstripe: LocalStripe
) -> None:
    order, payment = await _card_order(db, stripe_settings, world, localstripe)
    await db.execute(update(Order).where(Order.id == order.id).values(hold_expires_at=now() - timedelta(minutes=1)))
    await db.commit()
    await _stripe_reports(db, stripe_settings, payment)
    await db.refresh(order)
    assert order.status == OrderStatus.PAID


async def test_a_late_payment_whose_seat_was_sold_needs_staff_who_refund_it(
    db: AsyncSession, stripe_settings: Settings, world: World, localstripe: LocalStripe
) -> None:
    await service.update_type(db, registration_type=world.one_day, data=TypePatch(capacity=1), actor=None)
    await db.commit()
    order, payment = await _card_order(db, stripe_settings, world, localstripe)
    await db.execute(update(Order).where(Order.id == order.id).values(hold_expires_at=now() - timedelta(minutes=1)))
    await db.commit()
    someone_else = OrderIn(
        buyer_name="Other",
        buyer_email="other@fresno.gov",
        attendees=[AttendeeIn(registration_type_id=world.one_day.id, first_name="O", last_name="Ther",
                              email="other@fresno.gov")],
    )  # fmt: skip
    await checkout.place_order(db, settings=stripe_settings, conference=world.conference, data=someone_else)
    await db.commit()

    await _stripe_reports(db, stripe_settings, payment)
    await db.refresh(order)
    await db.refresh(payment)
    assert order.status == OrderStatus.NEEDS_ATTENTION
    assert "sold out" in order.attention_reason
    assert payment.needs_attention  # the money is kept visible, never dropped

    refunded = await cancellation.refund_order(
        db,
        settings=stripe_settings,
        order=order,
        amount_cents=None,
        reason="The seats were gone",
        cancel_attendees_too=False,
        actor=None,
    )
    await db.commit()
    assert refunded == 75000
    await _stripe_reports(db, stripe_settings, payment)
    await db.refresh(order)
    assert order.status == OrderStatus.CANCELLED
    assert order.refunded_cents == 75000


async def test_cancelling_one_card_paid_attendee_refunds_through_stripe(
    db: AsyncSession, stripe_settings: Settings, world: World, localstripe: LocalStripe
) -> None:
    order, payment = await _card_order(db, stripe_settings, world, localstripe)
    await _stripe_reports(db, stripe_settings, payment)
    await db.refresh(order)
    tom = order.attendees[1]
    result = await cancellation.cancel_attendees(db, settings=stripe_settings, order=order, attendee_ids=[tom.id])
    await db.commit()
    assert result.refund_cents == 25000
    await _stripe_reports(db, stripe_settings, payment)
    await db.refresh(order)
    assert order.refunded_cents == 25000
    assert order.status == OrderStatus.PAID  # Maria is still registered
    intent = localstripe.payment_intent(str(payment.stripe_payment_intent_id))
    assert intent["status"] == "succeeded"


async def test_staff_honour_a_late_payment_once_they_add_seats(
    db: AsyncSession, stripe_settings: Settings, world: World, localstripe: LocalStripe
) -> None:
    await service.update_type(db, registration_type=world.one_day, data=TypePatch(capacity=1), actor=None)
    await db.commit()
    order, payment = await _card_order(db, stripe_settings, world, localstripe)
    await db.execute(update(Order).where(Order.id == order.id).values(hold_expires_at=now() - timedelta(minutes=1)))
    await db.commit()
    someone_else = OrderIn(
        buyer_name="Other",
        buyer_email="other@fresno.gov",
        attendees=[AttendeeIn(registration_type_id=world.one_day.id, first_name="O", last_name="Ther",
                              email="other@fresno.gov")],
    )  # fmt: skip
    await checkout.place_order(db, settings=stripe_settings, conference=world.conference, data=someone_else)
    await db.commit()
    await _stripe_reports(db, stripe_settings, payment)
    await db.refresh(order)
    assert order.status == OrderStatus.NEEDS_ATTENTION

    with pytest.raises(Conflict):  # still no seat: nothing changes
        await payment_events.honour_order(db, settings=stripe_settings, order=order, actor=None)
    await db.rollback()
    await db.refresh(world.one_day)
    await db.refresh(order)
    await service.update_type(db, registration_type=world.one_day, data=TypePatch(capacity=2), actor=None)
    await payment_events.honour_order(db, settings=stripe_settings, order=order, actor=None)
    await db.commit()
    await db.refresh(payment)
    assert order.status == OrderStatus.PAID
    assert {a.status for a in order.attendees} == {AttendeeStatus.CONFIRMED}
    assert payment.attention_resolved_at is not None


async def test_a_card_attempt_refused_while_stripe_has_not_answered_the_last_one_renews_no_hold(
    db: AsyncSession, stripe_settings: Settings, world: World, localstripe: LocalStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await checkout.place_order(
        db, settings=stripe_settings, conference=world.conference, data=_order(world, "clerk@modesto.gov")
    )
    await db.commit()

    def unreachable(self: PaymentIntentService, *args: Any, **kwargs: Any) -> Any:
        raise stripe.APIConnectionError("Stripe could not be reached.")  # type: ignore[no-untyped-call]

    monkeypatch.setattr(PaymentIntentService, "create", unreachable)
    await checkout.pay_by_card(db, settings=stripe_settings, order=order, payment_method_id=localstripe.card())
    await db.commit()
    monkeypatch.undo()
    soon = now() + timedelta(minutes=1)
    await db.execute(update(Order).where(Order.id == order.id).values(hold_expires_at=soon))
    await db.commit()
    held = select(Order.hold_expires_at).where(Order.id == order.id)
    before = await db.scalar(held)

    with pytest.raises(PaymentInProgress):
        await checkout.pay_by_card(db, settings=stripe_settings, order=order, payment_method_id=localstripe.card())
    await db.rollback()  # what the request does with a refused attempt

    assert await db.scalar(held) == before


async def test_a_first_attempt_stripe_takes_after_the_buyer_paid_again_is_refunded_and_the_order_kept(
    db: AsyncSession, stripe_settings: Settings, world: World, localstripe: LocalStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await checkout.place_order(
        db, settings=stripe_settings, conference=world.conference, data=_order(world, "clerk@visalia.gov")
    )
    await db.commit()
    real = PaymentIntentService.create

    def answer_lost(self: PaymentIntentService, *args: Any, **kwargs: Any) -> Any:
        real(self, *args, **kwargs)  # Stripe charged the card; its answer never came back
        raise stripe.APIConnectionError("The connection broke.")  # type: ignore[no-untyped-call]

    monkeypatch.setattr(PaymentIntentService, "create", answer_lost)
    first = await checkout.pay_by_card(db, settings=stripe_settings, order=order, payment_method_id=localstripe.card())
    await db.commit()
    monkeypatch.undo()
    # Stripe's listing lags: the first attempt is failed as never made, and the buyer pays again.
    monkeypatch.setattr(card_module, "find_intent", _never_made)
    await db.execute(update(Payment).values(created_at=now() - timedelta(minutes=2)))
    await db.commit()
    await _stripe_reports(db, stripe_settings, first.payment)
    second = await checkout.pay_by_card(db, settings=stripe_settings, order=order, payment_method_id=localstripe.card())
    await db.commit()
    await _stripe_reports(db, stripe_settings, second.payment)
    monkeypatch.undo()

    for _ in range(2):  # the webhook, then a reconciliation: the late money is refunded once
        await _stripe_reports(db, stripe_settings, first.payment)

    await db.refresh(order)
    assert order.status == OrderStatus.PAID
    assert (order.paid_cents, order.refunded_cents) == (order.total_cents, 0)
    assert {a.status for a in order.attendees} == {AttendeeStatus.CONFIRMED}
    late = await db.get_one(Payment, first.payment.id, populate_existing=True)
    assert late.status == PaymentStatus.FAILED
    assert (late.amount_paid_cents, late.amount_refunded_cents) == (order.total_cents, order.total_cents)
    assert late.needs_attention
    assert [r.reason for r in late.refunds] == ["Paid after the attempt was abandoned."]


async def _never_made(settings: Settings, payment_id: str, *, made_after: int) -> None:
    return None
