"""``python -m bench [--db postgresql|sqlite] [--seconds N] [--only MODULE ...]``: load the app with wrk.

Writes the table to bench/RESULTS.md and into the README's Performance section.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import ROOT, Bench, Load, Result, bench_world, report, run_wrk

# Reads before writes: the writes (holds, orders, check-ins) change what later reads would see.
MODULES = ["foundation", "program", "expo", "registration", "checkin", "accounts", "proposals"]
README_SECTION = re.compile(r"(<!-- bench:start -->\n).*?(<!-- bench:end -->)", re.DOTALL)


def _machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average before the run {load}"


async def _measure(bench: Bench, modules: list[str], *, seconds: float, badges: int) -> list[Result]:
    results: list[Result] = []
    for name in modules:
        module = importlib.import_module(f"bench.scenarios.{name}")
        extra = {"badges": badges} if name == "checkin" else {}
        results += await module.measure(bench, seconds=seconds, **extra)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each wrk run (default 10)")
    parser.add_argument("--only", nargs="*", choices=MODULES, default=MODULES)
    parser.add_argument("--badges", type=int, default=4000, help="distinct badges for the first check-ins")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    machine = _machine()
    with bench_world(args.db) as bench:
        baseline = run_wrk(bench.bare.url, Load("bare Litestar GET /bare", "/bare"), workdir=bench.workdir,
                           seconds=args.seconds)  # fmt: skip
        results = asyncio.run(_measure(bench, args.only, seconds=args.seconds, badges=args.badges))
        resident = bench.app.resident_mib()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = f"{stamp}, {args.db}, one uvicorn worker, wrk 1 thread 32 connections {args.seconds:g} s"
    table = report(title, results, baseline=baseline, resident_mib=resident, machine=machine)
    print(table)
    args.output.write_text("# Latest bench run\n\n" + table + "\n")
    readme = ROOT / "README.md"
    text = readme.read_text()
    if README_SECTION.search(text):
        readme.write_text(README_SECTION.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text))


if __name__ == "__main__":
    main()
