"""Production runs several app processes: the rules and the live dashboard must hold across them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin.models import Checkin, Scan
from events_app.settings import Settings
from tests.checkin.conftest import World, badge_of, nonce, register
from tests.conftest import LiveServer

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.mark.postgres_only
async def test_two_doors_in_two_processes_scanning_one_badge_at_once_admit_it_once(
    db: AsyncSession, settings: Settings, world: World, live_servers: Callable[..., list[LiveServer]]
) -> None:
    for n in range(18):
        await register(db, world, f"p{n}", f"Person{n}", "Racer")
    await db.commit()
    tokens = [await badge_of(db, settings, world, key) for key in world.people]
    north, south = live_servers(2)
    path = f"/api/conferences/{world.conference.slug}/checkin/scans"

    async with httpx.AsyncClient(timeout=30) as http:

        async def at(server: LiveServer, headers: dict[str, str], token: str) -> str:
            body = {"kind": "entry", "nonce": nonce(), "token": token}
            response = await http.post(server.url + path, json=body, headers=headers)
            assert response.status_code == 200, response.text
            result: str = response.json()["result"]
            return result

        for token in tokens:
            pair = await asyncio.gather(at(north, world.north.headers, token), at(south, world.south.headers, token))
            assert sorted(pair) == ["already_checked_in", "ok"]

    db.expire_all()
    assert await db.scalar(select(func.count()).select_from(Checkin)) == len(tokens)
    assert await db.scalar(select(func.count()).select_from(Scan)) == 2 * len(tokens)


async def _next_event(lines: object, name: str) -> dict[str, object]:
    event = ""
    async for line in lines:  # type: ignore[attr-defined]
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:") and event == name:
            payload: dict[str, object] = json.loads(line.partition(":")[2])
            return payload
    raise AssertionError(f"the stream ended before a {name!r} event")


async def test_a_scan_through_one_process_reaches_a_dashboard_served_by_another(
    db: AsyncSession, settings: Settings, world: World, live_servers: Callable[..., list[LiveServer]]
) -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # the machine and CI start Redis; say plainly when it is missing
        pytest.fail(f"Redis is not answering at {REDIS_URL}: {exc}")
    token = await badge_of(db, settings, world, "maria")
    scanner, dashboard = live_servers(2, EVENTS_REDIS_URL=REDIS_URL)
    api = f"/api/conferences/{world.conference.slug}/checkin"

    async with httpx.AsyncClient(timeout=30) as http:
        async with http.stream("GET", dashboard.url + api + "/live", headers=world.staff.headers) as stream:
            lines = stream.aiter_lines()
            await asyncio.wait_for(_next_event(lines, "ready"), timeout=10)
            body = {"kind": "entry", "nonce": nonce(), "token": token}
            scanned = await http.post(scanner.url + api + "/scans", json=body, headers=world.north.headers)
            assert scanned.json()["result"] == "ok"
            event = await asyncio.wait_for(_next_event(lines, "scan"), timeout=10)
        assert event["station"] == "North entrance"
        assert event["registration_type"] == "Full conference"

        figures = (await http.get(dashboard.url + api + "/dashboard", headers=world.staff.headers)).json()
    assert figures["checked_in"] == 1
    assert figures["by_door"] == [{"label": "North entrance", "count": 1}]
    assert figures["by_registration_type"] == [{"label": "Full conference", "count": 1}]
    assert sum(b["arrivals"] for b in figures["arrivals"]) == 1
