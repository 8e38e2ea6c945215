"""The service as a whole: health, the favicon, API docs, problem details, request ids."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event

from events_app.settings import Settings
from tests.conftest import TEST_SECRET, MakeApp


async def test_health_answers_ok_when_the_database_answers(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_health_gives_its_connection_back_to_the_pool(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    pool = app.state["db_engine"].pool
    moves: list[str] = []
    event.listen(pool, "checkout", lambda *_: moves.append("out"))
    event.listen(pool, "checkin", lambda *_: moves.append("in"))
    for _ in range(3):
        assert (await client.get("/health")).status_code == 200
    assert moves == ["out", "in"] * 3


async def test_health_answers_503_when_the_database_is_unreachable(make_app: MakeApp) -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/nothing",
        secret_key=TEST_SECRET,
        log_level="ERROR",
    )
    async with AsyncTestClient(app=make_app(settings)) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "database-unavailable"


async def test_browsers_asking_for_the_favicon_get_one(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header


async def test_api_docs_are_served(client: AsyncTestClient[Litestar]) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["info"]["title"] == "Events service API"
    assert "/api/conferences" in schema["paths"]
    assert (await client.get("/schema")).status_code == 200


async def test_every_answer_carries_a_request_id(client: AsyncTestClient[Litestar]) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "door-3-abc"})
    assert echoed.headers["x-request-id"] == "door-3-abc"
    assert len((await client.get("/health")).headers["x-request-id"]) == 32


async def test_unknown_address_is_a_problem_for_api_clients(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "urn:events-app:problem:not-found"
    assert body["status"] == 404


async def test_unknown_page_is_a_readable_page_for_people(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/c/no-such-conference", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "no-such-conference" in response.text


async def test_an_unreachable_database_is_a_503_problem_not_a_500(make_app: MakeApp) -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/nothing", secret_key=TEST_SECRET, log_level="ERROR"
    )
    async with AsyncTestClient(app=make_app(settings)) as client:
        response = await client.get("/api/conferences")
    assert response.status_code == 503
    assert response.json()["code"] == "service-unavailable"
