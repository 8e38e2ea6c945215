"""Hostile input is refused at the door with a 400 problem, on every database, before it can reach one.

Found by fuzzing the landed service: a NUL byte made PostgreSQL fail (500), a huge offset
overflowed the driver (500), a name longer than its column failed the INSERT (500), and
``0`` was taken for ``false`` and for 1970-01-01.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Caller
from tests.registration.conftest import World, build_world

CONFERENCE = "/api/conferences/annual-2027"


@pytest.fixture
async def world(db: AsyncSession) -> World:
    built = await build_world(db)
    await db.commit()
    return built


def _order(world: World, **changes: Any) -> dict[str, Any]:
    attendee = {"registration_type_id": str(world.full.id), "first_name": "Ann", "last_name": "Lee",
                "email": "ann@fresno.gov"}  # fmt: skip
    return {"buyer_name": "Ann Lee", "buyer_email": "ann@fresno.gov", "payment_method": "invoice",
            "attendees": [attendee], **changes}  # fmt: skip


def _assert_refused(response: Any, field: str | None = None) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert field in [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    "path",
    [
        f"{CONFERENCE}%00",
        f"{CONFERENCE}/registration/orders?q=%00",
        f"{CONFERENCE}/registration/orders?q=ann%1b%5b2J",
        f"{CONFERENCE}/checkin/lookup?q=a%00b",
    ],
)
async def test_a_control_character_in_the_address_is_refused(
    client: AsyncTestClient[Litestar], organizer: Caller, world: World, path: str
) -> None:
    _assert_refused(await client.get(path, headers=organizer.headers))


@pytest.mark.parametrize("text", ["Ann\u0000Lee", "Ann\u001b[31mLee", "Ann\u007f"])
async def test_a_control_character_in_a_json_text_is_refused(
    client: AsyncTestClient[Litestar], world: World, text: str
) -> None:
    response = await client.post(f"{CONFERENCE}/registration/orders", json=_order(world, buyer_name=text))
    _assert_refused(response, "buyer_name")


async def test_paragraphs_stay_allowed(client: AsyncTestClient[Litestar], world: World) -> None:
    response = await client.post(
        f"{CONFERENCE}/registration/orders", json=_order(world, buyer_organization="City of Fresno\r\n\tClerk")
    )
    assert response.status_code == 201, response.text


async def test_a_nul_in_the_sign_in_form_is_refused(client: AsyncTestClient[Litestar]) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": "ann\x00@fresno.gov", "password": "whatever-it-is"},
        headers={"x-csrftoken": page.cookies.get("csrftoken") or client.cookies.get("csrftoken", "")},
    )
    _assert_refused(response, "email")


@pytest.mark.parametrize(
    "path",
    [
        f"{CONFERENCE}/registration/orders?offset=99999999999999999999",
        f"{CONFERENCE}/registration/orders?offset=4294967296",
        f"{CONFERENCE}/program/releases/4294967296",
    ],
)
async def test_a_number_beyond_32_bits_in_the_address_is_refused(
    client: AsyncTestClient[Litestar], organizer: Caller, world: World, path: str
) -> None:
    assert (await client.get(path, headers=organizer.headers)).status_code == 400


async def test_a_position_beyond_32_bits_is_refused(
    client: AsyncTestClient[Litestar], organizer: Caller, world: World
) -> None:
    response = await client.post(
        f"{CONFERENCE}/program/rooms", json={"name": "Room 101", "position": 2**40}, headers=organizer.headers
    )
    _assert_refused(response, "position")


async def test_a_window_name_longer_than_its_column_is_refused(
    client: AsyncTestClient[Litestar], organizer: Caller, world: World
) -> None:
    body = {"name": "W" * 150, "opens_at": "2027-05-01T16:00:00Z"}
    response = await client.post(f"{CONFERENCE}/expo/windows", json=body, headers=organizer.headers)
    _assert_refused(response, "name")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/expo/windows", {"name": "Opening day", "opens_at": 0}, "opens_at"),
        ("/checkin/stations", {"name": "Door 1", "kind": "entrance", "allow_unpaid": 0}, "allow_unpaid"),
        ("/program/rooms", {"name": "Room 101", "capacity": "120"}, "capacity"),
        ("/program/rooms", {"name": "Room 101", "accessible": "true"}, "accessible"),
    ],
)
async def test_a_value_of_the_wrong_json_type_is_refused(
    client: AsyncTestClient[Litestar], organizer: Caller, world: World, path: str, body: dict[str, Any], field: str
) -> None:
    response = await client.post(f"{CONFERENCE}{path}", json=body, headers=organizer.headers)
    _assert_refused(response, field)
