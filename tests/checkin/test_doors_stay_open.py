"""Nothing stalls the doors: while the whole conference's badges are drawn and a crowd signs in,
a live app process still answers its load balancer's health check at once.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role
from tests.checkin.conftest import World, register
from tests.conftest import Caller, LiveServer, MakeCaller

BADGES = 150  # several seconds of drawing on this machine
SIGN_INS = 20
# A p99 of 100 ms means something only where a resting app answers well inside it.
QUIET_ENOUGH = 0.050


async def _sign_in(http: httpx.AsyncClient, server: LiveServer, caller: Caller) -> int:
    http.cookies.clear()
    await http.get(f"{server.url}/login")
    response = await http.post(
        f"{server.url}/login",
        data={"email": caller.email, "password": caller.password, "_csrf_token": http.cookies["csrftoken"]},
    )
    return response.status_code


# A load balancer's health checks, one after another, each timed from the outside; in a process of
# its own, so the test's twenty clients do not slow the measuring down.
PROBE = """
import json, select, sys, time, httpx
timings = []
with httpx.Client(timeout=30) as http:
    while not select.select([sys.stdin], [], [], 0.01)[0]:  # until the test says stop
        started = time.perf_counter()
        assert http.get(sys.argv[1] + "/health").status_code == 200
        timings.append(time.perf_counter() - started)
print(json.dumps(timings))
"""


class HealthProbe:
    def __init__(self, url: str) -> None:
        self.url = url

    async def __aenter__(self) -> HealthProbe:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", PROBE, self.url, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        return self

    async def stop(self) -> list[float]:
        out, _ = await self.process.communicate(b"stop\n")
        assert self.process.returncode == 0
        timings: list[float] = json.loads(out)
        return timings

    async def __aexit__(self, *_: object) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def test_health_answers_at_once_while_badges_print_and_twenty_people_sign_in(
    db: AsyncSession, world: World, make_caller: MakeCaller, live_servers: Callable[..., list[LiveServer]]
) -> None:
    for n in range(BADGES - len(world.people)):
        await register(db, world, f"p{n}", f"Person{n}", "Printed")
    await db.commit()
    crowd: list[Caller] = [await make_caller(Role.STAFF) for _ in range(SIGN_INS)]
    [server] = live_servers(1)
    async with HealthProbe(server.url) as baseline:
        await asyncio.sleep(5)
        quiet = await baseline.stop()
    quiet_p99 = statistics.quantiles(quiet, n=100)[98]
    prints = f"{server.url}/api/conferences/{world.conference.slug}/checkin/badge-prints"

    async with httpx.AsyncClient(timeout=60) as api:
        asked = await api.post(prints, json={}, headers=world.organizer.headers)
        assert asked.status_code == 202, asked.text
        follow = f"{prints}/{asked.json()['id']}"

        async def status_once(leaving: str) -> dict[str, object]:
            """The print's state once it is no longer ``leaving``."""
            for _ in range(600):
                answer: dict[str, object] = (await api.get(follow, headers=world.organizer.headers)).json()
                if answer["status"] != leaving:
                    return answer
                await asyncio.sleep(0.2)
            raise AssertionError(f"the print stayed {leaving}")

        await status_once("queued")  # the process's round claims it within seconds

        async with HealthProbe(server.url) as probe:
            clients = [httpx.AsyncClient(timeout=60) for _ in crowd]
            try:
                signed_in = await asyncio.gather(*(_sign_in(c, server, p) for c, p in zip(clients, crowd, strict=True)))
            finally:
                for client in clients:
                    await client.aclose()
            progress = await status_once("running")
            timings = await probe.stop()

    assert signed_in == [303] * SIGN_INS
    assert (progress["status"], progress["badges_drawn"]) == ("done", BADGES)
    p99 = statistics.quantiles(timings, n=100)[98]
    print(f"/health at rest: median {statistics.median(quiet) * 1000:.1f} ms, p99 {quiet_p99 * 1000:.1f} ms; "
          f"during the print and sign-ins: {len(timings)} checks, median {statistics.median(timings) * 1000:.1f} ms, "
          f"p99 {p99 * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms")  # fmt: skip
    assert len(timings) >= 50, "the print ended before the health checks could be measured"
    # Drawing on the event loop held every request for the whole print (18-53 s for 1,500 badges),
    # and each sign-in held it for its hash: nothing may come near that, however busy the machine.
    assert max(timings) < 2.0
    if quiet_p99 > QUIET_ENOUGH:
        pytest.skip(f"this machine answers /health in {quiet_p99 * 1000:.0f} ms (p99) at rest: too busy to hold 100 ms")
    assert p99 < 0.100
