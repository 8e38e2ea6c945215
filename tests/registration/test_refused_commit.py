"""An order the database refuses at COMMIT is answered as refused, and nothing of it stays."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import RefuseCommits
from tests.registration.conftest import World
from tests.registration.test_capacity_and_waitlist import URL, order_json


async def test_an_order_whose_commit_is_refused_is_not_answered_201(
    client: AsyncTestClient[Litestar], world: World, refuse_commits: RefuseCommits
) -> None:
    refusal = await refuse_commits("registration_orders")
    response = await client.post(f"{URL}/orders", json=order_json(world, "a@fresno.gov"))
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == refusal.code
    assert await refusal.rows() == 0


@pytest.mark.postgres_only
async def test_an_order_whose_connection_drops_at_commit_is_answered_503_to_retry(
    client: AsyncTestClient[Litestar], world: World, refuse_commits: RefuseCommits
) -> None:
    refusal = await refuse_commits("registration_orders", drop_connection=True)
    response = await client.post(f"{URL}/orders", json=order_json(world, "a@fresno.gov"))
    assert response.status_code == 503, response.text
    assert response.json()["code"] == refusal.code
    assert int(response.headers["retry-after"]) > 0
    assert await refusal.rows() == 0
