"""A seat the database refuses at COMMIT is not answered as reserved, and nothing of it stays."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.settings import Settings
from tests.conftest import RefuseCommits
from tests.sessions.conftest import MakePerson, Program
from tests.sessions.test_agenda import API, publish, run_id


async def test_an_rsvp_whose_commit_is_refused_is_not_answered_201(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    settings: Settings,
    make_person: MakePerson,
    refuse_commits: RefuseCommits,
) -> None:
    await publish(db, program, settings)
    ana = await make_person(program, "Ana")
    refusal = await refuse_commits("program_rsvps")
    response = await client.post(f"{API}/{ana.token}/items", json={"run_id": run_id(program, "T1")})
    assert response.status_code == 409, response.text
    assert response.json()["code"] == refusal.code
    assert await refusal.rows() == 0
    assert (await client.get(f"{API}/{ana.token}")).json()["entries"] == []
