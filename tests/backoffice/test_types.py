"""An organizer changes a registration type's prices, seats and sale window in the back office."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.settings import Settings
from tests.backoffice.conftest import OFFICE, form, place_city_order, sign_in
from tests.conftest import Caller
from tests.registration.conftest import World


async def test_new_prices_and_a_sale_end_in_the_conferences_time_are_saved_and_audited(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    page = (await client.get(f"{OFFICE}/types/{world.full.id}")).text
    assert 'name="member_price" required inputmode="decimal" value="600.00"' in page
    fields = {
        "name": "Full conference",
        "member_price": "650",
        "non_member_price": "1,250.00",
        "sale_ends_at": "2027-10-05T17:00",
        "capacity": "1500",
        "active": "on",
    }
    saved = await client.post(f"{OFFICE}/types/{world.full.id}", data=form(client, **fields))
    assert "The registration type is saved." in saved.text
    assert "$650.00" in saved.text
    await db.refresh(world.full)
    assert (world.full.member_price_cents, world.full.non_member_price_cents) == (65000, 125000)
    assert world.full.early_bird_until is None  # emptied in the form: no early bird any more
    assert world.full.sale_ends_at == datetime(2027, 10, 6, 0, 0, tzinfo=UTC)  # 5 PM in Long Beach
    assert world.full.capacity == 1500
    changed = await db.scalar(select(AuditEvent).where(AuditEvent.action == "registration.type_updated"))
    assert changed is not None
    assert changed.actor == organizer.email


async def test_a_capacity_below_the_seats_taken_comes_back_with_the_reason_and_changes_nothing(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    await place_city_order(db, settings, world)
    await sign_in(client, organizer)
    fields = {"name": "Full conference", "member_price": "1", "non_member_price": "1", "capacity": "1"}
    refused = await client.post(f"{OFFICE}/types/{world.full.id}", data=form(client, **fields))
    assert refused.status_code == 422
    assert "2 seats of Full conference are already taken" in refused.text
    assert 'value="1"' in refused.text  # what was typed, to correct
    bad_price = await client.post(
        f"{OFFICE}/types/{world.full.id}", data=form(client, **{**fields, "capacity": "", "member_price": "six"})
    )
    assert bad_price.status_code == 422
    assert "&#39;six&#39; is not an amount in dollars and cents" in bad_price.text
    await db.refresh(world.full)
    assert (world.full.member_price_cents, world.full.capacity) == (60000, None)


async def test_a_new_type_is_added_with_its_prices_and_a_refused_one_writes_nothing(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    fields = {"name": "Student", "kind": "guest", "member_price": "95", "non_member_price": "95", "active": "on"}
    refused = await client.post(f"{OFFICE}/types", data=form(client, **{**fields, "kind": "vip"}))
    assert refused.status_code == 422
    assert "Not added:" in refused.text
    taken = await client.post(f"{OFFICE}/types", data=form(client, **{**fields, "name": "Guest"}))
    assert taken.status_code == 422
    assert "already has a type named" in taken.text
    added = await client.post(f"{OFFICE}/types", data=form(client, **fields))
    assert "The registration type is saved." in added.text
    assert "$95.00" in added.text
    added_by = select(AuditEvent.actor).where(AuditEvent.action == "registration.type_created")
    assert list(await db.scalars(added_by.where(AuditEvent.actor != "system"))) == [organizer.email]
