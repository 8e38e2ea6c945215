"""A draft conference is being set up: only its organizers (and tokens issued for it) find it.

Every route under ``/api/conferences/{slug}`` and ``/c/{slug}`` takes its conference from one
dependency, so the walk below covers each route the app has, including those later domains
add. For everyone else a draft answers exactly as an address where no conference exists.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.models import Role
from events_app.app import ROUTE_HANDLERS, create_app
from events_app.conferences.models import Conference, ConferenceStatus
from events_app.settings import Settings
from tests.conftest import Caller, MakeCaller

NOWHERE = "no-conference-here"


def _conference_routes(app: Litestar) -> list[tuple[str, str]]:
    """(method, path with ``{slug}`` left in) for every route of a conference, other parameters filled."""
    found = []
    for route in app.routes:
        if "{slug:str}" not in route.path:
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                path = re.sub(r"\{(\w+):uuid\}", str(uuid.uuid4()), route.path.replace("{slug:str}", "{slug}"))
                path = re.sub(r"\{(\w+):int\}", "1", path)
                path = re.sub(r"\{(\w+):(str|path)\}", "something", path)
                found.append((method, path))
    return found


async def _login(client: AsyncTestClient[Litestar], caller: Caller) -> None:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": caller.email, "password": caller.password, "next": "/"},
        headers={"x-csrftoken": client.cookies.get("csrftoken", "")},
        follow_redirects=False,
    )
    assert response.status_code == 303


async def _answer(
    client: AsyncTestClient[Litestar], method: str, path: str, caller: Caller | None
) -> tuple[int, str | None]:
    headers = {"x-csrftoken": client.cookies.get("csrftoken", "")}
    if caller is not None and path.startswith("/api/"):
        headers |= caller.headers
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    response = await client.request(method, path, headers=headers, json=body, follow_redirects=False)
    is_problem = response.headers.get("content-type", "").startswith("application/problem+json")
    return response.status_code, response.json().get("code") if is_problem else None


async def _add_conference(db: AsyncSession, slug: str, status: ConferenceStatus) -> Conference:
    conference = Conference(
        slug=slug, name=slug.title(), timezone="America/Los_Angeles", venue_name="Hall", venue_address="1 Main St",
        starts_on=date(2027, 10, 6), ends_on=date(2027, 10, 8), status=status,
    )  # fmt: skip
    db.add(conference)
    await db.commit()
    return conference


@pytest.fixture
async def draft(db: AsyncSession) -> Conference:
    return await _add_conference(db, "draft-2028", ConferenceStatus.DRAFT)


@pytest.mark.parametrize("who", ["nobody", "partner", "staff of another conference", "staff on the scanner"])
async def test_a_draft_answers_as_if_it_did_not_exist(
    app: Litestar, db: AsyncSession, make_caller: MakeCaller, draft: Conference, who: str
) -> None:
    other = await _add_conference(db, "published-2027", ConferenceStatus.PUBLISHED)
    caller = {
        "nobody": None,
        "partner": await make_caller(Role.PARTNER),
        "staff of another conference": await make_caller(Role.STAFF, conference_id=other.id),
        "staff on the scanner": await make_caller(Role.STAFF),
    }[who]
    differ: list[str] = []
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        if caller is not None:
            await _login(client, caller)
        else:
            await client.get("/login")  # the CSRF cookie, so forms are judged on their address, not refused
        for method, path in _conference_routes(app):
            at_draft = await _answer(client, method, path.format(slug=draft.slug), caller)
            at_nowhere = await _answer(client, method, path.format(slug=NOWHERE), caller)
            if at_draft != at_nowhere:
                differ.append(f"{method} {path}: {at_draft} at the draft, {at_nowhere} where none is")
    assert differ == []


async def test_the_draft_is_there_for_its_organizers(
    app: Litestar, db: AsyncSession, organizer: Caller, make_caller: MakeCaller, draft: Conference
) -> None:
    its_station = await make_caller(Role.STAFF, conference_id=draft.id)
    not_found: list[str] = []
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await _login(client, organizer)
        for method, path in _conference_routes(app):
            if path.endswith("/checkin/live"):
                continue  # an endless event stream once let in; the other walks cover its conference rule
            status, code = await _answer(client, method, path.format(slug=draft.slug), organizer)
            if code == "conference-not-found":
                not_found.append(f"{method} {path}: {status}")
        assert not_found == []
        assert (await client.get(f"/c/{draft.slug}")).status_code == 200
        assert (await client.get(f"/api/conferences/{draft.slug}", headers=organizer.headers)).status_code == 200
        stations = await client.get(f"/api/conferences/{draft.slug}/checkin/stations", headers=its_station.headers)
        assert stations.status_code == 200
        listed = await client.get("/api/conferences", headers=organizer.headers)
        assert draft.slug in {c["slug"] for c in listed.json()}


def test_a_conference_route_that_finds_its_conference_by_hand_stops_the_app(settings: Settings) -> None:
    @get("/api/conferences/{slug:str}/forgotten", opt=PUBLIC, sync_to_thread=False)
    def forgotten(slug: FromPath[str]) -> str:
        return f"{slug} without the draft rule"

    ROUTE_HANDLERS.append(forgotten)
    try:
        with pytest.raises(RuntimeError, match="/forgotten"):
            create_app(settings)
    finally:
        ROUTE_HANDLERS.remove(forgotten)
