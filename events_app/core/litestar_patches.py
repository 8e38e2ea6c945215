"""Two things Litestar does on every request that this app does not need, replaced at start.

- **Dependencies are resolved one after another**, never two at once. Litestar resolves them
  level by level and, within a level, concurrently in an anyio task group. Ours all share the
  request's one database session, which two tasks must not use at once, and none waits on
  anything but that session, so running a level concurrently gains nothing and risks an
  interleaving no test would catch. In turn is also cheaper: the profiles of the fastest routes
  had a tenth of their time in creating and joining those task groups.
- **Guards are handed the route handler itself**, not a fresh copy of it. Litestar copies the
  handler for each guard on each request so a guard cannot change it; our one guard
  (``accounts.access.enforce_access``) only reads its options, and the copy was a fifth of the
  CPU of a ``/health`` request.

Both replace Litestar methods (``KwargsModel.resolve_dependencies``, a private one, and
``BaseRouteHandler.authorize_connection``); ``tests/core/test_litestar_patches.py`` notices if
Litestar moves either.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler


async def _in_turn(self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]) -> Any:
    cleanup_group = DependencyCleanupGroup()
    for level in self.dependency_batches:
        for dependency in level:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


async def _authorize(self: BaseRouteHandler, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    for guard in self.resolve_guards():
        await guard(connection, self)  # type: ignore[misc]


def install() -> None:
    """Installs both for every Litestar app in this process (the app factory calls it)."""
    KwargsModel.resolve_dependencies = _in_turn  # type: ignore[method-assign]
    BaseRouteHandler.authorize_connection = _authorize  # type: ignore[method-assign]
