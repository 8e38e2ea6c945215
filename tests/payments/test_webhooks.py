"""Stripe's webhooks: only verified ones count, each changes a payment once, whatever the order."""

from __future__ import annotations

import asyncio
import time
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.payments.models import Payment, PaymentStatus, StripeEvent
from tests.payments.conftest import PayByCard
from tests.payments.purpose import PURPOSE, calls
from tests.stripe_harness import CARD_3DS, CARD_DECLINED, LocalStripe, stripe_event

WEBHOOK = "/api/payments/stripe/webhook"

Client = AsyncTestClient[Litestar]


async def deliver(client: Client, localstripe: LocalStripe, event: dict[str, object], **signing: object) -> object:
    payload, signature = localstripe.signed(event, **signing)  # type: ignore[arg-type]
    return await client.post(
        WEBHOOK, content=payload, headers={"Stripe-Signature": signature, "Content-Type": "application/json"}
    )


async def outcome(client: Client, localstripe: LocalStripe, event: dict[str, object]) -> str:
    response = await deliver(client, localstripe, event)
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    result: str = response.json()["outcome"]  # type: ignore[attr-defined]
    return result


async def test_the_same_event_five_times_pays_once(
    db: AsyncSession, localstripe: LocalStripe, card_client: Client, pay_by_card: PayByCard
) -> None:
    started = await pay_by_card(localstripe.card())
    intent_id = started.payment.stripe_payment_intent_id
    assert intent_id is not None
    event = stripe_event("payment_intent.succeeded", localstripe.payment_intent(intent_id))

    outcomes = [await outcome(card_client, localstripe, event) for _ in range(5)]

    assert outcomes == ["pending -> paid", "duplicate", "duplicate", "duplicate", "duplicate"]
    assert await calls(db, "ticket.paid") == 1
    assert await db.scalar(select(func.count()).select_from(StripeEvent)) == 1


async def test_redeliveries_under_new_event_ids_at_once_still_pay_once(
    db: AsyncSession, localstripe: LocalStripe, card_client: Client, pay_by_card: PayByCard
) -> None:
    started = await pay_by_card(localstripe.card())
    assert started.payment.stripe_payment_intent_id is not None
    intent = localstripe.payment_intent(started.payment.stripe_payment_intent_id)

    events = [stripe_event("payment_intent.succeeded", intent) for _ in range(5)]
    responses = await asyncio.gather(*(deliver(card_client, localstripe, e) for e in events))

    assert [r.status_code for r in responses] == [200] * 5  # type: ignore[attr-defined]
    assert await calls(db, "ticket.paid") == 1
    await db.refresh(started.payment)
    assert started.payment.status == PaymentStatus.PAID


async def test_events_out_of_order_follow_what_stripe_says_now(
    db: AsyncSession, localstripe: LocalStripe, card_client: Client, pay_by_card: PayByCard
) -> None:
    started = await pay_by_card(localstripe.card(CARD_3DS))
    intent_id = started.payment.stripe_payment_intent_id
    assert intent_id is not None
    assert started.client_secret is not None
    waiting = localstripe.payment_intent(intent_id)

    # A "succeeded" event that claims more than Stripe says changes nothing: the intent is re-fetched.
    early = stripe_event("payment_intent.succeeded", {**waiting, "status": "succeeded"})
    assert await outcome(card_client, localstripe, early) == "unchanged (requires_action)"

    localstripe.authenticate(intent_id, started.client_secret)
    succeeded = stripe_event("payment_intent.succeeded", localstripe.payment_intent(intent_id))
    assert await outcome(card_client, localstripe, succeeded) == "requires_action -> paid"

    # The older "requires_action" and a stray "payment_failed" arrive late: the payment stays paid.
    late = [
        stripe_event("payment_intent.requires_action", waiting),
        stripe_event("payment_intent.payment_failed", waiting),
    ]
    assert [await outcome(card_client, localstripe, e) for e in late] == ["unchanged (paid)", "unchanged (paid)"]
    assert await calls(db, "ticket.paid") == 1
    assert await calls(db, "ticket.failed") == 0


async def test_a_bad_signature_is_refused_with_a_problem_and_changes_nothing(
    db: AsyncSession, localstripe: LocalStripe, card_client: Client, pay_by_card: PayByCard
) -> None:
    started = await pay_by_card(localstripe.card())
    assert started.payment.stripe_payment_intent_id is not None
    event = stripe_event(
        "payment_intent.succeeded", localstripe.payment_intent(started.payment.stripe_payment_intent_id)
    )

    forged = await deliver(card_client, localstripe, event, secret="whsec_someone_else")
    stale = await deliver(card_client, localstripe, event, signed_at=time.time() - 3600)
    ahead = await deliver(card_client, localstripe, event, signed_at=time.time() + 3600)
    unsigned = await card_client.post(WEBHOOK, content=b"{}", headers={"Content-Type": "application/json"})

    for response in (forged, stale, ahead, unsigned):
        assert response.status_code == 400  # type: ignore[attr-defined]
        assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
        assert response.json()["code"] == "bad-signature"  # type: ignore[attr-defined]
    assert await db.scalar(select(func.count()).select_from(StripeEvent)) == 0
    await db.refresh(started.payment)
    assert started.payment.status == PaymentStatus.PENDING


