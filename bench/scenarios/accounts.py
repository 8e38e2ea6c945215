"""Signing in on the login page with the right password: CSRF check, throttle look-up, Argon2 in a thread,
a server-side session written."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx

from bench.harness import Bench, Load, RequestLine, Result, run_wrk
from events_app.db import make_engine, make_session_maker

EMAIL = "bench-sign-in@example.test"
PASSWORD = "bench-sign-in-pass"  # noqa: S105 (a throwaway database)


async def _user(database_url: str) -> None:
    from events_app.accounts import service as accounts
    from events_app.accounts.models import Role

    engine = make_engine(database_url)
    try:
        async with make_session_maker(engine)() as db:
            await accounts.create_user(db, email=EMAIL, name="Bench sign-in", password=PASSWORD, role=Role.ORGANIZER)
            await db.commit()
    finally:
        await engine.dispose()


async def measure(bench: Bench, *, seconds: float) -> list[Result]:
    await _user(bench.database_url)
    async with httpx.AsyncClient(base_url=bench.app.url, timeout=30) as client:
        await client.get("/login")
        csrf = client.cookies["csrftoken"]
    body = urlencode({"email": EMAIL, "password": PASSWORD, "next": "/", "_csrf_token": csrf})
    line = RequestLine("POST", "/login", body=body, content_type="application/x-www-form-urlencoded")
    load = Load("POST /login (right password)", "/login", headers={"Cookie": f"csrftoken={csrf}"}, lines=(line,))
    return [run_wrk(bench.app.url, load, workdir=bench.workdir, seconds=seconds)]
