"""``python -m bench.rush [--buyers 2000] [--seats 1500] [--processes 2] [--floor]``: a registration opening.

Every buyer sends one invoice order for one official at the same moment, for one type with
``--seats`` seats, spread over ``--processes`` app processes (one uvicorn worker each, as behind a
load balancer) on one demo-seeded PostgreSQL database. It prints the answers by status, the
latency a buyer waited (p50, p99, slowest), the seats sold and the machine's load average before and
after (other work on the machine slows every round trip taken under the type's lock), and exits 1 if
any answer was not 201 or 409 or a seat was sold twice. wrk cannot send each connection exactly one distinct order,
so a Python client sends them; it measures waiting, not throughput. Each buyer has a connection of its own
and writes its request on the bare socket: httpx's pool, with 2,000 connections in it, spent about 13 ms of
the client's CPU per order, so the client, at a full core, was what the buyers waited for.

``--floor`` sends the same rush to the floor's processes (``bench/floor.py``) instead: the same seat lock
and invoice number, written with raw asyncpg and no rules, the wait no app on this machine can beat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import uvloop
from sqlalchemy import Executable, func, select, text

from bench.harness import Server, percentile, seeded_database, serve
from bench.scenarios.registration import ORDERS, bench_type
from events_app.db import make_engine
from events_app.registration.models import Attendee

FLOOR_TYPE = 1


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


async def post_alone(
    base_url: str, path: str, payload: dict[str, object], *, authorization: str = ""
) -> tuple[int, bytes]:
    """One HTTP/1.1 POST on a connection of its own, written on the bare socket: the status and the body.

    Also the client of the suite's expo race, which times its partners' holds the same way.
    """
    host, _, port = base_url.removeprefix("http://").partition(":")
    body = json.dumps(payload).encode()
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        if authorization:
            head += f"Authorization: {authorization}\r\n"
        writer.write(f"{head}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        status_line, _, headers = (await reader.readuntil(b"\r\n\r\n")).partition(b"\r\n")
        length = next(
            int(value)
            for name, _, value in (line.partition(b":") for line in headers.split(b"\r\n"))
            if name.lower() == b"content-length"
        )
        return int(status_line.split()[1]), await reader.readexactly(length)
    finally:
        writer.close()


def _floor_order(n: int) -> dict[str, object]:
    """Buyer ``n``'s order to the floor (``bench/floor.py``): a seat of its one type, numbered and written raw."""
    return {"nonce": f"rush-{n}", "type": FLOOR_TYPE}


async def _rush(urls: list[str], path: str, order: Callable[[int], dict[str, object]], buyers: int) -> list[Answer]:
    start = asyncio.Event()

    async def buy(n: int) -> Answer:
        await start.wait()
        began = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(post_alone(urls[n % len(urls)], path, order(n)), 120)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            return Answer(0, time.perf_counter() - began, type(exc).__name__)
        code = json.loads(body).get("code", "") if status >= 400 else ""
        return Answer(status, time.perf_counter() - began, code)

    tasks = [asyncio.create_task(buy(n)) for n in range(buyers)]
    await asyncio.sleep(0)  # every buyer waits at the line before it opens
    start.set()
    return await asyncio.gather(*tasks)


def _app_cpu(servers: list[Server]) -> float:
    """The app processes' user and system CPU time so far, from /proc (the bench runs on Linux)."""
    seconds = 0.0
    for server in servers:
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rpartition(")")[2].split()
        seconds += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


async def _sold(database_url: str, query: Executable) -> int:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def _floor_type(database_url: str, seats: int) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO floor_types VALUES (:id, :seats, 0)"), {"id": FLOOR_TYPE, "seats": seats}
            )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rush", description=__doc__)
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--seats", type=int, default=1500)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--floor", action="store_true", help="buy from the floor (bench/floor.py), not the app")
    args = parser.parse_args()
    with seeded_database("postgresql") as (_workdir, env):
        url = env["EVENTS_DATABASE_URL"]
        if args.floor:
            # One after the other: each makes the floor's tables as it starts.
            servers = [serve("bench.floor:app", {"FLOOR_DATABASE_URL": url}) for _ in range(args.processes)]
            asyncio.run(_floor_type(url, args.seats))
            path, order = "/floor/order", _floor_order
            sold_query: Executable = text("SELECT sold FROM floor_types WHERE id = :id").bindparams(id=FLOOR_TYPE)
        else:
            type_id = str(asyncio.run(bench_type(url, capacity=args.seats)))
            servers = [serve("events_app.asgi:app", env) for _ in range(args.processes)]
            path, order = ORDERS, partial(rush_order, type_id)
            sold_query = select(func.count()).select_from(Attendee).where(Attendee.registration_type_id == type_id)
        try:
            load_before = os.getloadavg()[0]
            began, client_began, app_began = time.perf_counter(), time.process_time(), _app_cpu(servers)
            answers = uvloop.run(_rush([s.url for s in servers], path, order, args.buyers))
            took, client_cpu = time.perf_counter() - began, time.process_time() - client_began
            app_cpu = _app_cpu(servers) - app_began
            load_after = os.getloadavg()[0]
        finally:
            for server in servers:
                server.process.terminate()
                server.process.wait(timeout=10)
        sold = asyncio.run(_sold(url, sold_query))
    statuses = Counter((a.status, a.code) for a in answers)
    waits = [a.seconds * 1000 for a in answers]
    summary = {
        "served_by": "floor" if args.floor else "app",
        "buyers": args.buyers,
        "seats": args.seats,
        "processes": args.processes,
        "answers": {f"{status} {code}".strip(): n for (status, code), n in sorted(statuses.items())},
        "seconds": round(took, 2),
        "p50_ms": round(percentile(waits, 50)),
        "p99_ms": round(percentile(waits, 99)),
        "slowest_ms": round(max(waits)),
        "sold": sold,
        # What each side spent: a client near its wall time would be what the buyers waited for.
        "client_cpu_s": round(client_cpu, 1),
        "app_cpu_s": round(app_cpu, 1),
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
    }
    print(json.dumps(summary, indent=2))
    definite = all(a.status in (201, 409) for a in answers)
    if not definite or sold > args.seats or sold != statuses[(201, "")]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