async def test_a_payment_intent_for_the_wrong_amount_is_not_accepted(
    db: AsyncSession, localstripe: LocalStripe, card_client: Client, pay_by_card: PayByCard, conference: Conference
) -> None:
    # The buyer's card was declined, so this payment has no PaymentIntent of its own...
    declined = await pay_by_card(localstripe.card(CARD_DECLINED))
    payment = declined.payment
    # ...and someone with API access makes one claiming it, for $1.00 instead of $600.00.
    rogue = localstripe.create_payment_intent(
        **{
            "amount": "100",
            "currency": "usd",
            "payment_method": localstripe.card(),
            "confirm": "true",
            "metadata[payment_id]": str(payment.id),
            "metadata[purpose]": PURPOSE,
            "metadata[reference_id]": str(payment.reference_id),
            "metadata[conference_id]": str(conference.id),
        }
    )
    assert rogue["status"] == "succeeded"

    assert (
        await outcome(card_client, localstripe, stripe_event("payment_intent.succeeded", rogue)) == "unchanged (failed)"
    )

    await db.refresh(payment)
    assert payment.status == PaymentStatus.FAILED
    assert payment.needs_attention
    assert "$1.00" in payment.attention_reason
    assert "$600.00" in payment.attention_reason
    assert await calls(db, "ticket.paid") == 0


async def test_a_webhook_racing_the_payments_creation_is_asked_again_and_never_dropped(
    db: AsyncSession, localstripe: LocalStripe, card_client: Client, conference: Conference
) -> None:
    # Stripe took the money, but the request that made the payment has not committed (or died).
    payment_id, ticket_id = uuid.uuid4(), uuid.uuid4()
    intent = localstripe.create_payment_intent(
        **{
            "amount": "60000",
            "currency": "usd",
            "payment_method": localstripe.card(),
            "confirm": "true",
            "metadata[payment_id]": str(payment_id),
            "metadata[purpose]": PURPOSE,
            "metadata[reference_id]": str(ticket_id),
            "metadata[conference_id]": str(conference.id),
        }
    )

    fresh = await deliver(card_client, localstripe, stripe_event("payment_intent.succeeded", intent))
    assert fresh.status_code == 503  # type: ignore[attr-defined]
    assert fresh.json()["code"] == "payment-not-recorded-yet"  # type: ignore[attr-defined]
    assert await db.scalar(select(func.count()).select_from(StripeEvent)) == 0  # so the retry is not a duplicate

    # Stripe retries; ten minutes on, the record will never come: the money is kept for staff.
    retry = stripe_event("payment_intent.succeeded", intent, created=time.time() - 11 * 60)
    assert await outcome(card_client, localstripe, retry) == "orphan recorded"
    recovered = await db.get_one(Payment, payment_id)
    assert recovered.status == PaymentStatus.PAID
    assert recovered.amount_paid_cents == 60000
    assert recovered.needs_attention
    assert recovered.reference_id == ticket_id


async def test_a_refund_made_in_stripe_reaches_our_books_once(
    db: AsyncSession, localstripe: LocalStripe, card_client: Client, pay_by_card: PayByCard
) -> None:
    started = await pay_by_card(localstripe.card())
    intent_id = started.payment.stripe_payment_intent_id
    assert intent_id is not None
    await outcome(
        card_client, localstripe, stripe_event("payment_intent.succeeded", localstripe.payment_intent(intent_id))
    )

    refund = localstripe.refund_in_dashboard(intent_id, 15000)
    charge = {"id": refund["charge"], "object": "charge", "payment_intent": intent_id, "amount_refunded": 15000}
    first = await outcome(card_client, localstripe, stripe_event("charge.refunded", charge))
    again = await outcome(card_client, localstripe, stripe_event("charge.refunded", charge))

    assert (first, again) == ("refunds updated", "refunds unchanged")
    await db.refresh(started.payment)
    assert started.payment.amount_refunded_cents == 15000
    assert started.payment.status == PaymentStatus.PAID  # partly refunded
    [recorded] = started.payment.refunds
    assert recorded.stripe_refund_id == refund["id"]
    assert await calls(db, "ticket.refunded") == 1


async def test_events_about_what_stripe_does_not_know_are_acknowledged_not_retried(
    db: AsyncSession, localstripe: LocalStripe, card_client: Client, conference: Conference
) -> None:
    # A 503 here would make Stripe redeliver for days over something that will never be ours.
    refund = {"id": "re_unknown", "object": "refund", "charge": "ch_nobody_knows", "amount": 100}
    old_intent = {"id": "pi_nobody_knows", "object": "payment_intent", "status": "succeeded",
                  "metadata": {"payment_id": str(uuid.uuid4())}}  # fmt: skip
    events = [
        stripe_event("refund.created", refund),
        stripe_event("payment_intent.succeeded", old_intent, created=time.time() - 3600),
    ]

    assert [await outcome(card_client, localstripe, e) for e in events] == [
        "ignored: no PaymentIntent",
        "ignored: Stripe has no such PaymentIntent",
    ]
    assert await db.scalar(select(func.count()).select_from(Payment)) == 0
