"""Background rounds run while the app runs, and the ones that keep work in memory run once more as it stops."""

from __future__ import annotations

import asyncio

from events_app.core.rounds import Round, rounds_lifespan


async def test_a_round_that_keeps_work_in_memory_runs_once_more_as_the_app_stops() -> None:
    runs = {"keeping": 0, "plain": 0, "off": 0}

    def counting(name: str) -> Round:
        async def work() -> None:
            runs[name] += 1

        return Round(name, work, every_seconds=0 if name == "off" else 3600, last_at_stop=name != "plain")

    async with rounds_lifespan([counting("keeping"), counting("plain"), counting("off")])(None):
        await asyncio.sleep(0.05)  # each running round's first turn
        assert runs == {"keeping": 1, "plain": 1, "off": 0}
    assert runs == {"keeping": 2, "plain": 1, "off": 0}


async def test_a_failing_last_turn_is_logged_and_does_not_stop_the_others() -> None:
    finished = []

    async def failing() -> None:
        raise RuntimeError("database down")

    async def finishing() -> None:
        finished.append(True)

    rounds = [
        Round("failing", failing, every_seconds=3600, last_at_stop=True),
        Round("finishing", finishing, every_seconds=3600, last_at_stop=True),
    ]
    async with rounds_lifespan(rounds)(None):
        await asyncio.sleep(0.05)
    assert finished == [True, True]
