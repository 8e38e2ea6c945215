"""Our replacements of Litestar's per-request work hold: dependencies in turn, guards without copies."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Litestar, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.testing import AsyncTestClient

from events_app.core import litestar_patches


async def test_dependencies_of_one_level_run_in_the_request_task_in_turn() -> None:
    litestar_patches.install()
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


async def test_a_guard_is_handed_the_route_handler_itself() -> None:
    litestar_patches.install()
    handed: list[BaseRouteHandler] = []

    async def guard(_connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        handed.append(handler)

    @get("/", guards=[guard])
    async def home() -> str:
        return "home"

    async with AsyncTestClient(Litestar([home])) as client:
        assert (await client.get("/")).text == "home"
        assert (await client.get("/")).text == "home"
    assert handed[0] is handed[1], "the guard was handed a copy of the handler"
