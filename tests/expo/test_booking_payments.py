"""Booking a held booth through payments: invoices, cards, cancellations and refunds by date band."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.mail import deliver_outbox
from events_app.expo import bookings
from events_app.expo.models import BoothBooking, BoothHold, PaymentMethod
from events_app.payments import service as payments
from events_app.payments.models import Payment, ReceiptMethod
from events_app.settings import Settings
from tests.conftest import Caller, Clock, MailBox
from tests.expo.conftest import ExpoWorld, MakePartner, PartnerUser

Client = AsyncTestClient[Litestar]


async def _invoice_checkout(client: Client, expo: ExpoWorld, who: PartnerUser, code: str) -> dict[str, object]:
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": code}, headers=who.headers)).json()
    response = await client.post(
        f"{expo.api}/holds/{held['id']}/checkout", json={"method": "invoice", "po_number": "PO-77"}, headers=who.headers
    )
    assert response.status_code == 201
    body: dict[str, object] = response.json()
    return body


async def _pay_invoice(db: AsyncSession, settings: Settings, booking_id: str, staff: Caller | None = None) -> Payment:
    found = await db.get_one(BoothBooking, uuid.UUID(booking_id), populate_existing=True)
    payment = await payments.get_payment(db, payment_id=uuid.UUID(found.payment_id))
    assert payment.invoice is not None
    await payments.record_invoice_payment(
        db, settings=settings, invoice=payment.invoice, amount_cents=payment.amount_cents, method=ReceiptMethod.CHECK,
        received_on=datetime.now(UTC).date(), reference="Check 1042", actor=None,
    )  # fmt: skip
    await db.commit()
    return payment


async def test_an_invoiced_booth_is_reserved_and_becomes_firm_when_the_invoice_is_paid(
    client: Client,
    db: AsyncSession,
    settings: Settings,
    mail_settings: Settings,
    smtp_server: MailBox,
    expo: ExpoWorld,
    make_partner: MakePartner,
    clock: Clock,
) -> None:
    acme = await make_partner("Acme")
    checkout = await _invoice_checkout(client, expo, acme, "201")
    booked = checkout["booking"]
    assert isinstance(booked, dict)
    assert checkout["payment_status"] == "invoiced"
    assert "INV-" in str(checkout["message"])
    assert (booked["status"], booked["price_cents"], booked["badge_allowance"]) == ("invoiced", 350_000, 4)
    payment = await payments.get_payment(db, payment_id=uuid.UUID(str(booked["payment_id"])))
    assert payment.invoice is not None
    assert (payment.invoice.po_number, payment.amount_cents) == ("PO-77", 350_000)

    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]
    [invoice_mail] = smtp_server.to(acme.caller.email)
    assert payment.invoice.number in invoice_mail["Subject"]
    assert "/invoices/" in invoice_mail.get_content()
    assert "PO PO-77" in invoice_mail.get_content()

    clock.advance(timedelta(days=3))  # long past the hold: the invoice keeps the booth
    public = {b["code"]: b for b in (await client.get(f"{expo.api}/booths")).json()}
    assert (public["201"]["status"], public["201"]["exhibitor"]) == ("booked", "Acme")

    await _pay_invoice(db, settings, str(booked["id"]))
    mine = (await client.get(f"{expo.api}/bookings", headers=acme.headers)).json()
    assert [(b["status"], b["paid_cents"]) for b in mine] == [("confirmed", 350_000)]
    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]
    confirmed = smtp_server.to(acme.caller.email)[-1]
    assert confirmed["Subject"] == "Booth 201 confirmed: Expo Test Conference"
    assert "$3,500.00" in confirmed.get_content()


async def test_a_voided_invoice_gives_the_booth_back(
    client: Client, db: AsyncSession, settings: Settings, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    booked = (await _invoice_checkout(client, expo, acme, "107"))["booking"]
    assert isinstance(booked, dict)
    payment = await payments.get_payment(db, payment_id=uuid.UUID(str(booked["payment_id"])))
    assert payment.invoice is not None
    await payments.void_invoice(db, settings=settings, invoice=payment.invoice, reason="Partner withdrew", actor=None)
    await db.commit()
    found = (await client.get(f"{expo.api}/bookings/{booked['id']}", headers=acme.headers)).json()
    assert found["status"] == "cancelled"
    public = {b["code"]: b["status"] for b in (await client.get(f"{expo.api}/booths")).json()}
    assert public["107"] == "available"


async def test_card_checkout_is_refused_without_card_payments_and_the_hold_stays(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": "108"}, headers=acme.headers)).json()
    response = await client.post(
        f"{expo.api}/holds/{held['id']}/checkout", json={"method": "card", "payment_method_id": "pm_x"},
        headers=acme.headers,
    )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (422, "card-payments-disabled")
    assert (await client.get(f"{expo.api}/holds/{held['id']}", headers=acme.headers)).json()["live"] is True


async def test_a_card_checkout_not_paid_in_time_gives_the_booth_back(
    client: Client, db: AsyncSession, expo: ExpoWorld, make_partner: MakePartner, clock: Clock
) -> None:
    slow, quick = await make_partner("Slow"), await make_partner("Quick")
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": "105"}, headers=slow.headers)).json()
    hold = await db.get_one(BoothHold, uuid.UUID(held["id"]))
    booked = await bookings.checkout_hold(
        db, conference=expo.conference, hold=hold, method=PaymentMethod.CARD, actor=None
    )
    await db.commit()
    assert booked.status == "pending_payment"
    clock.advance(timedelta(minutes=10))  # the card payment is still within its window
    blocked = await client.post(f"{expo.api}/holds", json={"booth_code": "105"}, headers=quick.headers)
    assert blocked.json()["code"] == "booth-taken"
    clock.advance(timedelta(minutes=6))
    assert (
        await client.post(f"{expo.api}/holds", json={"booth_code": "105"}, headers=quick.headers)
    ).status_code == 201
    await db.refresh(booked)
    assert booked.status == "lapsed"
    # The money arrives too late: the booking stays lapsed, and payments flags it for a refund.
    assert not await bookings.mark_paid(db, booking=booked, paid_cents=200_000, payment_id="late")


async def test_cancellation_refunds_by_date_band(
    client: Client,
    db: AsyncSession,
    settings: Settings,
    expo: ExpoWorld,
    make_partner: MakePartner,
    organizer: Caller,
) -> None:
    soon = datetime.now(UTC) + timedelta(days=30)
    saved = await client.put(f"{expo.api}/settings", headers=organizer.headers, json={"refund_bands": [
        {"cancel_before": (soon + timedelta(days=30)).isoformat(), "refund_percent": 50},
        {"cancel_before": soon.isoformat(), "refund_percent": 100},
    ]})  # fmt: skip
    assert saved.status_code == 200
    assert [b["refund_percent"] for b in saved.json()["refund_bands"]] == [100, 50]
    acme = await make_partner("Acme")
    booked = (await _invoice_checkout(client, expo, acme, "109"))["booking"]
    assert isinstance(booked, dict)
    payment = await _pay_invoice(db, settings, str(booked["id"]))

    quote = (await client.get(f"{expo.api}/bookings/{booked['id']}/cancellation", headers=acme.headers)).json()
    assert (quote["refund_percent"], quote["refund_cents"]) == (100, 200_000)
    found = await db.get_one(BoothBooking, uuid.UUID(str(booked["id"])))
    late = await bookings.quote_cancellation(db, conference=expo.conference, booking=found,
                                                    at=soon + timedelta(days=1))  # fmt: skip
    assert (late.refund_percent, late.refund_cents) == (50, 100_000)
    never = await bookings.quote_cancellation(db, conference=expo.conference, booking=found,
                                                     at=soon + timedelta(days=90))  # fmt: skip
    assert never.refund_cents == 0

    cancelled = await client.post(f"{expo.api}/bookings/{booked['id']}/cancel", headers=acme.headers)
    assert cancelled.json()["refund_cents"] == 200_000
    await db.refresh(payment)
    assert payment.amount_refunded_cents == 200_000
    public = {b["code"]: b["status"] for b in (await client.get(f"{expo.api}/booths")).json()}
    assert public["109"] == "available"
    again = await client.post(f"{expo.api}/bookings/{booked['id']}/cancel", headers=acme.headers)
    assert again.json()["code"] == "booking-ended"


async def test_an_unpaid_invoice_is_voided_when_the_booking_is_cancelled(
    client: Client, db: AsyncSession, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    booked = (await _invoice_checkout(client, expo, acme, "110"))["booking"]
    assert isinstance(booked, dict)
    cancelled = await client.post(f"{expo.api}/bookings/{booked['id']}/cancel", headers=acme.headers)
    assert cancelled.json()["refund_cents"] == 0
    payment = await payments.get_payment(db, payment_id=uuid.UUID(str(booked["payment_id"])))
    assert payment.invoice is not None
    assert payment.invoice.status == "void"
