"""The buyer's manage link (cancel under the policy, substitute a colleague) and the organizers' tools."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.clock import now
from events_app.core.errors import NotAllowed
from events_app.payments import service as payments
from events_app.payments.models import ReceiptMethod
from events_app.registration import cancellation, reports
from events_app.registration.models import Attendee, AttendeeStatus, Order, OrderStatus
from events_app.registration.schemas import SubstituteIn
from events_app.settings import Settings
from tests.registration.conftest import World

URL = "/api/conferences/annual-2027/registration"


async def _paid_group(client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World) -> Any:
    """Two Fresno officials on one invoiced order, paid in full by check."""
    body = {
        "buyer_name": "Carla Clerk",
        "buyer_email": "clerk@fresno.gov",
        "payment_method": "invoice",
        "attendees": [
            {"registration_type_id": str(world.full.id), "first_name": "Maria", "last_name": "Ruiz",
             "email": "mayor@fresno.gov"},
            {"registration_type_id": str(world.full.id), "first_name": "Tom", "last_name": "Lee",
             "email": "tlee@fresno.gov", "badge_name": "Tommy"},
        ],
    }  # fmt: skip
    placed = (await client.post(f"{URL}/orders", json=body)).json()
    [payment] = await payments.payments_for(db, purpose="registration.order", reference_id=uuid.UUID(placed["id"]))
    assert payment.invoice is not None
    await payments.record_invoice_payment(
        db,
        settings=settings,
        invoice=payment.invoice,
        amount_cents=payment.amount_cents,
        method=ReceiptMethod.CHECK,
        received_on=date(2026, 11, 20),
        actor=None,
    )
    await db.commit()
    return placed


def _token(placed: dict[str, Any]) -> str:
    return str(placed["manage_url"]).rsplit("/", 1)[1]


async def test_cancelling_one_attendee_early_refunds_in_full_and_revokes_the_badge(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    placed = await _paid_group(client, db, settings, world)
    maria = placed["attendees"][0]
    response = await client.post(f"{URL}/manage/{_token(placed)}/cancel", json={"attendee_ids": [maria["id"]]})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["refund_cents"], result["fee_cents"]) == (50000, 0)
    statuses = {a["first_name"]: (a["status"], a["badge_version"]) for a in result["order"]["attendees"]}
    assert statuses == {"Maria": ("refunded", 2), "Tom": ("confirmed", 1)}
    assert result["order"]["refunded_cents"] == 50000
    again = await client.post(f"{URL}/manage/{_token(placed)}/cancel", json={"attendee_ids": [maria["id"]]})
    assert again.status_code == 422


@pytest.mark.parametrize(
    ("days_later", "refund", "fee"), [(61, 50000 - 7500, 7500), (201, 0, 50000)], ids=["fee-band", "no-refund-band"]
)
async def test_later_cancellations_follow_the_policy_bands(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    settings: Settings,
    world: World,
    days_later: int,
    refund: int,
    fee: int,
) -> None:
    placed = await _paid_group(client, db, settings, world)
    order = await db.get_one(Order, uuid.UUID(placed["id"]))
    result = await cancellation.cancel_attendees(
        db,
        settings=settings,
        order=order,
        attendee_ids=[uuid.UUID(placed["attendees"][1]["id"])],
        at=now() + timedelta(days=days_later),
    )
    await db.commit()
    assert (result.refund_cents, result.fee_cents) == (refund, fee)


async def test_a_colleague_from_the_same_city_takes_over_with_a_new_badge(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    placed = await _paid_group(client, db, settings, world)
    tom = placed["attendees"][1]
    outsider = await client.post(
        f"{URL}/manage/{_token(placed)}/attendees/{tom['id']}/substitute",
        json={"first_name": "Out", "last_name": "Sider", "email": "someone@sacramento.gov"},
    )
    assert outsider.status_code == 422
    assert outsider.json()["code"] == "substitute-not-same-city"
    response = await client.post(
        f"{URL}/manage/{_token(placed)}/attendees/{tom['id']}/substitute",
        json={"first_name": "Ana", "last_name": "Diaz", "email": "adiaz@fresno.gov", "title": "Council Member"},
    )
    assert response.status_code == 201, response.text
    ana = response.json()
    assert ana["status"] == "confirmed"
    assert ana["replaces_attendee_id"] == tom["id"]
    old = await db.get_one(Attendee, uuid.UUID(tom["id"]), populate_existing=True)
    assert old.status == AttendeeStatus.SUBSTITUTED
    assert old.badge_version == 2


async def test_no_substitution_after_the_deadline(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    placed = await _paid_group(client, db, settings, world)
    order = await db.get_one(Order, uuid.UUID(placed["id"]))
    with pytest.raises(NotAllowed):
        await cancellation.substitute(
            db,
            settings=settings,
            order=order,
            attendee_id=uuid.UUID(placed["attendees"][1]["id"]),
            data=SubstituteIn(first_name="Ana", last_name="Diaz", email="adiaz@fresno.gov"),
            at=now() + timedelta(days=311),
        )


async def test_a_forged_or_other_conference_manage_link_shows_nothing(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    assert (await client.get(f"{URL}/manage/abc.def.ghi")).status_code == 422


async def test_organizers_find_orders_count_seats_and_export_safe_csv(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Any
) -> None:
    placed = await _paid_group(client, db, settings, world)
    hostile = {
        "buyer_name": "=HYPERLINK(\"http://evil\")",
        "buyer_email": "x@example.com",
        "payment_method": "invoice",
        "attendees": [{"registration_type_id": str(world.full.id), "first_name": "=cmd|' /C calc'!A0",
                       "last_name": "+Sum", "email": "x@example.com"}],
    }  # fmt: skip
    assert (await client.post(f"{URL}/orders", json=hostile)).status_code == 201

    found = (await client.get(f"{URL}/orders", params={"q": "tlee@"}, headers=organizer.headers)).json()
    assert [o["number"] for o in found["items"]] == [placed["number"]]
    assert (await client.get(f"{URL}/orders", params={"q": "tlee@"})).status_code == 401

    counts = {c["name"]: c for c in (await client.get(f"{URL}/counts", headers=organizer.headers)).json()}
    assert (counts["Full conference"]["confirmed"], counts["Full conference"]["held"]) == (2, 1)

    export = await client.get(f"{URL}/attendees.csv", headers=organizer.headers)
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == 3
    hostile_row = next(r for r in rows if r["email"] == "x@example.com")
    assert hostile_row["first_name"] == "'=cmd|' /C calc'!A0"
    assert hostile_row["last_name"] == "'+Sum"
    maria = next(r for r in rows if r["email"] == "mayor@fresno.gov")
    assert (maria["city"], maria["member_rate"], maria["price"]) == ("Fresno", "yes", "500.00")


async def test_staff_refund_a_paid_order_in_full_and_it_ends(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Any
) -> None:
    placed = await _paid_group(client, db, settings, world)
    response = await client.post(
        f"{URL}/orders/{placed['id']}/refund",
        headers=organizer.headers,
        json={"reason": "City council travel freeze", "cancel_attendees": True},
    )
    assert response.status_code == 200, response.text
    order = response.json()
    assert order["status"] == OrderStatus.CANCELLED
    assert order["refunded_cents"] == 100000
    assert {a["status"] for a in order["attendees"]} == {"refunded"}


async def test_cancelling_one_of_an_unpaid_invoice_reissues_the_invoice_for_the_rest(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World
) -> None:
    body = {
        "buyer_name": "Carla Clerk",
        "buyer_email": "clerk@fresno.gov",
        "payment_method": "invoice",
        "po_number": "PO-22",
        "attendees": [
            {"registration_type_id": str(world.full.id), "first_name": "Maria", "last_name": "Ruiz",
             "email": "mayor@fresno.gov"},
            {"registration_type_id": str(world.one_day.id), "first_name": "Tom", "last_name": "Lee",
             "email": "tlee@fresno.gov"},
        ],
    }  # fmt: skip
    placed = (await client.post(f"{URL}/orders", json=body)).json()
    tom = placed["attendees"][1]
    response = await client.post(f"{URL}/manage/{_token(placed)}/cancel", json={"attendee_ids": [tom["id"]]})
    assert response.status_code == 200, response.text
    assert response.json()["order"]["total_cents"] == 50000
    assert response.json()["order"]["status"] == "invoiced"
    invoices = [
        p.invoice
        for p in await payments.payments_for(db, purpose="registration.order", reference_id=uuid.UUID(placed["id"]))
        if p.invoice is not None
    ]
    assert [(i.status.value, i.amount_cents) for i in invoices] == [("void", 75000), ("open", 50000)]
    assert invoices[1].po_number == "PO-22"
    # Cancelling everyone left voids the new invoice and gives the seats back.
    response = await client.post(f"{URL}/manage/{_token(placed)}/cancel", json={})
    assert response.json()["order"]["status"] == "cancelled"
    counts = {c.name: c for c in await reports.live_counts(db, conference_id=world.conference.id)}
    assert counts["Full conference"].held == 0
