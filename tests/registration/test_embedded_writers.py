"""On the embedded SQLite, two app processes' orders wait their turn for the one write lock.

Before writers began ``BEGIN IMMEDIATE``, a few orders of a burst were answered 503 "cannot be
reached" (a read turned write found the lock taken and SQLite refused at once). PostgreSQL runs
the same race; there it checks only that nobody oversells.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.registration import service
from events_app.registration.schemas import TypePatch
from tests.conftest import LiveServer
from tests.registration.conftest import World
from tests.registration.test_races import _order, _race

BUYERS = 24
SEATS = 15


async def test_a_burst_of_orders_across_two_processes_is_answered_without_busy_refusals(
    db: AsyncSession, world: World, live_servers: Callable[..., list[LiveServer]]
) -> None:
    await service.update_type(db, registration_type=world.one_day, data=TypePatch(capacity=SEATS), actor=None)
    await db.commit()
    servers = live_servers(2)
    responses = await _race(servers, [_order(world.one_day.id, n) for n in range(BUYERS)])
    outcomes = Counter(r.status_code for r in responses)
    assert outcomes == {201: SEATS, 409: BUYERS - SEATS}, [r.text for r in responses if r.status_code >= 500]
