"""An organizer finds a city's order and settles it in the back office: a check, a refund, a cancellation."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.core.mail import OutboxMail
from events_app.payments import service as payments
from events_app.registration.checkout import PURPOSE
from events_app.registration.models import Attendee, AttendeeStatus, Order, OrderStatus
from events_app.settings import Settings
from tests.backoffice.conftest import OFFICE, form, place_city_order, sign_in
from tests.conftest import Caller
from tests.registration.conftest import World


async def _reread(db: AsyncSession, order: Order) -> Order:
    await db.refresh(order)
    return order


async def test_the_order_is_found_by_city_by_attendee_and_by_its_invoice_number(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    order = await place_city_order(db, settings, world)
    [payment] = await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id)
    assert payment.invoice is not None
    await sign_in(client, organizer)
    for needle in ("fresno", "Maria Mayor", "pat@fresno", order.number):
        assert order.number in (await client.get(f"{OFFICE}/orders", params={"q": needle})).text, needle
    assert "No order matches" in (await client.get(f"{OFFICE}/orders", params={"q": "sacramento"})).text
    assert "No order matches" in (await client.get(f"{OFFICE}/orders", params={"status": "paid"})).text
    found = await client.get(f"{OFFICE}/orders", params={"q": payment.invoice.number.lower()}, follow_redirects=False)
    assert found.headers["location"] == f"{OFFICE}/orders/{order.id}"


async def test_recording_the_citys_check_pays_the_order_and_is_on_its_trail(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    order = await place_city_order(db, settings, world)
    await sign_in(client, organizer)
    page = await client.get(f"{OFFICE}/orders/{order.id}")
    assert "Record a check or ACH payment" in page.text
    recorded = await client.post(
        f"{OFFICE}/orders/{order.id}/payments",
        data=form(client, amount="1,000.00", method="check", received_on="2026-11-30", reference="Check 4417"),
    )
    assert recorded.status_code == 200
    assert "The payment is recorded." in recorded.text
    assert "Check 4417" in recorded.text
    assert "invoice.payment_recorded" in recorded.text
    assert (await _reread(db, order)).status == OrderStatus.PAID
    assert "Record a check" not in recorded.text


async def test_a_check_above_the_balance_is_refused_and_nothing_is_recorded(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    order = await place_city_order(db, settings, world)
    await sign_in(client, organizer)
    for amount, reason in (("1500", "more than the balance"), ("12.345", "not an amount"), ("-5", "not an amount")):
        refused = await client.post(
            f"{OFFICE}/orders/{order.id}/payments",
            data=form(client, amount=amount, method="check", received_on="2026-11-30"),
        )
        assert refused.status_code == 422
        assert reason in refused.text
    [payment] = await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id)
    assert payment.amount_paid_cents == 0


async def test_a_form_without_its_csrf_token_is_refused(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    order = await place_city_order(db, settings, world)
    await sign_in(client, organizer)
    refused = await client.post(
        f"{OFFICE}/orders/{order.id}/payments", data={"amount": "1000", "method": "check", "received_on": "2026-11-30"}
    )
    assert refused.status_code == 403
    assert (await _reread(db, order)).status == OrderStatus.INVOICED


async def _paid_order(client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World) -> Order:
    order = await place_city_order(db, settings, world)
    await client.post(
        f"{OFFICE}/orders/{order.id}/payments",
        data=form(client, amount="1000", method="ach", received_on="2026-11-30"),
    )
    return order


async def test_a_partial_refund_asks_first_and_only_then_sends_money_back(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    order = await _paid_order(client, db, settings, world)
    asked = await client.post(f"{OFFICE}/orders/{order.id}/refund", data=form(client, amount="250", reason="Overpaid"))
    assert asked.status_code == 200
    assert "Refund $250.00 on order" in asked.text
    assert (await _reread(db, order)).refunded_cents == 0
    done = await client.post(
        f"{OFFICE}/orders/{order.id}/refund", data=form(client, amount="250", reason="Overpaid", confirmed="yes")
    )
    assert "The refund is made." in done.text
    assert (await _reread(db, order)).refunded_cents == 25000
    assert "registration.order_refunded" in done.text
    too_much = await client.post(f"{OFFICE}/orders/{order.id}/refund", data=form(client, amount="900", confirmed="yes"))
    assert too_much.status_code == 422
    assert "At most 75000 cents" in too_much.text


async def _statuses(db: AsyncSession, order: Order) -> dict[uuid.UUID, AttendeeStatus]:
    return dict((await db.execute(select(Attendee.id, Attendee.status).where(Attendee.order_id == order.id))).all())


async def test_cancelling_one_attendee_names_them_first_then_frees_only_their_seat(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    order = await place_city_order(db, settings, world)
    maria, pat = order.attendees
    await sign_in(client, organizer)
    asked = await client.post(f"{OFFICE}/orders/{order.id}/cancel", data=form(client, attendee=[str(pat.id)]))
    assert "Cancel these attendees" in asked.text
    assert "Pat Council" in asked.text
    assert "Maria Mayor" not in asked.text
    assert await _statuses(db, order) == {pat.id: AttendeeStatus.PENDING, maria.id: AttendeeStatus.PENDING}
    done = await client.post(
        f"{OFFICE}/orders/{order.id}/cancel", data=form(client, attendee=[str(pat.id)], confirmed="yes")
    )
    assert "The cancellation is made" in done.text
    assert await _statuses(db, order) == {pat.id: AttendeeStatus.CANCELLED, maria.id: AttendeeStatus.PENDING}
    assert (await _reread(db, order)).total_cents == 50000


async def test_the_confirmation_goes_again_to_every_confirmed_attendee_and_is_audited(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    order = await place_city_order(db, settings, world)
    refused = await client.post(f"{OFFICE}/orders/{order.id}/confirmation", data=form(client))
    assert refused.status_code == 422
    assert "no confirmed attendee" in refused.text
    await client.post(
        f"{OFFICE}/orders/{order.id}/payments",
        data=form(client, amount="1000", method="check", received_on="2026-11-30"),
    )
    before = list(await db.scalars(select(OutboxMail.id)))
    sent = await client.post(f"{OFFICE}/orders/{order.id}/confirmation", data=form(client))
    assert "The confirmation is sent again." in sent.text
    new = list(await db.scalars(select(OutboxMail).where(OutboxMail.id.not_in(before))))
    assert sorted(m.recipients for m in new) == ["clerk@fresno.gov", "mayor@fresno.gov", "pat@fresno.gov"]
    resent = await db.scalar(select(AuditEvent).where(AuditEvent.action == "registration.confirmation_resent"))
    assert resent is not None
    assert resent.actor == organizer.email
