"""The way to Stripe: whether card payments are on, the client, its outages as our errors.

Every call to Stripe goes through ``stripe_api(settings)`` and runs the blocking client in
a worker thread (``asyncio.to_thread``), so a slow card processor never holds the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any, Literal

import stripe
import structlog

from events_app.payments.errors import CardPaymentsDisabled, StripeUnavailable
from events_app.settings import Settings

log = structlog.get_logger(__name__)

_CLIENTS: dict[tuple[str, str], stripe.StripeClient] = {}


def card_payments_enabled(settings: Settings) -> bool:
    """True when a Stripe secret key is configured; otherwise only invoices are offered."""
    return bool(settings.stripe_secret_key)


def require_card_payments(settings: Settings) -> None:
    """Raises ``CardPaymentsDisabled`` in invoice-only mode (no Stripe secret key)."""
    if not card_payments_enabled(settings):
        raise CardPaymentsDisabled("Card payments are not set up; pay by invoice instead.")


def _client(settings: Settings) -> stripe.StripeClient:
    """One client per key and API base; its HTTP session is shared by the worker threads.

    The blocking client runs in threads (``asyncio.to_thread``) rather than the library's
    async client, whose httpx use raises a DeprecationWarning on every request. No
    automatic retries: localstripe ignores idempotency keys, so a retried create could
    charge twice there; reconciliation repairs what a lost answer leaves behind.
    """
    key = (settings.stripe_secret_key, settings.stripe_api_base)
    if key not in _CLIENTS:
        _CLIENTS[key] = stripe.StripeClient(
            settings.stripe_secret_key,
            base_addresses={"api": settings.stripe_api_base},
            http_client=stripe.RequestsClient(timeout=30),
            max_network_retries=0,
        )
    return _CLIENTS[key]


@asynccontextmanager
async def stripe_api(settings: Settings) -> AsyncIterator[stripe.StripeClient]:
    """The Stripe client (localstripe in tests), turning its outages into ``StripeUnavailable``.

    Errors the caller expects (a declined card, a refused request) are caught inside the
    block; whatever Stripe error escapes it means the processor could not answer.
    """
    require_card_payments(settings)
    try:
        yield _client(settings)
    except stripe.APIConnectionError as exc:
        log.warning("stripe_unreachable", error=str(exc))
        raise StripeUnavailable("The card processor cannot be reached right now; please try again.") from exc
    except stripe.StripeError as exc:  # keys, rate limits, Stripe's own errors, or a request we did not expect to fail
        log.error("stripe_error", error=str(exc), kind=type(exc).__name__)
        raise StripeUnavailable("The card processor refused to answer; please try again shortly.") from exc


def as_dict(obj: Any) -> dict[str, Any]:
    """A Stripe object as plain data."""
    result: dict[str, Any] = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return result


def error_message(exc: stripe.StripeError) -> str:
    """What to tell the buyer about a Stripe refusal."""
    return (exc.user_message or str(exc) or "The card was declined.")[:500]


async def fetch_intent(settings: Settings, intent_id: str) -> dict[str, Any]:
    """A PaymentIntent as Stripe has it now."""
    async with stripe_api(settings) as client:
        return as_dict(await asyncio.to_thread(client.v1.payment_intents.retrieve, intent_id))


async def find_intent(settings: Settings, payment_id: str, *, made_after: int) -> dict[str, Any] | None:
    """The PaymentIntent whose metadata names our payment, or None when Stripe never made one.

    Found by listing, not by idempotency key (localstripe ignores those) nor by Stripe's search
    (which lags behind by up to a minute). Stripe lists the newest first, so the look stops at
    intents made before ``made_after`` (a Unix time).
    """

    def look(client: stripe.StripeClient) -> dict[str, Any] | None:
        listed = client.v1.payment_intents.list({"limit": 100})
        for item in listed.auto_paging_iter():
            intent = as_dict(item)
            if int(intent.get("created") or 0) < made_after:
                return None
            if (intent.get("metadata") or {}).get("payment_id") == payment_id:
                return intent
        return None

    async with stripe_api(settings) as client:
        return await asyncio.to_thread(look, client)


async def fetch_refunds(settings: Settings, intent_id: str) -> list[dict[str, Any]]:
    """The refunds Stripe has for a PaymentIntent, whoever made them."""
    async with stripe_api(settings) as client:
        query = {"payment_intent": intent_id, "limit": 100}
        listed = await asyncio.to_thread(client.v1.refunds.list, query)  # type: ignore[arg-type]
    return [as_dict(item) for item in listed.data]


async def fetch_if_known(
    settings: Settings, resource: Literal["payment_intents", "charges"], object_id: str
) -> dict[str, Any] | None:
    """A PaymentIntent or Charge as Stripe has it now, or None when Stripe has no such object."""
    async with stripe_api(settings) as client:
        try:
            found = await asyncio.to_thread(getattr(client.v1, resource).retrieve, object_id)
        except stripe.InvalidRequestError as exc:
            if exc.http_status != HTTPStatus.NOT_FOUND:
                raise
            return None
    return as_dict(found)


async def cancel_intent(settings: Settings, intent_id: str) -> bool:
    """Asks Stripe to cancel a PaymentIntent; False when Stripe would not, having moved on meanwhile."""
    async with stripe_api(settings) as client:
        try:
            await asyncio.to_thread(client.v1.payment_intents.cancel, intent_id)
        except stripe.InvalidRequestError:
            return False
    return True
