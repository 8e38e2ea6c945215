"""``python -m bench.rush [--buyers 2000] [--seats 1500] [--processes 2]``: registration opening on PostgreSQL.

Every buyer sends one invoice order for one official at the same moment, for one type with
``--seats`` seats, spread over ``--processes`` app processes (one uvicorn worker each, as behind a
load balancer) on one demo-seeded PostgreSQL database. It prints the answers by status, the
latency a buyer waited (p50, p99, slowest), the seats sold and the machine's load average before and
after (other work on the machine slows every round trip taken under the type's lock), and exits 1 if
any answer was not 201 or 409 or a seat was sold twice. wrk cannot send each connection exactly one distinct order,
so a Python client sends them; it measures waiting, not throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select

from bench.harness import percentile, seeded_database, serve
from bench.scenarios.registration import ORDERS, bench_type
from events_app.db import make_engine
from events_app.registration.models import Attendee


@dataclass(frozen=True)
class Answer:
    status: int
    seconds: float
    code: str


def rush_order(type_id: object, n: int) -> dict[str, object]:
    """Buyer ``n``'s invoice order of one seat of ``type_id`` (the suite's smaller rush sends the same)."""
    email = f"rush{n}@bench.example"
    return {
        "buyer_name": f"Rush Buyer {n}",
        "buyer_email": email,
        "payment_method": "invoice",
        "po_number": f"PO-RUSH-{n}",
        "attendees": [
            {"registration_type_id": str(type_id), "first_name": "Rush", "last_name": str(n), "email": email}
        ],
    }


async def _rush(urls: list[str], type_id: str, buyers: int) -> list[Answer]:
    start = asyncio.Event()
    limits = httpx.Limits(max_connections=buyers, max_keepalive_connections=buyers)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def buy(n: int) -> Answer:
            await start.wait()
            began = time.perf_counter()
            try:
                response = await client.post(urls[n % len(urls)] + ORDERS, json=rush_order(type_id, n))
            except httpx.HTTPError as exc:
                return Answer(0, time.perf_counter() - began, type(exc).__name__)
            code = response.json().get("code", "") if response.status_code >= 400 else ""
            return Answer(response.status_code, time.perf_counter() - began, code)

        tasks = [asyncio.create_task(buy(n)) for n in range(buyers)]
        await asyncio.sleep(0)  # every buyer waits at the line before it opens
        start.set()
        return await asyncio.gather(*tasks)


async def _sold(database_url: str, type_id: str) -> int:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).select_from(Attendee).where(Attendee.registration_type_id == type_id)
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rush", description=__doc__)
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--seats", type=int, default=1500)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    with seeded_database("postgresql") as (_workdir, env):
        url = env["EVENTS_DATABASE_URL"]
        type_id = str(asyncio.run(bench_type(url, capacity=args.seats)))
        servers = [serve("events_app.asgi:app", env) for _ in range(args.processes)]
        try:
            load_before = os.getloadavg()[0]
            began = time.perf_counter()
            answers = asyncio.run(_rush([s.url for s in servers], type_id, args.buyers))
            took = time.perf_counter() - began
            load_after = os.getloadavg()[0]
        finally:
            for server in servers:
                server.process.terminate()
                server.process.wait(timeout=10)
        sold = asyncio.run(_sold(url, type_id))
    statuses = Counter((a.status, a.code) for a in answers)
    waits = [a.seconds * 1000 for a in answers]
    summary = {
        "buyers": args.buyers,
        "seats": args.seats,
        "processes": args.processes,
        "answers": {f"{status} {code}".strip(): n for (status, code), n in sorted(statuses.items())},
        "seconds": round(took, 2),
        "p50_ms": round(percentile(waits, 50)),
        "p99_ms": round(percentile(waits, 99)),
        "slowest_ms": round(max(waits)),
        "sold": sold,
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
    }
    print(json.dumps(summary, indent=2))
    definite = all(a.status in (201, 409) for a in answers)
    if not definite or sold > args.seats or sold != statuses[(201, "")]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
