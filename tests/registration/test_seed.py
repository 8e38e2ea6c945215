"""The demo conference's registration: realistic, repeatable, and safe to seed twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.demo import seed_demo
from events_app.registration.models import Attendee, Order, OrderStatus, Rate, RegistrationType
from events_app.settings import get_settings
from tests.conftest import TEST_SECRET


@pytest.fixture
def demo_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("EVENTS_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("EVENTS_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_the_demo_has_about_1500_attendees_and_seeding_again_changes_nothing(
    db: AsyncSession, demo_environment: None
) -> None:
    await seed_demo(db)
    await db.commit()
    attendees = await db.scalar(select(func.count()).select_from(Attendee))
    assert attendees is not None
    assert 1450 <= attendees <= 1600
    rates = Counter(await db.scalars(select(Attendee.rate)))
    assert rates[Rate.MEMBER] > rates[Rate.NON_MEMBER] > 50
    statuses = Counter(await db.scalars(select(Order.status)))
    assert statuses[OrderStatus.INVOICED] > 20
    assert 0 < statuses[OrderStatus.CANCELLED] < 40
    full = await db.scalar(select(RegistrationType).where(RegistrationType.name == "Full conference"))
    assert full is not None
    assert full.member_price_cents == 59500
    assert full.non_member_price_cents == 119500
    numbers = set(await db.scalars(select(Order.number)))

    await seed_demo(db)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(Attendee)) == attendees
    assert set(await db.scalars(select(Order.number))) == numbers
