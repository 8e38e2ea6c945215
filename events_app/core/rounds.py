"""Background rounds inside every app process: the mail courier, sweeps, payment reconciliation.

Each round is correct to run in several processes at once (its work claims rows in the
database), so production's workers simply each run all of them. A failed round is logged
and the next one runs: a database hiccup must never end the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import structlog

log = structlog.get_logger(__name__)

# Sweeps of expired holds and lapsed offers: correctness never waits for them, mail does.
SWEEP_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Round:
    """``work`` every ``every_seconds`` (0 or less: never); ``wait_first`` spares a restart storm;
    ``last_at_stop`` runs it once more as the app stops, for work that is kept in memory until then."""

    name: str
    work: Callable[[], Awaitable[object]]
    every_seconds: float
    wait_first: bool = False
    last_at_stop: bool = False


async def run_forever(round_: Round) -> None:
    if round_.wait_first:
        await asyncio.sleep(round_.every_seconds)
    while True:
        await run_once(round_)
        await asyncio.sleep(round_.every_seconds)


async def run_once(round_: Round) -> None:
    try:
        await round_.work()
    except Exception:  # logged; the next round tries again
        log.exception("background_round_failed", round=round_.name)


def rounds_lifespan(rounds: Sequence[Round]) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """An app lifespan running the rounds that are switched on, cancelled when the app stops."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        running = [r for r in rounds if r.every_seconds > 0]
        tasks = [asyncio.create_task(run_forever(r)) for r in running]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for round_ in running:
                if round_.last_at_stop:
                    await run_once(round_)

    return lifespan
