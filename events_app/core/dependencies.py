"""A request's dependencies are resolved one after another, never two at once.

Litestar resolves them level by level and, within a level, concurrently in an anyio task
group. Ours all share the request's one database session, which two tasks must not use at
once, and none waits on anything but that session, so running a level concurrently gains
nothing and risks an interleaving no test would catch. In turn, in the same order of levels,
is also cheaper: the profiles of the fastest routes had a tenth of their time in creating and
joining those task groups.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection


async def _in_turn(self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]) -> Any:
    cleanup_group = DependencyCleanupGroup()
    for level in self.dependency_batches:
        for dependency in level:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def resolve_dependencies_in_turn() -> None:
    """Installs the in-turn resolution for every Litestar app in this process (the app factory calls it)."""
    KwargsModel.resolve_dependencies = _in_turn  # type: ignore[method-assign]
