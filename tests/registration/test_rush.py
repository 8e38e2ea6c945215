"""Registration opens and buyers rush one type through two app processes: every buyer hears a definite answer.

Each one gets a seat (201) or hears it is sold out (409), nobody waits into a 5xx, and no
seat is sold twice. The buyers who cannot get a seat hear so without queueing for the lock, and a
buyer whose seats were counted before others took them is counted again under the lock.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

import httpx
import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.rush import rush_order
from events_app.core.clock import now
from events_app.registration import capacity, checkout, quote, service
from events_app.registration.errors import SoldOut
from events_app.registration.models import Attendee
from events_app.registration.schemas import OrderIn, TypePatch
from events_app.settings import Settings
from tests.conftest import LiveServer, session_for
from tests.registration.conftest import World

pytestmark = pytest.mark.postgres_only

SEATS = 200
BUYERS = 300
# Browsers behind a load balancer: many at once, not all 300 sockets in one instant.
IN_FLIGHT = 64


async def test_a_rush_of_buyers_through_two_processes_gets_seats_or_sold_out_and_nothing_oversold(
    db: AsyncSession, world: World, live_servers: Callable[..., list[LiveServer]]
) -> None:
    await service.update_type(db, registration_type=world.one_day, data=TypePatch(capacity=SEATS), actor=None)
    await db.commit()
    servers = live_servers(2)
    limit = asyncio.Semaphore(IN_FLIGHT)
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=IN_FLIGHT)) as client:

        async def buy(n: int) -> httpx.Response:
            async with limit:
                url = f"{servers[n % 2].url}/api/conferences/annual-2027/registration/orders"
                return await client.post(url, json=rush_order(world.one_day.id, n))

        responses = await asyncio.gather(*(buy(n) for n in range(BUYERS)))
    answers = Counter(r.status_code for r in responses)
    assert answers == {201: SEATS, 409: BUYERS - SEATS}, [r.text for r in responses if r.status_code >= 500][:3]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"sold-out"}
    sold = await db.scalar(
        select(func.count()).select_from(Attendee).where(Attendee.registration_type_id == world.one_day.id)
    )
    assert sold == SEATS


async def test_a_buyer_counted_before_another_took_the_last_seat_hears_sold_out(
    db: AsyncSession, world: World, settings: Settings
) -> None:
    await service.update_type(db, registration_type=world.one_day, data=TypePatch(capacity=1), actor=None)
    await db.commit()
    async with session_for(settings) as late:
        # The late buyer's lock-free read still sees the one seat free...
        priced = await quote.price_order(
            late,
            settings=settings,
            conference=world.conference,
            data=msgspec.convert(rush_order(world.one_day.id, 1), OrderIn),
            at=now(),
            count_seats=True,
        )
        assert priced.seats_held[world.one_day.id].left == 1
        # ...when another buyer takes it and commits.
        first = msgspec.convert(rush_order(world.one_day.id, 0), OrderIn)
        await checkout.place_order(db, settings=settings, conference=world.conference, data=first)
        await db.commit()
        with pytest.raises(SoldOut):
            await capacity.take_seats(
                late, wanted=Counter({world.one_day.id: 1}), moment=now(), counted=priced.seats_held
            )
