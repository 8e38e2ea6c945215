"""Cities pay by purchase order and check: numbered invoices, partial payments, the printable page."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.conferences.models import Conference
from events_app.payments import service
from events_app.payments.errors import PaymentInProgress
from events_app.payments.models import Invoice, InvoiceStatus, PaymentStatus, ReceiptMethod
from events_app.payments.schemas import InvoiceLine
from events_app.settings import Settings
from tests.conftest import Caller
from tests.payments.purpose import PURPOSE, calls

Client = AsyncTestClient[Litestar]
THREE_OFFICIALS = [InvoiceLine(description="Full registration (member)", unit_amount_cents=60000, quantity=3)]


async def invoice_for(
    db: AsyncSession,
    settings: Settings,
    conference: Conference,
    *,
    reference_id: uuid.UUID | None = None,
    po_number: str = "PO-2027-118",
) -> Invoice:
    invoice = await service.create_invoice(
        db,
        settings=settings,
        conference_id=conference.id,
        purpose=PURPOSE,
        reference_id=reference_id or uuid.uuid4(),
        bill_to="City of Long Beach\nOffice of the City Clerk\n411 W Ocean Blvd\nLong Beach, CA 90802",
        buyer_email="clerk@longbeach.gov",
        po_number=po_number,
        description="Annual Conference 2027: three officials",
        lines=THREE_OFFICIALS,
    )
    await db.commit()
    return invoice


async def test_invoices_are_numbered_in_sequence_and_total_their_lines(
    db: AsyncSession, settings: Settings, conference: Conference
) -> None:
    first = await invoice_for(db, settings, conference)
    second = await invoice_for(db, settings, conference)

    year = first.issued_at.year
    assert (first.number, second.number) == (f"INV-{year}-00001", f"INV-{year}-00002")
    assert first.amount_cents == 180000
    assert first.payment.status == PaymentStatus.PENDING
    assert first.due_on == first.issued_at.date() + timedelta(days=30)


async def test_one_open_invoice_per_purchase(db: AsyncSession, settings: Settings, conference: Conference) -> None:
    order_id = uuid.uuid4()
    await invoice_for(db, settings, conference, reference_id=order_id)

    with pytest.raises(PaymentInProgress):
        await invoice_for(db, settings, conference, reference_id=order_id)


async def test_partial_payments_reach_paid_once_when_the_balance_is_zero(
    db: AsyncSession, client: Client, settings: Settings, conference: Conference, staff: Caller
) -> None:
    invoice = await invoice_for(db, settings, conference)
    url = f"/api/conferences/{conference.slug}/payments/invoices/{invoice.number}/payments"
    today = date.today().isoformat()

    check = await client.post(
        url,
        json={"amount_cents": 100000, "method": "check", "received_on": today, "reference": "Check 10442"},
        headers=staff.headers,
    )
    assert check.status_code == 201, check.text
    assert check.json()["status"] == "open"
    assert check.json()["balance_cents"] == 80000
    assert await calls(db, "ticket.paid") == 0

    too_much = await client.post(
        url, json={"amount_cents": 90000, "method": "ach", "received_on": today}, headers=staff.headers
    )
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "more-than-balance"
    assert "$800.00" in too_much.json()["detail"]

    ach = await client.post(
        url,
        json={"amount_cents": 80000, "method": "ach", "received_on": today, "reference": "ACH 77"},
        headers=staff.headers,
    )
    assert ach.json()["status"] == "paid"
    assert ach.json()["balance_cents"] == 0
    assert [r["reference"] for r in ach.json()["receipts"]] == ["Check 10442", "ACH 77"]
    assert await calls(db, "ticket.paid") == 1

    after = await client.post(
        url, json={"amount_cents": 100, "method": "check", "received_on": today}, headers=staff.headers
    )
    assert after.status_code == 409
    recorded = list(await db.scalars(select(AuditEvent).where(AuditEvent.action == "invoice.payment_recorded")))
    assert {e.actor for e in recorded} == {staff.email}
    assert await calls(db, "ticket.paid") == 1


async def test_a_void_invoice_keeps_its_number_and_frees_the_purchase(
    db: AsyncSession, client: Client, settings: Settings, conference: Conference, organizer: Caller
) -> None:
    order_id = uuid.uuid4()
    invoice = await invoice_for(db, settings, conference, reference_id=order_id)

    voided = await client.post(
        f"/api/conferences/{conference.slug}/payments/invoices/{invoice.number}/void",
        json={"reason": "The city will pay by card instead."},
        headers=organizer.headers,
    )

    assert voided.status_code == 200, voided.text
    assert voided.json()["status"] == "void"
    assert await calls(db, "ticket.failed") == 1
    again = await invoice_for(db, settings, conference, reference_id=order_id)
    assert again.number != invoice.number


async def test_money_received_cannot_be_voided_away(
    db: AsyncSession, client: Client, settings: Settings, conference: Conference, organizer: Caller
) -> None:
    invoice = await invoice_for(db, settings, conference)
    await service.record_invoice_payment(
        db,
        settings=settings,
        invoice=invoice,
        amount_cents=50000,
        method=ReceiptMethod.CHECK,
        received_on=date.today(),
        actor=None,
    )
    await db.commit()

    response = await client.post(
        f"/api/conferences/{conference.slug}/payments/invoices/{invoice.number}/void",
        json={"reason": "Changed our mind"},
        headers=organizer.headers,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invoice-has-payments"


async def test_the_buyer_opens_the_printable_invoice_through_its_signed_link(
    db: AsyncSession, client: Client, settings: Settings, conference: Conference, staff: Caller
) -> None:
    invoice = await invoice_for(db, settings, conference)
    found = await client.get(
        f"/api/conferences/{conference.slug}/payments/invoices/{invoice.number}", headers=staff.headers
    )
    link = found.json()["page_url"]
    assert link.startswith(settings.base_url)

    page = await client.get(link.removeprefix(settings.base_url), headers={"Accept": "text/html"})

    assert page.status_code == 200
    assert invoice.number in page.text
    assert "PO-2027-118" in page.text
    assert "City of Long Beach" in page.text
    assert "$1,800.00" in page.text
    assert "@media print" in page.text

    token = link.rsplit("/", 1)[1]
    tampered = await client.get(f"/invoices/{token[:-2]}xx", headers={"Accept": "text/html"})
    assert tampered.status_code == 422
    assert invoice.number not in tampered.text


async def test_staff_find_invoices_by_po_number_and_the_public_cannot(
    db: AsyncSession, client: Client, settings: Settings, conference: Conference, staff: Caller, partner: Caller
) -> None:
    invoice = await invoice_for(db, settings, conference)
    await invoice_for(db, settings, conference, po_number="PO-OTHER-1")

    found = await client.get(
        f"/api/conferences/{conference.slug}/payments/invoices", params={"q": "2027-118"}, headers=staff.headers
    )
    assert [i["number"] for i in found.json()["items"]] == [invoice.number]

    payments = await client.get(
        f"/api/conferences/{conference.slug}/payments", params={"q": invoice.number}, headers=staff.headers
    )
    assert [p["invoice_number"] for p in payments.json()["items"]] == [invoice.number]

    assert (await client.get(f"/api/conferences/{conference.slug}/payments/invoices")).status_code == 401
    assert (
        await client.get(f"/api/conferences/{conference.slug}/payments/invoices", headers=partner.headers)
    ).status_code == 403
    missing = await client.get(
        f"/api/conferences/{conference.slug}/payments/invoices/INV-1999-00001", headers=staff.headers
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "invoice-not-found"


async def test_invoice_status_reads_in_the_list(db: AsyncSession, settings: Settings, conference: Conference) -> None:
    open_one = await invoice_for(db, settings, conference)
    page = await service.list_invoices(db, conference_id=conference.id, status=InvoiceStatus.OPEN)
    assert [i.number for i in page.items] == [open_one.number]


async def test_the_staff_invoice_page_asks_a_browser_to_sign_in(
    db: AsyncSession, client: Client, settings: Settings, conference: Conference
) -> None:
    invoice = await invoice_for(db, settings, conference)

    response = await client.get(
        f"/c/{conference.slug}/invoices/{invoice.number}", headers={"Accept": "text/html"}, follow_redirects=False
    )

    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login")
