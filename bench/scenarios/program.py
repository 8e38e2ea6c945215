"""The program as calendar apps and visitors read it: the conference feed (cold build, 200, gzip 200, 304), one
attendee's agenda feed revalidated (304), and the program page.

A cold build is forced by emptying the shared feed cache before each request, sequentially, so each one
really builds; its latency is the figure (the issue's target is < 30 ms for a 250-session feed).
"""

from __future__ import annotations

import time
from collections import Counter

import httpx
from sqlalchemy import select, text

from bench.harness import SECRET, Bench, Load, Result, percentile, run_wrk
from events_app.db import make_engine, make_session_maker

SLUG = "annual-2027"
FEED = f"/c/{SLUG}/feeds/program.ics"
COLD_BUILDS = 20
# wrk sends no Accept-Encoding and so gets the feeds unencoded: the ETags it revalidates are those.
UNENCODED = {"Accept-Encoding": "identity"}


async def _cold_builds(bench: Bench) -> tuple[Result, str]:
    engine = make_engine(bench.database_url)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    size, etag = 0, ""
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=bench.app.url, timeout=60, headers=UNENCODED) as client:
        for _ in range(COLD_BUILDS):
            async with engine.begin() as connection:
                await connection.execute(text("DELETE FROM program_feed_cache"))
            began = time.perf_counter()
            response = await client.get(FEED)
            latencies.append((time.perf_counter() - began) * 1000)
            statuses[response.status_code] += 1
            size, etag = len(response.content), response.headers["etag"]
    await engine.dispose()
    cold = Result(
        name=f"GET program.ics cold build ({size // 1024} KiB, sequential)",
        requests=COLD_BUILDS,
        seconds=time.perf_counter() - started,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        statuses=statuses,
    )
    return cold, etag


async def _agenda_feed(bench: Bench) -> str:
    """The agenda feed address of a confirmed demo attendee (the agenda is made on first use)."""
    from events_app.registration.models import Attendee, AttendeeStatus
    from events_app.sessions.agenda_links import agenda_feed_url, agenda_for
    from events_app.settings import Settings

    settings = Settings(database_url=bench.database_url, secret_key=SECRET, base_url=bench.app.url)
    engine = make_engine(bench.database_url)
    try:
        async with make_session_maker(engine)() as db:
            attendee = await db.scalar(select(Attendee).where(Attendee.status == AttendeeStatus.CONFIRMED).limit(1))
            if attendee is None:
                raise RuntimeError("the demo seed has no confirmed attendee")
            from events_app.conferences.service import find_conference

            conference = await find_conference(db, slug=SLUG)
            agenda = await agenda_for(db, attendee=attendee)
            await db.commit()
            return agenda_feed_url(settings, conference, agenda).removeprefix(bench.app.url)
    finally:
        await engine.dispose()


async def measure(bench: Bench, *, seconds: float) -> list[Result]:
    cold, etag = await _cold_builds(bench)
    agenda = await _agenda_feed(bench)
    async with httpx.AsyncClient(base_url=bench.app.url, timeout=30, headers=UNENCODED) as client:
        agenda_etag = (await client.get(agenda)).headers["etag"]
    loads = (
        Load("GET program.ics (200)", FEED),
        Load("GET program.ics gzip (200, as calendar apps ask)", FEED, headers={"Accept-Encoding": "gzip"}),
        Load("GET program.ics If-None-Match (304)", FEED, headers={"If-None-Match": etag}),
        Load("GET agenda.ics If-None-Match (304)", agenda, headers={"If-None-Match": agenda_etag}),
        Load(f"GET /c/{SLUG}/program (page)", f"/c/{SLUG}/program/"),
    )
    return [cold, *(run_wrk(bench.app.url, load, workdir=bench.workdir, seconds=seconds) for load in loads)]
