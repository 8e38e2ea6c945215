"""A city clerk registers several officials in one order; the server prices everything."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.mail import deliver_outbox
from events_app.payments import service as payments
from events_app.payments.models import ReceiptMethod
from events_app.registration.models import Attendee, AttendeeStatus, Order, OrderStatus
from events_app.settings import Settings
from tests.conftest import MailBox
from tests.registration.conftest import World

URL = "/api/conferences/annual-2027/registration"


def person(world: World, first: str, email: str, **extra: Any) -> dict[str, Any]:
    return {
        "registration_type_id": str(extra.pop("type_id", world.full.id)),
        "first_name": first,
        "last_name": "Official",
        "email": email,
        **extra,
    }


def clerk_order(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "buyer_name": "Carla Clerk",
        "buyer_email": "clerk@fresno.gov",
        "buyer_organization": "City of Fresno",
        "attendees": [
            person(world, "Maria", "mayor@fresno.gov", title="Mayor", dietary_needs="vegetarian"),
            person(world, "Pat", "pat@gmail.com", city_id=str(world.fresno.id), title="Council Member"),
            person(world, "Lee", "lee@lapsedville.gov", title="City Manager"),
        ],
        **extra,
    }


async def test_member_rates_follow_the_city_email_domain_and_say_why_not(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    quote = (await client.post(f"{URL}/quote", json=clerk_order(world))).json()
    maria, pat, lee = quote["lines"]
    assert (maria["rate"], maria["price_cents"], maria["city"]) == ("member", 50000, "Fresno")  # early bird
    assert pat["rate"] == "non_member"
    assert "gmail.com is not an email domain of Fresno" in pat["rate_note"]
    assert pat["price_cents"] == 100000
    assert lee["rate"] == "non_member"
    assert "not a member in good standing" in lee["rate_note"]
    assert quote["total_cents"] == 250000
    assert quote["payment_needed"] is True


async def test_the_client_cannot_send_a_price(client: AsyncTestClient[Litestar], world: World) -> None:
    order = clerk_order(world)
    order["attendees"][0]["price_cents"] = 1
    response = await client.post(f"{URL}/orders", json=order)
    assert response.status_code == 400
    order = clerk_order(world, total_cents=1)
    assert (await client.post(f"{URL}/orders", json=order)).status_code == 400


async def test_invoice_me_holds_seats_issues_a_numbered_invoice_and_confirms_when_the_check_clears(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    world: World,
    mail_settings: Settings,
    smtp_server: MailBox,
) -> None:
    response = await client.post(
        f"{URL}/orders", json=clerk_order(world, payment_method="invoice", po_number="PO-7781")
    )
    assert response.status_code == 201, response.text
    placed = response.json()
    assert placed["status"] == "invoiced"
    assert placed["total_cents"] == 250000
    assert placed["hold_expires_at"] is None
    assert {a["status"] for a in placed["attendees"]} == {"pending"}
    [payment] = await payments.payments_for(db, purpose="registration.order", reference_id=uuid.UUID(placed["id"]))
    assert payment.invoice is not None
    assert payment.invoice.number.startswith("INV-")
    assert payment.invoice.po_number == "PO-7781"
    assert payment.amount_cents == 250000

    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]
    [notice] = smtp_server.to("clerk@fresno.gov")
    assert payment.invoice.number in notice["Subject"]
    assert "PO-7781" in notice.get_content()
    # Each official hears at once that they are in, with their agenda; the badge waits for the check.
    [pending] = smtp_server.to("mayor@fresno.gov")
    assert pending["Subject"] == "Registered, payment pending: Annual Conference & Expo 2027"
    assert f"Agenda: http://testserver.local/c/{world.conference.slug}/agenda/" in pending.get_content()
    assert "Badge:" not in pending.get_content()

    await payments.record_invoice_payment(
        db,
        settings=mail_settings,
        invoice=payment.invoice,
        amount_cents=100000,
        method=ReceiptMethod.CHECK,
        received_on=date(2026, 11, 20),
        actor=None,
    )
    await db.commit()
    order = await db.get(Order, uuid.UUID(placed["id"]), populate_existing=True)
    assert order is not None
    assert order.status == OrderStatus.INVOICED  # a partial payment keeps the seats held, not confirmed

    await payments.record_invoice_payment(
        db,
        settings=mail_settings,
        invoice=payment.invoice,
        amount_cents=150000,
        method=ReceiptMethod.ACH,
        received_on=date(2026, 11, 25),
        actor=None,
    )
    await db.commit()
    await db.refresh(order)
    assert order.status == OrderStatus.PAID
    statuses = set(await db.scalars(select(Attendee.status).where(Attendee.order_id == order.id)))
    assert statuses == {AttendeeStatus.CONFIRMED}

    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]
    [_pending, confirmation] = smtp_server.to("mayor@fresno.gov")
    assert "You are registered" in confirmation["Subject"]
    assert "vegetarian" in confirmation.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    [ics] = [part for part in confirmation.iter_attachments() if part.get_content_type() == "text/calendar"]
    calendar = ics.get_content()
    assert f"UID:conference-{world.conference.id}@" in calendar.replace("\r\n ", "")
    assert "DTSTART;VALUE=DATE:20271006" in calendar


async def test_staff_record_the_citys_check_through_the_api_and_the_officials_are_confirmed(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, staff: Any
) -> None:
    placed = (await client.post(f"{URL}/orders", json=clerk_order(world, payment_method="invoice"))).json()
    [payment] = await payments.payments_for(db, purpose="registration.order", reference_id=uuid.UUID(placed["id"]))
    assert payment.invoice is not None
    recorded = await client.post(
        f"/api/conferences/annual-2027/payments/invoices/{payment.invoice.number}/payments",
        headers=staff.headers,
        json={"amount_cents": 250000, "method": "check", "received_on": "2026-11-24", "reference": "Check 10442"},
    )
    assert recorded.status_code == 201, recorded.text
    order = (await client.get(f"{URL}/orders/{placed['id']}", headers=staff.headers)).json()
    assert order["status"] == "paid"
    assert order["paid_cents"] == 250000
    assert {a["status"] for a in order["attendees"]} == {"confirmed"}


async def test_a_guest_listed_before_the_official_they_accompany_is_registered_as_their_guest(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    guest = person(world, "Jo", "mayor@fresno.gov", type_id=world.guest.id, guest_of=1)
    order = {
        **clerk_order(world, payment_method="invoice"),
        "attendees": [guest, person(world, "Maria", "mayor@fresno.gov")],
    }
    response = await client.post(f"{URL}/orders", json=order)
    assert response.status_code == 201, response.text
    jo, maria = response.json()["attendees"]
    assert (jo["first_name"], jo["primary_attendee_id"]) == ("Jo", maria["id"])
