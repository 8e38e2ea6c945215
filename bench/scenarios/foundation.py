"""The framework's own cost: health (one SELECT 1) and a conference read; on PostgreSQL, the floors beside them."""

from __future__ import annotations

from bench.harness import Bench, Load, RequestLine, Result, run_wrk


async def measure(bench: Bench, *, seconds: float) -> list[Result]:
    results = [
        run_wrk(bench.app.url, load, workdir=bench.workdir, seconds=seconds)
        for load in (
            Load("GET /health", "/health"),
            Load("GET /api/conferences/annual-2027", "/api/conferences/annual-2027"),
        )
    ]
    if bench.floor is not None:
        write, order = (
            RequestLine("POST", path, body='{"nonce": "{nonce}"}', content_type="application/json")
            for path in ("/floor/write", "/floor/order")
        )
        results += [
            run_wrk(bench.floor.url, load, workdir=bench.workdir, seconds=seconds)
            for load in (
                Load("floor: raw asyncpg, 1 round trip (as /health)", "/floor/read"),
                Load("floor: raw asyncpg, write transaction of 6 round trips (as a check-in)", "/floor/write",
                     lines=(write,)),
                Load("floor: raw asyncpg, invoice order of 11 round trips (one numbering lock)", "/floor/order",
                     lines=(order,)),
            )
        ]  # fmt: skip
    return results
