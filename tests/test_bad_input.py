"""Bad input anywhere gets a clear 4xx problem, never a 500: a walk over every route the app has."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.accounts.test_access import _login, _routes
from tests.conftest import Caller

BODY_METHODS = {"POST", "PUT", "PATCH"}

BAD_BODIES = {
    "malformed JSON": {"content": b'{"name": ', "headers": {"content-type": "application/json"}},
    "a list instead of an object": {"json": [1, 2, 3]},
    "wrong types": {"json": {"name": 12, "slug": ["x"], "starts_on": "yesterday", "amount_cents": "ten"}},
    "unknown fields": {"json": {"surprise": True}},
    "not JSON at all": {"content": b"\xff\xfe\x00garbage", "headers": {"content-type": "application/json"}},
}


@pytest.mark.parametrize("bad", list(BAD_BODIES))
async def test_bad_bodies_and_unknown_ids_get_problems_not_500s(app: Litestar, organizer: Caller, bad: str) -> None:
    failures = []
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await _login(client, organizer)
        csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
        for method, path, _access in _routes(app):
            options = BAD_BODIES[bad] if method in BODY_METHODS else {}
            headers = {**csrf, **organizer.headers, **options.get("headers", {})}
            kwargs = {k: v for k, v in options.items() if k != "headers"}
            response = await client.request(method, path, headers=headers, **kwargs)
            if response.status_code >= 500:
                failures.append(f"{method} {path}: {response.status_code}")
            elif response.status_code >= 400 and path.startswith("/api/"):
                if not response.headers.get("content-type", "").startswith("application/problem+json"):
                    failures.append(f"{method} {path}: {response.status_code} without problem+json")
                elif not response.json().get("detail"):
                    failures.append(f"{method} {path}: problem without a sentence for people")
    assert failures == []


async def test_a_validation_problem_names_the_field(client: AsyncTestClient[Litestar], organizer: Caller) -> None:
    response = await client.post(
        "/api/conferences",
        json={"slug": "Not A Slug!", "name": "X", "timezone": "America/Los_Angeles", "venue_name": "V",
              "venue_address": "A", "starts_on": "2027-10-06", "ends_on": "2027-10-08"},
        headers=organizer.headers,
    )  # fmt: skip
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "validation-failed"
    assert [e["field"] for e in problem["errors"]] == ["slug"]
    assert "slug" in problem["detail"]
