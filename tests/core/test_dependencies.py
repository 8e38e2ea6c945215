"""A request's dependencies run in the request's own task, one after another."""

from __future__ import annotations

import asyncio

from litestar import Litestar, get
from litestar.di import NamedDependency, Provide
from litestar.testing import AsyncTestClient

from events_app.core.dependencies import resolve_dependencies_in_turn


async def test_dependencies_of_one_level_run_in_the_request_task_in_turn() -> None:
    resolve_dependencies_in_turn()
    seen: list[tuple[str, asyncio.Task[object] | None]] = []
    running = 0

    def provider(name: str) -> Provide:
        async def provide() -> str:
            nonlocal running
            running += 1
            assert running == 1, "two dependencies ran at once"
            seen.append((name, asyncio.current_task()))
            await asyncio.sleep(0)
            running -= 1
            return name

        return Provide(provide)

    @get("/", dependencies={"first": provider("first"), "second": provider("second")})
    async def both(first: NamedDependency[str], second: NamedDependency[str]) -> str:
        seen.append(("handler", asyncio.current_task()))
        return first + second

    async with AsyncTestClient(Litestar([both])) as client:
        assert (await client.get("/")).text == "firstsecond"
    assert sorted(name for name, _ in seen) == ["first", "handler", "second"]
    assert len({task for _, task in seen}) == 1
