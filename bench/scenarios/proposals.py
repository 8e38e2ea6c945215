"""A committee member's review list with the demo's 300 proposals: the page and its API twin.

The demo call has ~280 submitted proposals over seven committee tracks; the bench reviewer sits
on all seven, so their queue holds every one of them (speakers hidden, conflicts left out). Both
read its first page (the page's 25 rows, the API's default 50) and count the whole queue.
"""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from bench.harness import Bench, Load, Result, run_wrk

EMAIL, PASSWORD = "bench-reviewer@example.test", "bench-reviewer-pass"


async def _prepare(bench: Bench) -> tuple[str, str]:
    """A reviewer on every committee track of the demo call; returns the slug and an API token."""
    from events_app.accounts import service as accounts
    from events_app.accounts.models import Role
    from events_app.conferences.service import find_conference
    from events_app.db import make_engine, make_session_maker
    from events_app.proposals import reviews
    from events_app.proposals.models import Call
    from events_app.proposals.schemas import ReviewerIn

    engine = make_engine(bench.database_url)
    try:
        async with make_session_maker(engine)() as db:
            conference = await find_conference(db, slug="annual-2027")
            user = await accounts.create_user(db, email=EMAIL, name="Bench Reviewer", password=PASSWORD,
                                              role=Role.REVIEWER)  # fmt: skip
            call = (await db.scalars(select(Call).where(Call.conference_id == conference.id))).one()
            for track_id in call.track_ids:
                data = ReviewerIn(user_id=user.id, track_id=uuid.UUID(str(track_id)))
                await reviews.assign_reviewer(db, conference=conference, data=data, actor=None)
            issued = await accounts.issue_token(db, user_id=user.id, name="bench")
            await db.commit()
            return conference.slug, issued.secret
    finally:
        await engine.dispose()


async def _session_cookie(url: str) -> str:
    async with httpx.AsyncClient(base_url=url) as client:
        await client.get("/login")
        signed_in = await client.post(
            "/login", data={"email": EMAIL, "password": PASSWORD, "next": "/"},
            headers={"x-csrftoken": client.cookies.get("csrftoken") or ""},
        )  # fmt: skip
        assert signed_in.status_code in (200, 303), signed_in.text
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


async def measure(bench: Bench, *, seconds: float) -> list[Result]:
    slug, token = await _prepare(bench)
    cookie = await _session_cookie(bench.app.url)
    page = f"/office/c/{slug}/cfp/review"
    api = f"/api/conferences/{slug}/cfp/review"
    async with httpx.AsyncClient(base_url=bench.app.url, timeout=30) as client:
        answer = await client.get(api, headers={"Authorization": f"Bearer {token}"})
    count = answer.json()["total"]
    queue = f"first page, {count} proposals"
    loads = (
        Load(f"GET review list page ({queue})", page, headers={"Cookie": cookie}),
        Load(f"GET review queue API ({queue})", api, headers={"Authorization": f"Bearer {token}"}),
    )
    return [run_wrk(bench.app.url, load, workdir=bench.workdir, seconds=seconds) for load in loads]
