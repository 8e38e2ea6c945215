"""A hold or a booking the database refuses at COMMIT is answered as refused, and nothing of it stays."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import RefuseCommits
from tests.expo.conftest import ExpoWorld, MakePartner

Client = AsyncTestClient[Litestar]


async def test_a_hold_whose_commit_is_refused_is_not_answered_201(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, refuse_commits: RefuseCommits
) -> None:
    acme = await make_partner("Acme Paving")
    refusal = await refuse_commits("expo_booth_holds")
    response = await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=acme.headers)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == refusal.code
    assert await refusal.rows() == 0
    public = {b["code"]: b["status"] for b in (await client.get(f"{expo.api}/booths")).json()}
    assert public["101"] == "available"


async def test_a_booking_whose_commit_is_refused_is_not_answered_201(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, refuse_commits: RefuseCommits
) -> None:
    acme = await make_partner("Acme Paving")
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": "201"}, headers=acme.headers)).json()
    refusal = await refuse_commits("expo_booth_bookings")
    response = await client.post(
        f"{expo.api}/holds/{held['id']}/checkout", json={"method": "invoice", "po_number": "PO-7"}, headers=acme.headers
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == refusal.code
    assert await refusal.rows() == 0
    assert (await client.get(f"{expo.api}/bookings", headers=acme.headers)).json() == []
