"""Paying for a booth by card through Stripe (localstripe over real HTTP): the booking is firm only
when Stripe's signed webhook says the money came; a declined card gives the hold back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.expo import rules
from events_app.expo.models import BadgePurchase, BoothBooking
from events_app.expo.schemas import ExpoSettingsIn, RefundBand
from events_app.payments.models import Payment
from events_app.settings import Settings
from tests.conftest import LiveServer, session_for
from tests.expo.conftest import ExpoWorld, MakePartner
from tests.stripe_harness import CARD_3DS, CARD_DECLINED, LocalStripe, webhook_url


async def _until(check: Callable[[], object], *, seconds: float = 20) -> None:
    """Waits for the webhook's effect; Stripe (here localstripe) calls back on its own time."""
    for _ in range(int(seconds * 10)):
        if await check():  # type: ignore[misc]
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the webhook's effect did not show in time")


async def test_a_booth_paid_by_card_is_booked_when_stripe_confirms_and_a_decline_keeps_the_hold(
    db: AsyncSession,
    settings: Settings,
    expo: ExpoWorld,
    make_partner: MakePartner,
    localstripe: LocalStripe,
    stripe_env: dict[str, str],
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    acme = await make_partner("Acme")
    await rules.save_settings(
        db,
        conference=expo.conference,
        actor=None,
        data=ExpoSettingsIn(
            refund_bands=[RefundBand(cancel_before=datetime(2099, 1, 1, tzinfo=UTC), refund_percent=100)],
        ),
    )
    await db.commit()
    [server] = live_servers(1, **stripe_env)
    localstripe.send_webhooks_to(webhook_url(server.url))
    api = f"{server.url}{expo.api}"
    async with httpx.AsyncClient(headers=acme.headers, timeout=30) as client:
        held = (await client.post(f"{api}/holds", json={"booth_code": "102"})).json()
        declined = await client.post(
            f"{api}/holds/{held['id']}/checkout",
            json={"method": "card", "payment_method_id": localstripe.card(CARD_DECLINED)},
        )
        assert declined.status_code == 201
        body = declined.json()
        assert body["payment_status"] == "failed"
        assert body["hold"]["live"] is True
        mine = {b["code"]: b["status"] for b in (await client.get(f"{api}/booths")).json()}
        assert mine["102"] == "mine-held"

        paid = await client.post(
            f"{api}/holds/{held['id']}/checkout", json={"method": "card", "payment_method_id": localstripe.card()}
        )
        assert paid.json()["payment_status"] == "processing"
        booking_id = paid.json()["booking"]["id"]
        assert paid.json()["booking"]["status"] == "pending_payment"

        async def confirmed() -> bool:
            found = (await client.get(f"{api}/bookings/{booking_id}")).json()
            return bool(found["status"] == "confirmed" and found["paid_cents"] == 200_000)

        await _until(confirmed)

        # 3-D Secure: the bank's step happens in the browser; the webhook still decides.
        second = (await client.post(f"{api}/holds", json={"booth_code": "109"})).json()
        asked = await client.post(
            f"{api}/holds/{second['id']}/checkout",
            json={"method": "card", "payment_method_id": localstripe.card(CARD_3DS)},
        )
        assert asked.json()["payment_status"] == "requires_action"
        async with session_for(settings) as check:
            payment = await check.scalar(
                select(Payment).where(Payment.id == uuid.UUID(asked.json()["booking"]["payment_id"]))
            )
            assert payment is not None
            intent_id = payment.stripe_payment_intent_id
        localstripe.authenticate(str(intent_id), asked.json()["client_secret"])
        third_id = asked.json()["booking"]["id"]

        async def authenticated() -> bool:
            return bool((await client.get(f"{api}/bookings/{third_id}")).json()["status"] == "confirmed")

        await _until(authenticated)

        cancelled = await client.post(f"{api}/bookings/{booking_id}/cancel")
        assert cancelled.json()["refund_cents"] == 200_000
    async with session_for(settings) as check:
        booking = await check.get_one(BoothBooking, uuid.UUID(booking_id))
        payment = await check.get_one(Payment, uuid.UUID(booking.payment_id))
        assert (booking.status, payment.amount_refunded_cents) == ("cancelled", 200_000)


async def test_extra_badges_paid_by_card_count_when_stripe_confirms_and_a_declined_card_buys_none(
    settings: Settings,
    expo: ExpoWorld,
    make_partner: MakePartner,
    localstripe: LocalStripe,
    stripe_env: dict[str, str],
    live_servers: Callable[..., list[LiveServer]],
) -> None:
    acme = await make_partner("Acme")
    [server] = live_servers(1, **stripe_env)
    localstripe.send_webhooks_to(webhook_url(server.url))
    api = f"{server.url}{expo.api}"
    async with httpx.AsyncClient(headers=acme.headers, timeout=30) as client:
        held = (await client.post(f"{api}/holds", json={"booth_code": "101"})).json()
        booked = await client.post(f"{api}/holds/{held['id']}/checkout", json={"method": "invoice"})
        booking_id = booked.json()["booking"]["id"]
        badges_url, staff_url = f"{api}/bookings/{booking_id}/badges", f"{api}/bookings/{booking_id}/staff"

        declined = await client.post(
            badges_url, json={"quantity": 3, "method": "card", "payment_method_id": localstripe.card(CARD_DECLINED)}
        )
        assert declined.status_code == 201
        assert (declined.json()["payment_status"], declined.json()["status"]) == ("failed", "cancelled")

        paid = await client.post(
            badges_url, json={"quantity": 2, "method": "card", "payment_method_id": localstripe.card()}
        )
        assert (paid.json()["payment_status"], paid.json()["status"]) == ("processing", "pending")

        async def counted() -> bool:
            return bool((await client.get(staff_url)).json()["bought"] == 2)

        await _until(counted)
    async with session_for(settings) as check:
        purchase = await check.get_one(BadgePurchase, uuid.UUID(declined.json()["id"]))
        assert purchase.status == "cancelled"
