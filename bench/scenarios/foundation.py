"""The framework's own cost: health (one SELECT 1) and a conference read, against the bare endpoint."""

from __future__ import annotations

from bench.harness import bare_result, bench_world, drive, report


async def run(db_kind: str, *, requests: int, concurrency: int) -> str:
    async with bench_world(db_kind) as bench:
        baseline = await bare_result(bench, requests=requests, concurrency=concurrency)
        results = [
            await drive("GET /health", bench.app.url, lambda c, _i: c.get("/health"), requests=requests,
                        concurrency=concurrency),
            await drive("GET /api/conferences/annual-2027", bench.app.url,
                        lambda c, _i: c.get("/api/conferences/annual-2027"), requests=requests,
                        concurrency=concurrency),
        ]  # fmt: skip
    return report(f"Foundation on {db_kind}", results, baseline=baseline)
