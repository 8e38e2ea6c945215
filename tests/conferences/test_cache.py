"""Each process keeps its copy of a conference; a change committed anywhere reaches every process's copy."""

from __future__ import annotations

import asyncio

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences import service
from events_app.conferences.models import ConferenceStatus
from events_app.conferences.schemas import ConferencePatch
from tests.checkin.conftest import make_conference
from tests.conftest import Caller


async def _name_becomes(client: AsyncTestClient[Litestar], slug: str, name: str) -> bool:
    # PostgreSQL delivers the change by NOTIFY right after the commit: give it a moment, no more.
    for _ in range(50):
        if (await client.get(f"/api/conferences/{slug}")).json()["name"] == name:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_change_committed_by_another_process_is_seen_at_once(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    conference = await make_conference(db)
    await db.commit()
    assert (await client.get(f"/api/conferences/{conference.slug}")).json()["name"] == conference.name
    # The test's own session stands for another process: it shares only the database with the app.
    await service.update_conference(db, conference=conference, data=ConferencePatch(name="Renamed Conference 2027"))
    await db.commit()
    assert await _name_becomes(client, conference.slug, "Renamed Conference 2027")


async def test_a_rolled_back_change_leaves_the_copy_as_it_was(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    conference = await make_conference(db)
    await db.commit()
    slug, name = conference.slug, conference.name
    assert (await client.get(f"/api/conferences/{slug}")).json()["name"] == name
    await service.update_conference(db, conference=conference, data=ConferencePatch(name="Never Committed"))
    await db.flush()
    await db.rollback()
    assert (await client.get(f"/api/conferences/{slug}")).json()["name"] == name


async def test_a_conference_put_back_to_draft_disappears_for_the_public(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller
) -> None:
    conference = await make_conference(db)
    await db.commit()
    assert (await client.get(f"/api/conferences/{conference.slug}")).status_code == 200
    changed = await client.patch(
        f"/api/conferences/{conference.slug}", json={"status": "draft"}, headers=organizer.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == ConferenceStatus.DRAFT
    assert (await client.get(f"/api/conferences/{conference.slug}")).status_code == 404


async def test_a_second_app_process_sees_the_first_ones_change(
    live_servers: object, db: AsyncSession, organizer: Caller
) -> None:
    conference = await make_conference(db)
    await db.commit()
    first, second = live_servers(2)  # type: ignore[operator]
    async with httpx.AsyncClient(timeout=30) as http:
        assert (await http.get(f"{second.url}/api/conferences/{conference.slug}")).json()["name"] == conference.name
        renamed = await http.patch(
            f"{first.url}/api/conferences/{conference.slug}", json={"name": "Renamed by the first"},
            headers=organizer.headers,
        )  # fmt: skip
        assert renamed.status_code == 200, renamed.text
        for _ in range(50):
            seen = (await http.get(f"{second.url}/api/conferences/{conference.slug}")).json()["name"]
            if seen == "Renamed by the first":
                break
            await asyncio.sleep(0.02)
        assert seen == "Renamed by the first"
