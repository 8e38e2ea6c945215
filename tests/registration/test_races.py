"""Two app processes on one PostgreSQL race for the last seats and the last code uses: nobody oversells."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.registration import promo, service
from events_app.registration.models import Attendee, DiscountKind, Order
from events_app.registration.schemas import PromoCodeIn, TypePatch
from tests.conftest import LiveServer
from tests.registration.conftest import World

pytestmark = pytest.mark.postgres_only

BUYERS = 24


def _order(type_id: Any, n: int, **extra: Any) -> dict[str, Any]:
    email = f"official{n}@example.org"
    return {
        "buyer_name": f"Buyer {n}",
        "buyer_email": email,
        "payment_method": "invoice",
        "attendees": [{"registration_type_id": str(type_id), "first_name": "Race", "last_name": str(n),
                       "email": email}],
        **extra,
    }  # fmt: skip


async def _race(servers: list[LiveServer], bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as client:
        gate = asyncio.Event()

        async def one(i: int, body: dict[str, Any]) -> httpx.Response:
            await gate.wait()
            url = f"{servers[i % len(servers)].url}/api/conferences/annual-2027/registration/orders"
            return await client.post(url, json=body)

        tasks = [asyncio.create_task(one(i, body)) for i, body in enumerate(bodies)]
        await asyncio.sleep(0.1)
        gate.set()
        return list(await asyncio.gather(*tasks))


async def test_the_last_seats_go_to_exactly_as_many_buyers_as_there_are_seats(
    db: AsyncSession, world: World, live_servers: Callable[..., list[LiveServer]]
) -> None:
    await service.update_type(db, registration_type=world.one_day, data=TypePatch(capacity=5), actor=None)
    await db.commit()
    servers = live_servers(2)
    responses = await _race(servers, [_order(world.one_day.id, n) for n in range(BUYERS)])
    outcomes = Counter(r.status_code for r in responses)
    assert outcomes == {201: 5, 409: BUYERS - 5}, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"sold-out"}
    sold = await db.scalar(
        select(func.count()).select_from(Attendee).where(Attendee.registration_type_id == world.one_day.id)
    )
    assert sold == 5


async def test_the_last_uses_of_a_code_go_to_exactly_as_many_buyers_as_it_allows(
    db: AsyncSession, world: World, live_servers: Callable[..., list[LiveServer]]
) -> None:
    await promo.create_code(
        db,
        conference=world.conference,
        actor=None,
        data=PromoCodeIn(code="LAST3", kind=DiscountKind.PERCENT, value=20, max_uses=3),
    )
    await db.commit()
    servers = live_servers(2)
    responses = await _race(servers, [_order(world.full.id, n, promo_code="LAST3") for n in range(BUYERS)])
    outcomes = Counter(r.status_code for r in responses)
    assert outcomes == {201: 3, 409: BUYERS - 3}, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"promo-code-used-up"}


async def test_one_checkout_sent_six_times_at_once_makes_one_order(
    db: AsyncSession, world: World, live_servers: Callable[..., list[LiveServer]]
) -> None:
    servers = live_servers(2)
    body = _order(world.full.id, 1, submission_key="double-click-0001")
    responses = await _race(servers, [body] * 6)
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    orders = await db.scalar(select(func.count()).select_from(Order))
    assert orders == 1
