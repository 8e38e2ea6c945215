"""Both databases keep the rules the code relies on."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from events_app.accounts.models import ApiToken, Role
from events_app.app import create_app
from events_app.audit.models import AuditEvent
from events_app.conferences.models import Conference, ConferenceStatus
from events_app.db import write_pending
from events_app.registration import capacity
from events_app.registration.errors import SoldOut
from events_app.registration.models import Order
from events_app.settings import Settings
from tests.conftest import MakeApp, Statements
from tests.registration.conftest import build_world
from tests.registration.test_capacity_and_waitlist import order_json


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


async def test_a_write_after_a_read_on_the_same_connection_runs_in_a_transaction_and_its_refusal_undoes_it(
    make_app: MakeApp, settings: Settings, db: AsyncSession, statements: Statements, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One connection: the read's (outside a transaction on PostgreSQL) goes back to the pool, the write takes it.
    app = make_app(replace(settings, database_pool_size=1))
    world = await build_world(db)
    await db.commit()

    async def taken_meanwhile(*_args: object, **_kwargs: object) -> None:
        raise SoldOut("Another buyer took the last seat meanwhile.")

    # The order's rows are written before its seats are taken under the type's lock, where a race is lost.
    monkeypatch.setattr(capacity, "take_seats", taken_meanwhile)
    registration = f"/api/conferences/{world.conference.slug}/registration"
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        assert (await client.get(f"{registration}/types")).status_code == 200
        statements.clear()
        refused = await client.post(f"{registration}/orders", json=order_json(world, "b@fresno.gov"))
    assert refused.json()["code"] == "sold-out"
    assert any(s.startswith("INSERT INTO registration_orders") for s in statements), statements.listing
    assert "AUTOCOMMIT" not in statements.isolation, statements.listing
    assert await db.scalar(select(Order.id).where(Order.buyer_email == "b@fresno.gov")) is None


async def test_write_pending_writes_parents_first_fills_defaults_and_leaves_the_rows_loaded(db: AsyncSession) -> None:
    conference = Conference(
        id=uuid.uuid4(), slug="pending-2027", name="Pending", timezone="UTC", venue_name="Hall",
        venue_address="1 Main St", starts_on=date(2027, 5, 1), ends_on=date(2027, 5, 2),
    )  # fmt: skip
    entry = AuditEvent(
        conference_id=conference.id, actor="test", action="test.written", subject_type="x", subject_id="1"
    )
    # The row naming the conference joins the session first: the conference must still be written first.
    db.add(entry)
    db.add(conference)
    await write_pending(db)
    assert not db.new
    assert entry.id is not None
    assert entry.details == {}
    assert conference.status == ConferenceStatus.DRAFT
    assert conference.admit_invoiced_members is False
    await db.commit()
    stored = await db.scalar(select(AuditEvent.action).where(AuditEvent.conference_id == conference.id))
    assert stored == "test.written"


async def test_write_pending_refuses_a_column_only_the_database_would_fill(db: AsyncSession) -> None:
    column = Conference.__table__.c.admit_invoiced_members
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(column, "default", None)
        conference = Conference(
            id=uuid.uuid4(), slug="pending-2028", name="Pending", timezone="UTC", venue_name="Hall",
            venue_address="1 Main St", starts_on=date(2028, 5, 1), ends_on=date(2028, 5, 2),
        )  # fmt: skip
        db.add(conference)
        with pytest.raises(ValueError, match="admit_invoiced_members has only a server default"):
            await write_pending(db)
    await db.rollback()
