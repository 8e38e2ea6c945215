"""The floors: what a request that uses PostgreSQL reaches on this machine without our app.

Bare Litestar handlers on a raw asyncpg pool of the app's size: no ORM, no middleware, no rules. A
scenario of the app can never pass the floor with as many round trips, so the two together tell a
target this machine cannot reach from one our code does not yet:

- ``GET /floor/read``: one round trip (``SELECT 1``), what ``/health`` does.
- ``POST /floor/write``: a write transaction of six round trips (BEGIN, a read, three inserts, COMMIT,
  flushed to disk like any commit), the shape of a first check-in at a door.

Served only on PostgreSQL, on the bench's own database (``FLOOR_DATABASE_URL``), in tables of its own.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import asyncpg
from litestar import Litestar, get, post
from litestar.datastructures import State

POOL_SIZE = 20  # the app's default ``database_pool_size``
TABLES = (
    "CREATE TABLE IF NOT EXISTS floor_checkins (id uuid PRIMARY KEY, attendee_id uuid UNIQUE NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_scans (id uuid PRIMARY KEY, attendee_id uuid NOT NULL, nonce text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_audit (id uuid PRIMARY KEY, subject_id uuid NOT NULL, action text NOT NULL)",
)


async def _open_pool(app: Litestar) -> None:
    # asyncpg takes a plain postgresql:// address, not SQLAlchemy's postgresql+asyncpg://.
    url = os.environ["FLOOR_DATABASE_URL"].replace("+asyncpg", "")
    pool = await asyncpg.create_pool(url, min_size=POOL_SIZE, max_size=POOL_SIZE)
    async with pool.acquire() as connection:
        for statement in TABLES:
            await connection.execute(statement)
    app.state.pool = pool


async def _close_pool(app: Litestar) -> None:
    await app.state.pool.close()


@get("/floor/read")
async def read(state: State) -> dict[str, str]:
    async with state.pool.acquire() as connection:
        await connection.fetchval("SELECT 1")
    return {"status": "ok"}


@post("/floor/write")
async def write(state: State, data: dict[str, Any]) -> dict[str, Any]:
    attendee_id = uuid.uuid4()
    async with state.pool.acquire() as connection, connection.transaction():
        await connection.fetchval("SELECT now()")
        admitted = await connection.execute(
            "INSERT INTO floor_checkins VALUES ($1, $2) ON CONFLICT DO NOTHING", uuid.uuid4(), attendee_id
        )
        await connection.execute("INSERT INTO floor_scans VALUES ($1, $2, $3)", uuid.uuid4(), attendee_id,
                                 str(data.get("nonce", "")))  # fmt: skip
        await connection.execute("INSERT INTO floor_audit VALUES ($1, $2, 'scanned')", uuid.uuid4(), attendee_id)
    return {"result": "ok", "admitted": admitted == "INSERT 0 1"}


app = Litestar(route_handlers=[read, write], on_startup=[_open_pool], on_shutdown=[_close_pool])
