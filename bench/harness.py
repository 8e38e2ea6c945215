"""Start the app and the bare yardstick as real uvicorn processes, drive load, report percentiles.

The load generator runs in this process with httpx on the same two-core machine, so
absolute numbers are modest; the ratio to the bare endpoint, measured in the same run
under the same client, is the figure to compare between changes.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("EVENTS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-key-that-is-long-enough-for-signing-0123456789"  # noqa: S105 (a throwaway database)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]


@dataclass
class Bench:
    """One benchmark run's world: a fresh database, the app served on it, and the bare yardstick."""

    database_url: str
    app: Server
    bare: Server
    env: dict[str, str] = field(default_factory=dict)


def _serve(target: str, env: dict[str, str]) -> Server:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), "--log-level", "error",
         "--no-access-log"],
        env={**os.environ, **env, "EVENTS_BASE_URL": f"http://127.0.0.1:{port}"},
        cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/", timeout=1)
            return Server(url=url, process=process)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def _database(kind: str, workdir: Path) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{workdir}/bench.sqlite3", lambda: None
    pgdb = [sys.executable, str(ROOT / "scripts" / "pgdb.py")]
    url = subprocess.run([*pgdb, "create", ADMIN_URL], check=True, capture_output=True, text=True).stdout.strip()
    return url, lambda: subprocess.run([*pgdb, "drop", ADMIN_URL, url.rsplit("/", 1)[1]], check=False)


@asynccontextmanager
async def bench_world(kind: str, *, seed_demo: bool = True) -> AsyncIterator[Bench]:
    """A migrated (and by default demo-seeded) database on ``kind``, the app on it, and the bare app."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = _database(kind, workdir)
        env = {
            "EVENTS_DATABASE_URL": url,
            "EVENTS_SECRET_KEY": SECRET,
            "EVENTS_VAR_DIR": str(workdir),
            "EVENTS_LOG_LEVEL": "ERROR",
            "EVENTS_OUTBOX_INTERVAL_MS": "0",
        }
        cli = [sys.executable, "-m", "events_app"]
        try:
            for command in (["db", "upgrade"], ["seed-demo"] if seed_demo else []):
                if command:
                    await asyncio.to_thread(
                        subprocess.run, [*cli, *command], env={**os.environ, **env}, check=True, cwd=ROOT,
                        capture_output=True,
                    )  # fmt: skip
            app, bare = _serve("events_app.asgi:app", env), _serve("bench.bare:app", {})
            try:
                yield Bench(database_url=url, app=app, bare=bare, env=env)
            finally:
                for server in (app, bare):
                    server.process.terminate()
                    server.process.wait(timeout=10)
        finally:
            drop()


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def drive(name: str, base_url: str, request: Request, *, requests: int, concurrency: int) -> Result:
    """Sends ``requests`` calls of ``request(client, i)`` with ``concurrency`` in flight; bounded in count and time."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            for i in counter:
                started = time.perf_counter()
                response = await request(client, i)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] += 1

        # Warm the connections and the app's caches before the clock starts.
        await asyncio.gather(*(request(client, -1 - n) for n in range(min(concurrency, 4))))
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), timeout=600)
        seconds = time.perf_counter() - started
    return Result(name=name, requests=requests, seconds=seconds, latencies_ms=latencies, statuses=statuses)


async def bare_result(bench: Bench, *, requests: int, concurrency: int) -> Result:
    return await drive(
        "bare Litestar GET /bare", bench.bare.url, lambda c, _i: c.get("/bare"), requests=requests,
        concurrency=concurrency,
    )  # fmt: skip


def report(title: str, results: list[Result], *, baseline: Result) -> str:
    lines = [
        f"## {title}",
        "",
        "| scenario | requests | req/s | p50 ms | p99 ms | vs bare req/s | statuses |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in [baseline, *results]:
        ratio = r.rps / baseline.rps if baseline.rps else 0.0
        statuses = ", ".join(f"{code}x{count}" for code, count in sorted(r.statuses.items()))
        lines.append(
            f"| {r.name} | {r.requests} | {r.rps:,.0f} | {r.percentile(50):.1f} | {r.percentile(99):.1f} "
            f"| {ratio:.2f} | {statuses} |"
        )
    return "\n".join(lines)


def median_ms(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
