"""``GET /health``: answers 200 only when the database answers, so load balancers route around a bad process."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import structlog
from litestar import MediaType, Request, Response, get
from sqlalchemy.ext.asyncio import AsyncEngine

from events_app.core.errors import problem

log = structlog.get_logger(__name__)
DATABASE_TIMEOUT_SECONDS = 3.0


class Health(msgspec.Struct):
    status: str
    database: str


async def _database_answers(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), engine.connect() as connection:
            # Straight to the driver (asyncpg and aiosqlite both take execute): no transaction is begun, so
            # the probe is one round trip, and SQLAlchemy's statement machinery was most of the probe's CPU.
            driver: Any = (await connection.get_raw_connection()).driver_connection
            await driver.execute("SELECT 1")
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
