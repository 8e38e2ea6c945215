"""The framework's own cost: health (one SELECT 1) and a conference read."""

from __future__ import annotations

from bench.harness import Bench, Load, Result, run_wrk


async def measure(bench: Bench, *, seconds: float) -> list[Result]:
    return [
        run_wrk(bench.app.url, load, workdir=bench.workdir, seconds=seconds)
        for load in (
            Load("GET /health", "/health"),
            Load("GET /api/conferences/annual-2027", "/api/conferences/annual-2027"),
        )
    ]
