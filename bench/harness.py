"""Serve the app and the bare yardstick as real uvicorn processes and load them with ``wrk``.

``wrk`` is a C client: on this machine it drives a bare Litestar endpoint past 10,000 req/s,
so the ratio of a scenario to the bare endpoint measured in the same run is the server's, not
the client's. A Python client tops out near 1,000-1,500 req/s and compresses every ratio.
Requests that need a body or a per-request value (a badge token, a scan's nonce) come from a
file of request lines read by ``bench/lua/lines.lua``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua"
ADMIN_URL = os.environ.get("EVENTS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-key-that-is-long-enough-for-signing-0123456789"  # noqa: S105 (a throwaway database)
# Below this the load generator (or a busy machine), not the server, sets the pace of the bare endpoint.
CLIENT_CEILING = 10_000


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

    def resident_mib(self) -> float:
        """The process's resident memory (VmRSS) in MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


@dataclass
class Bench:
    """One run's world: a migrated, demo-seeded database, the app served on it, the bare yardstick and, on
    PostgreSQL, the floors (``bench/floor.py``)."""

    database_url: str
    app: Server
    bare: Server
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    floor: Server | None = None


def serve(target: str, env: dict[str, str]) -> Server:
    """``target`` (an ASGI app's import path) served by one uvicorn worker on a free port, once it answers."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--log-level", "error", "--no-access-log"],
        env={**os.environ, **env, "EVENTS_BASE_URL": f"http://127.0.0.1:{port}"},
        cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    # Importing the app takes seconds on a quiet machine and far longer on a loaded one.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/", timeout=1)
            return Server(url=url, process=process)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


@contextmanager
def _database(kind: str, workdir: Path) -> Iterator[str]:
    """SQLite in the run's folder; on PostgreSQL the database named by ``EVENTS_BENCH_DATABASE_URL`` (which
    must be empty), else a new one on the server at ``EVENTS_TEST_POSTGRES_URL``, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir}/bench.sqlite3"
        return
    if given := os.environ.get("EVENTS_BENCH_DATABASE_URL"):
        yield given
        return
    pgdb = [sys.executable, str(ROOT / "scripts" / "pgdb.py")]
    url = subprocess.run([*pgdb, "create", ADMIN_URL], check=True, capture_output=True, text=True).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run([*pgdb, "drop", ADMIN_URL, url.rsplit("/", 1)[1]], check=False)


@contextmanager
def seeded_database(kind: str) -> Iterator[tuple[Path, dict[str, str]]]:
    """A migrated and demo-seeded database on ``kind``: the run's folder and the app's environment for it."""
    with tempfile.TemporaryDirectory() as tmp, _database(kind, Path(tmp)) as url:
        workdir = Path(tmp)
        env = {
            "EVENTS_DATABASE_URL": url,
            "EVENTS_SECRET_KEY": SECRET,
            "EVENTS_VAR_DIR": str(workdir),
            "EVENTS_LOG_LEVEL": "ERROR",
            "EVENTS_OUTBOX_INTERVAL_MS": "0",
        }
        cli = [sys.executable, "-m", "events_app"]
        for command in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run([*cli, *command], env={**os.environ, **env}, check=True, cwd=ROOT, capture_output=True)
        yield workdir, env


@contextmanager
def bench_world(kind: str) -> Iterator[Bench]:
    """A migrated and demo-seeded database on ``kind``, the app (one uvicorn worker) on it, the bare app and, on
    PostgreSQL, the floors."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package `wrk`): the bench needs a C load generator.")
    with seeded_database(kind) as (workdir, env):
        url = env["EVENTS_DATABASE_URL"]
        app, bare = serve("events_app.asgi:app", env), serve("bench.bare:app", {})
        floor = serve("bench.floor:app", {"FLOOR_DATABASE_URL": url}) if kind == "postgresql" else None
        try:
            yield Bench(database_url=url, app=app, bare=bare, workdir=workdir, env=env, floor=floor)
        finally:
            for server in (s for s in (app, bare, floor) if s is not None):
                server.process.terminate()
                server.process.wait(timeout=10)


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: Counter[int]
    socket_errors: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class RequestLine:
    """One request for ``lines.lua``; ``{nonce}`` in the body becomes a value unique to the run."""

    method: str
    path: str
    body: str = ""
    authorization: str = ""
    content_type: str = ""

    def __str__(self) -> str:
        fields = (self.method, self.path, self.authorization, self.content_type, self.body)
        if any("\t" in f or "\n" in f for f in fields):
            raise ValueError(f"a request line cannot hold a tab or a newline: {self.path}")
        return "\t".join(fields)


@dataclass(frozen=True)
class Load:
    """One wrk scenario: a GET of ``path`` with ``headers``, or the requests in ``lines`` sent in turn."""

    name: str
    path: str = "/"
    headers: dict[str, str] = field(default_factory=dict)
    lines: tuple[RequestLine, ...] = ()
    stop_at_end: bool = False  # every line once (first check-ins), instead of starting over


def run_wrk(
    base_url: str, load: Load, *, workdir: Path, seconds: float, connections: int = 32, threads: int = 1
) -> Result:
    """Drives ``load`` for ``seconds`` with wrk and reads the counts its Lua ``done`` prints."""
    script = workdir / "scenario.lua"
    report = (LUA / "report.lua").read_text()
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    for name, value in load.headers.items():
        command += ["-H", f"{name}: {value}"]
    if load.lines:
        requests_file = workdir / "requests.txt"
        requests_file.write_text("\n".join(str(line) for line in load.lines) + "\n")
        script.write_text(report + "\n" + (LUA / "lines.lua").read_text())
        command += ["-s", str(script), base_url + load.path, "--", str(requests_file),
                    "stop" if load.stop_at_end else "wrap"]  # fmt: skip
    else:
        script.write_text(report)
        command += ["-s", str(script), base_url + load.path]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next((x for x in output.splitlines() if x.startswith("BENCH-JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary for {load.name}:\n{output}")
    numbers = json.loads(line.removeprefix("BENCH-JSON "))
    return Result(
        name=load.name,
        requests=numbers["requests"],
        seconds=numbers["duration_us"] / 1e6,
        p50_ms=numbers["p50_us"] / 1000,
        p99_ms=numbers["p99_us"] / 1000,
        statuses=Counter({int(code): count for code, count in numbers["statuses"].items()}),
        socket_errors=numbers["socket_errors"],
    )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(title: str, results: Iterable[Result], *, baseline: Result, resident_mib: float, machine: str) -> str:
    """The run as Markdown: one row per scenario with its share of the bare endpoint's req/s."""
    lines = [
        f"## {title}",
        "",
        f"Machine: {machine}",
        "",
        "| scenario | requests | req/s | p50 ms | p99 ms | share of bare | answers |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in [baseline, *results]:
        ratio = r.rps / baseline.rps if baseline.rps else 0.0
        answers = ", ".join(f"{code}x{count}" for code, count in sorted(r.statuses.items()))
        if r.socket_errors:
            answers += f", socket errors x{r.socket_errors}"
        lines.append(
            f"| {r.name} | {r.requests} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {ratio:.3f} | {answers} |"
        )
    lines += ["", f"App process resident memory after the run: {resident_mib:.0f} MiB."]
    if baseline.rps < CLIENT_CEILING:
        lines += [
            "",
            f"**The bare endpoint reached {baseline.rps:,.0f} req/s, under {CLIENT_CEILING:,}: the client or the "
            "machine (other load on its cores) is the bottleneck, so every share above is compressed.**",
        ]
    return "\n".join(lines)
