"""Both databases keep the rules the code relies on."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from events_app.accounts.models import ApiToken, Role
from events_app.app import create_app
from events_app.settings import Settings


async def test_foreign_keys_are_enforced_even_on_sqlite(db: AsyncSession) -> None:
    db.add(ApiToken(user_id=uuid.uuid4(), name="orphan", token_hash="0" * 64, role=Role.STAFF))
    with pytest.raises(IntegrityError):
        await db.flush()


async def test_a_request_finding_every_connection_taken_is_told_busy_with_retry_after(
    settings: Settings, is_postgres: bool
) -> None:
    if is_postgres:
        pytest.skip("asyncpg connections belong to the app's event loop, which this test cannot hold them from")
    app = create_app(replace(settings, database_pool_size=1, database_pool_timeout_seconds=0.2))
    engine: AsyncEngine = app.state["db_engine"]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        taken = [await engine.connect()]  # the whole pool
        try:
            busy = await client.get("/api/conferences")
        finally:
            for connection in taken:
                await connection.close()
        again = await client.get("/api/conferences")
    assert busy.status_code == 503
    assert busy.headers["content-type"].startswith("application/problem+json")
    assert busy.json()["code"] == "database-busy"
    assert int(busy.headers["retry-after"]) > 0
    assert again.status_code == 200
