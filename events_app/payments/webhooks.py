"""Stripe's webhooks: verifying a delivery, recording its event once, and applying what Stripe now says.

An event is only a hint: the PaymentIntent (or its refunds) is fetched again and its
current state applied, so a redelivery or events out of order change nothing they should
not. Money Stripe took for a payment that was never recorded here is kept for staff.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.db import insert_unless_taken
from events_app.payments.card import StripeNews, apply_news
from events_app.payments.errors import BadEvent, BadSignature, PaymentNotYetRecorded, WebhooksNotConfigured
from events_app.payments.ledger import flag
from events_app.payments.models import Payment, PaymentMethod, PaymentStatus, StripeEvent
from events_app.payments.refunds import sync_refunds
from events_app.payments.stripe_client import fetch_if_known, fetch_refunds
from events_app.settings import Settings

log = structlog.get_logger(__name__)

WEBHOOK_TOLERANCE_SECONDS = 300
# A webhook for a payment we have no row for may race the request that is still creating it;
# after this long the row will never come, and the money is recorded for staff instead.
ORPHAN_GRACE = timedelta(minutes=10)
RECORD_WAIT = timedelta(seconds=2)


async def handle_stripe_webhook(db: AsyncSession, *, settings: Settings, payload: bytes, signature: str) -> str:
    """Verifies and applies one Stripe webhook delivery; returns a short outcome for the log.

    Raises ``BadSignature`` or ``BadEvent`` for a delivery that is not Stripe's. The event
    id is recorded under a unique constraint before acting, so a redelivery is a no-op;
    the PaymentIntent (or its refunds) is re-fetched from Stripe and only its current
    state is applied, so events arriving out of order change nothing they should not.
    Raises ``PaymentNotYetRecorded`` (503, so Stripe retries) for a payment whose creating
    request has not committed yet.
    """
    event = _verified_event(settings, payload, signature)
    obj = event["data"].get("object") or {}
    event_type = str(event.get("type", ""))
    if event_type.startswith("payment_intent.") and not _past_grace(event):
        await _wait_for_payment_row(db, obj)
    # Everything Stripe is asked comes before the first write, with no transaction open.
    await db.commit()
    if event_type.startswith("payment_intent."):
        news = await _intent_news(settings, str(obj.get("id", "")))
    elif event_type.startswith(("charge.refund", "refund.")) or event_type == "charge.refunded":
        intent_id = await _refunded_intent(settings, obj)
        refunds = await fetch_refunds(settings, intent_id) if intent_id else []
    fresh = await insert_unless_taken(
        db,
        StripeEvent,
        {
            "id": uuid.uuid4(),
            "event_id": event["id"],
            "type": event_type[:100],
            "object_id": str(obj.get("id", ""))[:255],
        },
    )
    if not fresh:
        return "duplicate"
    if event_type.startswith("payment_intent."):
        outcome = await _on_intent_event(db, settings, event, obj, news)
    elif event_type.startswith(("charge.refund", "refund.")) or event_type == "charge.refunded":
        outcome = await _on_refund_event(db, settings, obj, intent_id, refunds)
    else:
        outcome = "ignored"
    await db.execute(
        update(StripeEvent)
        .where(StripeEvent.event_id == event["id"])
        .values(processed_at=now(), outcome=outcome[:300], updated_at=now())
    )
    log.info("stripe_webhook", event_id=event["id"], type=event_type, outcome=outcome)
    return outcome


def _verified_event(settings: Settings, payload: bytes, signature: str) -> dict[str, Any]:
    """The event Stripe signed, or the reason it is refused."""
    if not settings.stripe_webhook_secret:
        raise WebhooksNotConfigured("Card payments are not set up here.")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature, settings.stripe_webhook_secret, WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(text)
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        raise BadSignature("The webhook's signature does not verify.") from exc
    except ValueError as exc:
        raise BadEvent("The webhook's body is not JSON.") from exc
    if _signed_at(signature) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
        # Stripe's check only bounds the past: a delivery dated ahead would stay replayable until then.
        raise BadSignature("The webhook's signature is dated in the future.")
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("data"), dict):
        raise BadEvent("The webhook is not a Stripe event.")
    return event


def _signed_at(signature: str) -> int:
    """The ``t=`` of a header that already verified (so it is there and a number)."""
    stamps = [int(part[2:]) for part in signature.split(",") if part.startswith("t=")]
    return max(stamps)


def _past_grace(event: dict[str, Any]) -> bool:
    """True once an event is old enough that a payment it names, still unknown, will never be recorded."""
    try:
        created = datetime.fromtimestamp(int(event.get("created") or 0), UTC)
    except (TypeError, ValueError, OverflowError):
        return False
    return now() - created >= ORPHAN_GRACE


async def _wait_for_payment_row(db: AsyncSession, intent: dict[str, Any]) -> None:
    """Stripe can deliver an event before the request that created its payment has committed.

    Waiting a moment here (before writing anything, so a SQLite writer is not blocked)
    usually lets that commit land; otherwise the event is refused with a 503 and Stripe
    delivers it again later.
    """
    payment_id = _uuid((intent.get("metadata") or {}).get("payment_id"))
    if payment_id is None:
        return
    for _ in range(int(RECORD_WAIT.total_seconds() / 0.2)):
        if await db.scalar(select(Payment.id).where(Payment.id == payment_id)) is not None:
            return
        await asyncio.sleep(0.2)


async def _intent_news(settings: Settings, intent_id: str) -> StripeNews:
    """The PaymentIntent as Stripe has it now (None when Stripe has no such intent), and its refunds."""
    intent = await fetch_if_known(settings, "payment_intents", intent_id)
    refunds = await fetch_refunds(settings, intent_id) if intent and intent.get("status") == "succeeded" else []
    return StripeNews(intent=intent, refunds=refunds)


async def _on_intent_event(
    db: AsyncSession, settings: Settings, event: dict[str, Any], obj: dict[str, Any], news: StripeNews
) -> str:
    intent_id = str(obj.get("id", ""))
    metadata = obj.get("metadata") or {}
    payment = await db.scalar(select(Payment).where(Payment.stripe_payment_intent_id == intent_id))
    if payment is None and (payment_id := _uuid(metadata.get("payment_id"))) is not None:
        payment = await db.get(Payment, payment_id)
    if payment is None:
        if "payment_id" not in metadata:
            return "ignored: not one of ours"
        if not _past_grace(event):
            raise PaymentNotYetRecorded("This payment is not recorded yet; please deliver the event again.")
        return await _record_orphan(db, intent_id, news.intent)
    if news.intent is None:
        log.warning("stripe_event_for_unknown_intent", intent_id=intent_id)
        return "ignored: Stripe has no such PaymentIntent"
    before = payment.status
    await apply_news(db, settings, payment, news)
    return f"{before.value} -> {payment.status.value}" if before != payment.status else f"unchanged ({before.value})"


async def _record_orphan(db: AsyncSession, intent_id: str, intent: dict[str, Any] | None) -> str:
    """Stripe took money for a payment whose record never committed here: keep it for staff."""
    if intent is None:
        # Acknowledged, not refused: Stripe would retry an error for days over what is not ours.
        log.warning("stripe_event_for_unknown_intent", intent_id=intent_id)
        return "ignored: Stripe has no such PaymentIntent"
    metadata = intent.get("metadata") or {}
    conference_id = _uuid(metadata.get("conference_id"))
    reference_id = _uuid(metadata.get("reference_id"))
    payment_id = _uuid(metadata.get("payment_id"))
    if intent.get("status") != "succeeded":
        return f"ignored: unknown payment, {intent.get('status')}"
    known = conference_id is not None and await db.get(Conference, conference_id) is not None
    if not known or reference_id is None or payment_id is None:
        log.error("stripe_payment_unmatched", intent_id=intent_id)
        return "unmatched: no conference for this money; see Stripe"
    amount = int(intent.get("amount_received") or intent.get("amount") or 0)
    await insert_unless_taken(
        db,
        Payment,
        {
            "id": payment_id,
            "conference_id": conference_id,
            "purpose": str(metadata.get("purpose", "unknown"))[:40],
            "reference_id": reference_id,
            "method": PaymentMethod.CARD,
            "status": PaymentStatus.PAID,
            "amount_cents": amount,
            "amount_paid_cents": amount,
            "currency": str(intent.get("currency", "usd")).upper(),
            "stripe_payment_intent_id": intent_id,
            "paid_at": now(),
            "description": "Recovered from Stripe",
        },
    )
    payment = await db.get_one(Payment, payment_id)
    await flag(db, payment, "Stripe collected this payment but the purchase it was for was never recorded here.")
    return "orphan recorded"


async def _refunded_intent(settings: Settings, obj: dict[str, Any]) -> str | None:
    """The PaymentIntent a refund event is about (Stripe is asked for a refund's charge when needed)."""
    intent_id = obj.get("payment_intent")
    if not intent_id and obj.get("object") == "refund" and obj.get("charge"):
        charge = await fetch_if_known(settings, "charges", str(obj["charge"]))
        intent_id = charge.get("payment_intent") if charge is not None else None
    return str(intent_id) if intent_id else None


async def _on_refund_event(
    db: AsyncSession, settings: Settings, obj: dict[str, Any], intent_id: str | None, refunds: list[dict[str, Any]]
) -> str:
    if not intent_id:
        log.warning("stripe_refund_for_unknown_charge", charge_id=obj.get("charge"), refund_id=obj.get("id"))
        return "ignored: no PaymentIntent"
    payment = await db.scalar(select(Payment).where(Payment.stripe_payment_intent_id == intent_id))
    if payment is None:
        log.warning("stripe_refund_for_unknown_payment", intent_id=intent_id, refund_id=obj.get("id"))
        return "ignored: unknown payment"
    changed = await sync_refunds(db, settings, payment, refunds)
    return "refunds updated" if changed else "refunds unchanged"


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
