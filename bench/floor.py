"""The floors: what a request that uses PostgreSQL reaches on this machine without our app.

Bare Litestar handlers on a raw asyncpg pool of the app's size: no ORM, no middleware, no rules. A
scenario of the app can never pass the floor with as many round trips, so the two together tell a
target this machine cannot reach from one our code does not yet:

- ``GET /floor/read``: one round trip (``SELECT 1``), what ``/health`` does.
- ``POST /floor/write``: a write transaction of six round trips (BEGIN, a read, three inserts, COMMIT,
  flushed to disk like any commit), the shape of a first check-in at a door.
- ``POST /floor/order``: an invoiced order of two attendees as the app writes it, eleven round trips:
  BEGIN, a read, the order, its attendees and payment, the next number from one numbering row (locked
  until the commit, as invoice numbers are), then the invoice, mails and audit entries that name it, and
  COMMIT: one INSERT per table. With a ``type`` in the body it first takes a seat of that type (a
  conditional UPDATE of its row, locked until the commit too, 409 when none is left): the registration
  rush of ``python -m bench.rush --floor``.

Served only on PostgreSQL, on the bench's own database (``FLOOR_DATABASE_URL``), in tables of its own.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import asyncpg
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State

POOL_SIZE = 20  # the app's default ``database_pool_size``
TABLES = (
    "CREATE TABLE IF NOT EXISTS floor_checkins (id uuid PRIMARY KEY, attendee_id uuid UNIQUE NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_scans (id uuid PRIMARY KEY, attendee_id uuid NOT NULL, nonce text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_audit (id uuid PRIMARY KEY, subject_id uuid NOT NULL, action text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_numbers (id int PRIMARY KEY, last int NOT NULL)",
    "INSERT INTO floor_numbers VALUES (1, 0) ON CONFLICT DO NOTHING",
    "CREATE TABLE IF NOT EXISTS floor_types (id int PRIMARY KEY, capacity int NOT NULL, sold int NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_rows (id uuid PRIMARY KEY, kind text NOT NULL, parent uuid, body text NOT NULL)",
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


class SoldOut(Exception):
    """No seat was left: the transaction rolls back, and the buyer hears 409."""


def _sold_out(_request: Request[Any, Any, Any], _exc: SoldOut) -> Response[dict[str, str]]:
    return Response({"code": "sold-out"}, status_code=409)


@post("/floor/order")
async def order(state: State, data: dict[str, Any]) -> Response[dict[str, Any]]:
    order_id, body = uuid.uuid4(), str(data.get("nonce", ""))

    def rows(kind: str, count: int) -> list[tuple[uuid.UUID, str, uuid.UUID, str]]:
        return [(uuid.uuid4(), kind, order_id, body) for _ in range(count)]

    async with state.pool.acquire() as connection, connection.transaction():
        await connection.fetchval("SELECT now()")
        insert = "INSERT INTO floor_rows VALUES ($1, $2, $3, $4)"
        for kind, count in (("order", 1), ("attendee", 2), ("payment", 1)):
            await connection.executemany(insert, rows(kind, count))
        if data.get("type") is not None:
            seat = "UPDATE floor_types SET sold = sold + 1 WHERE id = $1 AND sold < capacity RETURNING sold"
            if await connection.fetchval(seat, data["type"]) is None:
                raise SoldOut
        number = await connection.fetchval("UPDATE floor_numbers SET last = last + 1 WHERE id = 1 RETURNING last")
        # What names the number is written after it, so under its lock, as the app must.
        for kind, count in (("invoice", 1), ("mail", 3), ("audit", 2)):
            await connection.executemany(insert, rows(kind, count))
    return Response({"id": str(order_id), "number": number}, status_code=201)


app = Litestar(
    route_handlers=[read, write, order],
    exception_handlers={SoldOut: _sold_out},
    on_startup=[_open_pool],
    on_shutdown=[_close_pool],
)
