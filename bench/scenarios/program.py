"""The conference calendar feed of the demo program: a cold build, a full 200, and a 304 revalidation.

A cold build is forced by emptying the shared feed cache before each request (sequential,
so each one really builds); 200 and 304 run under load like every other scenario.
"""

from __future__ import annotations

import time
from collections import Counter

import httpx
from sqlalchemy import text

from bench.harness import Result, bare_result, bench_world, drive, report
from events_app.db import make_engine

FEED = "/c/annual-2027/feeds/program.ics"
COLD_BUILDS = 20


async def _cold_builds(app_url: str, database_url: str) -> tuple[Result, str]:
    engine = make_engine(database_url)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    size, etag = 0, ""
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=app_url, timeout=60) as client:
        for _ in range(COLD_BUILDS):
            async with engine.begin() as connection:
                await connection.execute(text("DELETE FROM program_feed_cache"))
            began = time.perf_counter()
            response = await client.get(FEED)
            latencies.append((time.perf_counter() - began) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            size, etag = len(response.content), response.headers["etag"]
    await engine.dispose()
    cold = Result(
        name=f"GET {FEED} cold build ({size // 1024} KiB, sequential)",
        requests=COLD_BUILDS,
        seconds=time.perf_counter() - started,
        latencies_ms=latencies,
        statuses=Counter(statuses),
    )
    return cold, etag


async def run(db_kind: str, *, requests: int, concurrency: int) -> str:
    async with bench_world(db_kind) as bench:
        baseline = await bare_result(bench, requests=requests, concurrency=concurrency)
        cold, etag = await _cold_builds(bench.app.url, bench.database_url)
        results = [
            cold,
            await drive(f"GET {FEED} (200)", bench.app.url, lambda c, _i: c.get(FEED), requests=requests,
                        concurrency=concurrency),
            await drive(f"GET {FEED} If-None-Match (304)", bench.app.url,
                        lambda c, _i: c.get(FEED, headers={"If-None-Match": etag}), requests=requests,
                        concurrency=concurrency),
        ]  # fmt: skip
    return report(f"Program feed on {db_kind}", results, baseline=baseline)
