"""``GET /health``: answers 200 only when the database answers, so load balancers route around a bad process."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import structlog
from litestar import MediaType, Request, Response, get
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from events_app.core.errors import problem

log = structlog.get_logger(__name__)
DATABASE_TIMEOUT_SECONDS = 3.0


class Health(msgspec.Struct):
    status: str
    database: str


async def _database_answers(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            # A pooled connection, straight to its driver (asyncpg and aiosqlite both take execute): no
            # transaction is begun, so the probe is one round trip, and SQLAlchemy's Connection around it was
            # most of the probe's CPU.
            connection = await engine.raw_connection()
            try:
                driver: Any = connection.driver_connection
                await driver.execute("SELECT 1")
            finally:
                # Back to the pool, reset as after any use; the pool's async adapter needs a greenlet for it.
                await greenlet_spawn(connection.close)
    except Exception as exc:  # any failure to reach the database means "unhealthy", whatever its type
        log.warning("health_database_unreachable", error=repr(exc))
        return False
    return True


@get("/health", opt={"access": "public"}, media_type=MediaType.JSON, tags=["Service"], operation_id="health")
async def health(request: Request[Any, Any, Any]) -> Response[Any]:
    """200 with ``{"status": "ok"}`` when the service and its database work; 503 problem details otherwise."""
    if await _database_answers(request.app.state["db_engine"]):
        return Response(Health(status="ok", database="ok"))
    return problem(503, "database-unavailable", "The database does not answer.", database="unreachable")
