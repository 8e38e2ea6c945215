"""The demo conference is complete, the same every time, and seeding twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role, User
from events_app.conferences.models import AssociationGroup, CityEmailDomain, Conference, GroupKind, MemberCity
from events_app.db import Base
from events_app.demo import seed_demo
from tests.conftest import empty_all_tables


async def _counts(db: AsyncSession) -> dict[str, int]:
    return {
        table.name: await db.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


async def test_demo_has_the_association_and_its_cities(db: AsyncSession) -> None:
    await seed_demo(db)
    await db.commit()
    kinds = dict((await db.execute(select(AssociationGroup.kind, func.count()).group_by(AssociationGroup.kind))).all())
    assert kinds == {GroupKind.DIVISION: 16, GroupKind.DEPARTMENT: 9, GroupKind.CAUCUS: 5, GroupKind.COMMITTEE: 7}
    assert await db.scalar(select(func.count()).select_from(MemberCity)) == 480
    assert await db.scalar(select(func.count()).select_from(CityEmailDomain)) == 480
    long_beach = await db.scalar(select(MemberCity).where(MemberCity.name == "Long Beach"))
    assert long_beach is not None
    assert long_beach.division.name == "Los Angeles County"
    annual = await db.scalar(select(Conference).where(Conference.slug == "annual-2027"))
    assert annual is not None
    assert annual.timezone == "America/Los_Angeles"
    # The demo's sign-ins; the call for proposals' committee members are reviewers besides.
    assert await db.scalar(select(func.count()).select_from(User).where(User.role != Role.REVIEWER)) == 3


async def test_seeding_twice_changes_nothing(db: AsyncSession) -> None:
    await seed_demo(db)
    await db.commit()
    first = await _counts(db)
    await seed_demo(db)
    await db.commit()
    assert await _counts(db) == first


async def _cities(db: AsyncSession) -> list[tuple[str, str, bool]]:
    rows = await db.execute(
        select(MemberCity.name, CityEmailDomain.domain, MemberCity.in_good_standing)
        .join(CityEmailDomain)
        .order_by(MemberCity.name)
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def test_the_demo_is_the_same_every_time(db: AsyncSession, database_url: str) -> None:
    await seed_demo(db)
    await db.commit()
    first = await _cities(db)
    assert any(not standing for _name, _domain, standing in first), "some cities should be behind on dues"
    await db.commit()  # end the read transaction: emptying the tables waits for it on PostgreSQL

    await empty_all_tables(database_url)
    await seed_demo(db)
    await db.commit()
    assert await _cities(db) == first
