"""A scan the database refuses at COMMIT is not answered as admitted, and nothing of it stays."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.settings import Settings
from tests.checkin.conftest import World, badge_of, nonce
from tests.conftest import RefuseCommits


async def test_a_scan_whose_commit_is_refused_does_not_admit(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, refuse_commits: RefuseCommits
) -> None:
    token = await badge_of(db, settings, world, "maria")
    refusal = await refuse_commits("checkin_scans")
    response = await client.post(
        f"{world.api}/scans", json={"kind": "entry", "nonce": nonce(), "token": token}, headers=world.north.headers
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == refusal.code
    assert await refusal.rows() == 0
