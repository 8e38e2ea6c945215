"""Every route says who may use it, and the app keeps to it for every role.

The walk below covers every route the app has, including those later domains add: a
public route never asks for credentials; a guarded one answers 401 to nobody and 403 to
a role it does not name; organizers may use everything.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import declared_access
from events_app.accounts.models import ApiToken, Role, User
from events_app.accounts.service import TokenUses
from events_app.app import ROUTE_HANDLERS, create_app
from events_app.db import make_engine
from events_app.settings import Settings
from tests.conftest import Caller, Clock, MakeCaller

SKIPPED_PREFIXES = ("/schema", "/static")


def _routes(app: Litestar) -> list[tuple[str, str, Any]]:
    """(method, concrete path, access) for every handler, path parameters filled with dummies."""
    found = []
    for route in app.routes:
        if route.path.startswith(SKIPPED_PREFIXES):
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                path = re.sub(r"\{(\w+):uuid\}", str(uuid.uuid4()), route.path)
                path = re.sub(r"\{(\w+):int\}", "1", path)
                path = re.sub(r"\{(\w+):(str|path)\}", "no-such-thing", path)
                found.append((method, path, declared_access(handler)))
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


async def _call(client: AsyncTestClient[Litestar], method: str, path: str, caller: Caller | None) -> int:
    headers = {"x-csrftoken": client.cookies.get("csrftoken", "")}
    if caller is not None and path.startswith("/api/"):
        headers |= caller.headers
    response = await client.request(
        method, path, headers=headers, json={} if method in {"POST", "PUT", "PATCH"} else None
    )
    return response.status_code


@pytest.mark.parametrize("role", [None, Role.STAFF, Role.PARTNER, Role.REVIEWER, Role.ORGANIZER])
async def test_every_route_lets_in_exactly_the_roles_it_declares(
    app: Litestar, make_caller: MakeCaller, role: Role | None
) -> None:
    caller = await make_caller(role) if role else None
    wrong: list[str] = []
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        if caller is not None:
            await _login(client, caller)
        else:
            await client.get("/login")  # for the CSRF cookie: forms are refused without it
        for method, path, access in _routes(app):
            status = await _call(client, method, path, caller)
            if path == "/logout" and caller is not None:
                await _login(client, caller)  # signing out is walked too; later pages need the session back
            if access == "public" or (role is not None and role in access):
                expected_ok = status not in {401, 403}
                if not expected_ok:
                    wrong.append(f"{method} {path}: {status}, expected to be let in")
            elif role is None and status != 401 and not (status == 303 and not path.startswith("/api/")):
                wrong.append(f"{method} {path}: {status}, expected 401 for nobody")
            elif role is not None and status != 403:
                wrong.append(f"{method} {path}: {status}, expected 403 for {role}")
    assert wrong == []


def test_a_route_without_an_access_rule_stops_the_app(settings: Settings) -> None:
    @get("/api/forgotten", sync_to_thread=False)
    def forgotten() -> str:
        return "open by accident"

    ROUTE_HANDLERS.append(forgotten)
    try:
        with pytest.raises(RuntimeError, match="/api/forgotten"):
            create_app(settings)
    finally:
        ROUTE_HANDLERS.remove(forgotten)


async def test_a_revoked_token_stops_working_at_once(client: AsyncTestClient[Litestar], organizer: Caller) -> None:
    issued = await client.post(
        "/api/tokens", json={"user_id": str(organizer.user_id), "name": "Door 3 scanner", "role": "staff"},
        headers=organizer.headers,
    )  # fmt: skip
    assert issued.status_code == 201
    device = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert (await client.get("/api/me", headers=device)).json()["role"] == "staff"

    token_id = issued.json()["details"]["id"]
    assert (await client.delete(f"/api/tokens/{token_id}", headers=organizer.headers)).status_code == 200
    refused = await client.get("/api/me", headers=device)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"


async def _refused_within_a_moment(me: Callable[[], Awaitable[httpx.Response]]) -> bool:
    # On PostgreSQL a commit in another process reaches this one's kept tokens by NOTIFY, a moment later.
    for _ in range(50):
        if (await me()).status_code == 401:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_token_revoked_in_one_process_stops_working_in_the_other(
    live_servers: Any, db: AsyncSession, staff: Caller, organizer: Caller
) -> None:
    # Used a moment ago: no use is noted, whose writing down would drop the kept tokens by itself.
    await db.execute(update(ApiToken).values(last_used_at=datetime.now(UTC)))
    await db.commit()
    first, second = live_servers(2)
    token_id = await db.scalar(select(ApiToken.id).where(ApiToken.user_id == staff.user_id))
    async with httpx.AsyncClient(timeout=30) as http:
        assert (await http.get(f"{second.url}/api/me", headers=staff.headers)).status_code == 200  # kept there now
        revoked = await http.delete(f"{first.url}/api/tokens/{token_id}", headers=organizer.headers)
        assert revoked.status_code == 200, revoked.text
        assert await _refused_within_a_moment(lambda: http.get(f"{second.url}/api/me", headers=staff.headers))
        assert (await http.get(f"{second.url}/api/me", headers=organizer.headers)).status_code == 200


async def test_a_deactivated_users_token_stops_working_here(
    client: AsyncTestClient[Litestar], db: AsyncSession, staff: Caller, organizer: Caller
) -> None:
    await db.execute(update(ApiToken).values(last_used_at=datetime.now(UTC)))
    await db.commit()
    assert (await client.get("/api/me", headers=staff.headers)).status_code == 200  # kept by the process now
    # Deactivated through a session of its own, as the back office's page would.
    user = await db.get_one(User, staff.user_id)
    user.active = False
    await db.commit()
    assert await _refused_within_a_moment(lambda: client.get("/api/me", headers=staff.headers))
    assert (await client.get("/api/me", headers=organizer.headers)).status_code == 200


async def test_only_a_hash_of_a_token_is_kept(client: AsyncTestClient[Litestar], organizer: Caller) -> None:
    listed = (await client.get("/api/tokens", headers=organizer.headers)).json()
    assert organizer.token not in str(listed)
    assert all("token" not in item for item in listed)


async def test_an_expired_token_is_refused(client: AsyncTestClient[Litestar], organizer: Caller) -> None:
    past = await client.post(
        "/api/tokens", json={"user_id": str(organizer.user_id), "name": "old", "expires_at": "2020-01-01T00:00:00Z"},
        headers=organizer.headers,
    )  # fmt: skip
    assert past.status_code == 422
    assert past.json()["code"] == "token-expiry-in-past"


async def test_nobody_gets_a_token_above_their_role(
    client: AsyncTestClient[Litestar], organizer: Caller, staff: Caller
) -> None:
    response = await client.post(
        "/api/tokens", json={"user_id": str(staff.user_id), "name": "sneaky", "role": "organizer"},
        headers=organizer.headers,
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["code"] == "token-role-not-allowed"


async def test_a_token_for_one_conference_cannot_touch_another(
    client: AsyncTestClient[Litestar], organizer: Caller, make_caller: MakeCaller
) -> None:
    body = {
        "name": "X", "timezone": "America/Los_Angeles", "venue_name": "Hall", "venue_address": "1 Main St",
        "starts_on": "2027-10-06", "ends_on": "2027-10-08", "status": "published",
    }  # fmt: skip
    first = (await client.post("/api/conferences", json={**body, "slug": "first"}, headers=organizer.headers)).json()
    await client.post("/api/conferences", json={**body, "slug": "second"}, headers=organizer.headers)
    scoped = await make_caller(Role.ORGANIZER, conference_id=uuid.UUID(first["id"]))

    own = await client.patch("/api/conferences/first", json={"name": "Renamed"}, headers=scoped.headers)
    assert own.status_code == 200
    other = await client.patch("/api/conferences/second", json={"name": "Hijacked"}, headers=scoped.headers)
    assert other.status_code == 403
    new = await client.post("/api/conferences", json={**body, "slug": "third"}, headers=scoped.headers)
    assert new.status_code == 403


async def test_a_token_in_steady_use_is_written_down_at_most_once_an_hour(
    client: AsyncTestClient[Litestar], db: AsyncSession, staff: Caller, clock: Clock, settings: Settings
) -> None:
    uses: TokenUses = client.app.state["token_uses"]
    # An engine of the test's own: the app's connections belong to the client's event loop.
    engine = make_engine(settings.database_url)

    async def last_used() -> Any:
        await db.commit()  # a fresh look
        return await db.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == staff.user_id))

    async def use_and_write_down() -> Any:
        assert (await client.get("/api/me", headers=staff.headers)).status_code == 200
        await uses.write_down(engine)
        return await last_used()

    before = clock.now()
    assert (await client.get("/api/me", headers=staff.headers)).status_code == 200
    after = clock.now()
    assert await last_used() is None  # the request itself wrote nothing: its use waits for the round
    first = await use_and_write_down()
    assert before <= first <= after  # the first use's moment, not the write's
    clock.advance(timedelta(minutes=50))  # uses within the hour are not noted again
    assert await use_and_write_down() == first
    clock.advance(timedelta(minutes=20))
    assert await use_and_write_down() > first
    await engine.dispose()


async def test_a_use_noted_by_two_processes_is_written_once(
    client: AsyncTestClient[Litestar], db: AsyncSession, staff: Caller, settings: Settings
) -> None:
    token_id = await db.scalar(select(ApiToken.id).where(ApiToken.user_id == staff.user_id))
    assert token_id is not None
    here, there = TokenUses(), TokenUses()
    moment = datetime.now(UTC)
    here.note(token_id, moment)
    there.note(token_id, moment + timedelta(seconds=1))
    engine = make_engine(settings.database_url)
    try:
        assert await here.write_down(engine) == 1
        assert await there.write_down(engine) == 0  # the other process wrote it first
        assert await here.write_down(engine) == 0  # nothing left to write
    finally:
        await engine.dispose()
    assert await db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id)) == moment


async def test_uses_that_could_not_be_written_wait_for_the_next_round(
    db: AsyncSession, staff: Caller, settings: Settings, tmp_path: Path
) -> None:
    token_id = await db.scalar(select(ApiToken.id).where(ApiToken.user_id == staff.user_id))
    assert token_id is not None
    uses = TokenUses()
    moment = datetime.now(UTC)
    uses.note(token_id, moment)
    unreachable = make_engine(f"sqlite+aiosqlite:///{tmp_path}/no/such/folder.db")
    with pytest.raises(OperationalError):
        await uses.write_down(unreachable)
    await unreachable.dispose()
    uses.note(token_id, moment + timedelta(minutes=1))  # a later use keeps the earlier moment
    engine = make_engine(settings.database_url)
    try:
        assert await uses.write_down(engine) == 1
    finally:
        await engine.dispose()
    assert await db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id)) == moment
