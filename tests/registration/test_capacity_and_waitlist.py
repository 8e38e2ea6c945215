"""Seats: holds that run out by time alone, sold-out answers, the waitlist and its offers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.clock import now
from events_app.core.mail import deliver_outbox
from events_app.core.rounds import Round, rounds_lifespan
from events_app.db import make_engine
from events_app.registration import checkout, reports, service, waitlist
from events_app.registration.models import OrderStatus, PaymentMethod, WaitlistStatus
from events_app.registration.schemas import AttendeeIn, OrderIn, TypePatch
from events_app.settings import Settings
from tests.conftest import MailBox
from tests.registration.conftest import World

URL = "/api/conferences/annual-2027/registration"


def order_for(world: World, email: str, method: PaymentMethod = PaymentMethod.INVOICE) -> OrderIn:
    return OrderIn(
        buyer_name="Buyer",
        buyer_email=email,
        payment_method=method,
        attendees=[AttendeeIn(registration_type_id=world.full.id, first_name="A", last_name="B", email=email)],
    )


def order_json(world: World, email: str) -> dict[str, Any]:
    return {
        "buyer_name": "Buyer",
        "buyer_email": email,
        "payment_method": "invoice",
        "attendees": [{"registration_type_id": str(world.full.id), "first_name": "A", "last_name": "B",
                       "email": email}],
    }  # fmt: skip


async def _limit_full(db: AsyncSession, world: World, seats: int) -> None:
    await service.update_type(db, registration_type=world.full, data=TypePatch(capacity=seats), actor=None)
    await db.commit()


async def test_the_last_seat_sold_gives_the_next_buyer_a_clear_409(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World
) -> None:
    await _limit_full(db, world, 1)
    assert (await client.post(f"{URL}/orders", json=order_json(world, "a@fresno.gov"))).status_code == 201
    refused = await client.post(f"{URL}/orders", json=order_json(world, "b@fresno.gov"))
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "sold-out"
    assert "waitlist" in refused.json()["detail"]


async def test_an_unpaid_card_hold_stops_counting_after_30_minutes(
    db: AsyncSession, settings: Settings, world: World, monkeypatch: Any
) -> None:
    monkeypatch.setattr("events_app.payments.service.card_payments_enabled", lambda _settings: True)
    await _limit_full(db, world, 1)
    started = now()
    held = await checkout.place_order(
        db, settings=settings, conference=world.conference, data=order_for(world, "a@x.org", PaymentMethod.CARD),
        at=started,
    )  # fmt: skip
    await db.commit()
    assert held.status == OrderStatus.PENDING
    assert held.hold_expires_at == started + timedelta(minutes=30)
    counts = {c.name: c for c in await reports.live_counts(db, conference_id=world.conference.id)}
    assert (counts["Full conference"].held, counts["Full conference"].left) == (1, 0)
    later = started + timedelta(minutes=31)
    taken = await checkout.place_order(
        db, settings=settings, conference=world.conference, data=order_for(world, "b@x.org"), at=later
    )
    await db.commit()
    assert taken.status == OrderStatus.INVOICED  # the seat came free with no sweep at all


async def test_a_freed_seat_is_offered_to_the_waitlist_in_turn(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    settings: Settings,
    mail_settings: Settings,
    smtp_server: MailBox,
    world: World,
) -> None:
    await _limit_full(db, world, 1)
    first = (await client.post(f"{URL}/orders", json=order_json(world, "first@fresno.gov"))).json()
    for n, email in enumerate(("wait1@x.org", "wait2@x.org"), start=1):
        joined = await client.post(
            f"{URL}/waitlist",
            json={"registration_type_id": str(world.full.id), "name": f"Waiter {n}", "email": email},
        )
        assert joined.status_code == 201, joined.text
        assert joined.json()["position"] == n
    again = await client.post(
        f"{URL}/waitlist", json={"registration_type_id": str(world.full.id), "name": "Again", "email": "wait1@x.org"}
    )
    assert again.status_code == 409

    manage_token = first["manage_url"].rsplit("/", 1)[1]
    cancelled = await client.post(f"{URL}/manage/{manage_token}/cancel", json={})
    assert cancelled.status_code == 200, cancelled.text

    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]
    [offer] = smtp_server.to("wait1@x.org")
    assert not smtp_server.to("wait2@x.org")
    link = next(line for line in offer.get_content().splitlines() if "offer=" in line).strip()
    token = link.split("offer=", 1)[1]
    # The offered seat is kept for the first in line: nobody else can take it meanwhile.
    assert (await client.post(f"{URL}/orders", json=order_json(world, "walkin@x.org"))).status_code == 409

    # The first in line lets the offer lapse: the sweep offers the seat to the next person.
    report = await waitlist.sweep(db, settings=settings, at=now() + timedelta(hours=49))
    await db.commit()
    assert (report.lapsed_offers, report.new_offers) == (1, 1)
    late = await client.post(f"{URL}/orders", json={**order_json(world, "wait1@x.org"), "waitlist_offer": token})
    assert late.status_code == 409
    assert late.json()["code"] == "offer-expired"
    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]
    [second_offer] = smtp_server.to("wait2@x.org")
    token = second_offer.get_content().split("offer=", 1)[1].split()[0]
    claimed = await client.post(f"{URL}/orders", json={**order_json(world, "wait2@x.org"), "waitlist_offer": token})
    assert claimed.status_code == 201, claimed.text
    statuses = {e.email: e.status for e in await waitlist.entries(db, type_id=world.full.id)}
    assert statuses == {"wait1@x.org": WaitlistStatus.LAPSED, "wait2@x.org": WaitlistStatus.CLAIMED}


async def test_each_app_process_sweeps_expired_holds_in_the_background(
    db: AsyncSession, settings: Settings, world: World, monkeypatch: Any
) -> None:
    monkeypatch.setattr("events_app.payments.service.card_payments_enabled", lambda _settings: True)
    stale = await checkout.place_order(
        db, settings=settings, conference=world.conference, data=order_for(world, "a@x.org", PaymentMethod.CARD),
        at=now() - timedelta(hours=1),
    )  # fmt: skip
    await db.commit()
    engine = make_engine(settings.database_url)
    try:
        sweeping = Round("registration-sweep", partial(waitlist.sweep_once, engine, settings), every_seconds=0.05)
        async with rounds_lifespan([sweeping])(None):
            for _ in range(100):
                await asyncio.sleep(0.05)
                await db.refresh(stale)
                if stale.status == OrderStatus.EXPIRED:
                    break
                await db.rollback()
    finally:
        await engine.dispose()
    assert stale.status == OrderStatus.EXPIRED


async def test_more_seats_go_to_the_waitlist_first(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Any
) -> None:
    await _limit_full(db, world, 1)
    assert (await client.post(f"{URL}/orders", json=order_json(world, "a@fresno.gov"))).status_code == 201
    for email in ("w1@x.org", "w2@x.org", "w3@x.org"):
        joined = await client.post(
            f"{URL}/waitlist", json={"registration_type_id": str(world.full.id), "name": "W", "email": email}
        )
        assert joined.status_code == 201
    raised = await client.patch(f"{URL}/types/{world.full.id}", headers=organizer.headers, json={"capacity": 3})
    assert raised.status_code == 200, raised.text
    statuses = {e.email: e.status for e in await waitlist.entries(db, type_id=world.full.id)}
    assert statuses == {"w1@x.org": "offered", "w2@x.org": "offered", "w3@x.org": "waiting"}
    walk_in = await client.post(f"{URL}/orders", json=order_json(world, "walkin@x.org"))
    assert walk_in.status_code == 409  # the two new seats are kept for the people who waited
