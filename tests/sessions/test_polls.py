"""Calendar apps' polls answered from what the process keeps (``sessions.polls``): the same answers the
handler gives, never for a draft's feed, and gone with a release or a conference taken back to draft."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import ConferenceStatus
from events_app.sessions import feed_pages, service
from events_app.sessions.schemas import RunPatch
from events_app.settings import Settings
from tests.backoffice.conftest import sign_in
from tests.conftest import Caller, Statements
from tests.sessions.conftest import Program, at
from tests.sessions.test_feeds import FEEDS, release

PLAIN = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def handler_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The feeds the handler was asked for: a poll answered before it is not among them."""
    calls: list[str] = []
    build = feed_pages.program_feed

    async def counted(*args: object, **kwargs: object) -> object:
        calls.append(f"{kwargs['kind']}:{kwargs['ident']}")
        return await build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(feed_pages, "program_feed", counted)
    return calls


def _as_sent(response: Response) -> tuple[int, dict[str, str], bytes]:
    headers = {name: value for name, value in response.headers.items() if name != "x-request-id"}
    return response.status_code, headers, response.content


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (f"{FEEDS}/program.ics", PLAIN),
        (f"{FEEDS}/program.ics", GZIP),
        (f"{FEEDS}/tracks/housing.ics", GZIP),
    ],
)
async def test_a_kept_feed_is_answered_as_its_handler_answers_it(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    settings: Settings,
    statements: Statements,
    handler_calls: list[str],
    path: str,
    headers: dict[str, str],
) -> None:
    await release(db, program, settings)
    await client.get(path, headers=headers)  # built, and its validators read once more by the next
    by_handler = await client.get(path, headers=headers)
    etag = by_handler.headers["etag"]
    current = {**headers, "If-None-Match": etag}
    await statements.settle()  # the validators are forgotten, so the handler answers the first poll again
    current_by_handler = await client.get(path, headers=current)
    handled = len(handler_calls)

    kept = await client.get(path, headers=headers)
    current_kept = await client.get(path, headers=current)
    head_kept = await client.head(path, headers=headers)

    assert len(handler_calls) == handled
    assert by_handler.status_code == 200
    assert current_by_handler.status_code == 304
    assert _as_sent(kept) == _as_sent(by_handler)
    assert _as_sent(current_kept) == _as_sent(current_by_handler)
    assert _as_sent(head_kept)[:2] == _as_sent(by_handler)[:2]
    assert head_kept.content == b""


async def test_a_poll_with_a_query_or_of_another_feed_goes_to_the_handler(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, handler_calls: list[str]
) -> None:
    await release(db, program, settings)
    for _ in range(2):
        await client.get(f"{FEEDS}/program.ics")
    handler_calls.clear()
    assert (await client.get(f"{FEEDS}/program.ics?refresh=1")).status_code == 200
    assert (await client.get(f"{FEEDS}/tracks/housing.ics")).status_code == 200
    assert (await client.get(f"{FEEDS}/tracks/nothing-here.ics")).status_code == 404
    assert handler_calls == ["conference:", "track:housing", "track:nothing-here"]


async def test_a_conference_taken_back_to_draft_stops_answering_polls_at_once(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, statements: Statements
) -> None:
    await release(db, program, settings)
    etag = (await client.get(f"{FEEDS}/program.ics")).headers["etag"]
    assert (await client.get(f"{FEEDS}/program.ics", headers={"If-None-Match": etag})).status_code == 304
    program.conference.status = ConferenceStatus.DRAFT
    await db.commit()
    await statements.settle()
    refused = await client.get(f"{FEEDS}/program.ics", headers={"If-None-Match": etag})
    assert refused.status_code == 404
    assert refused.json()["code"] == "conference-not-found"


async def test_a_drafts_feed_an_organizer_previewed_is_not_answered_to_anyone_else(
    app: Litestar, db: AsyncSession, program: Program, settings: Settings, organizer: Caller
) -> None:
    program.conference.status = ConferenceStatus.DRAFT
    await db.commit()
    await release(db, program, settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as preview:
        await sign_in(preview, organizer)
        etag = (await preview.get(f"{FEEDS}/program.ics")).headers["etag"]
        assert (await preview.get(f"{FEEDS}/program.ics", headers={"If-None-Match": etag})).status_code == 304
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as anyone:
        for headers in ({"If-None-Match": etag}, {}):
            refused = await anyone.get(f"{FEEDS}/program.ics", headers=headers)
            assert refused.status_code == 404
            assert refused.json()["code"] == "conference-not-found"


async def test_a_release_through_one_process_reaches_the_polls_another_answers_early(
    live_servers: object, db: AsyncSession, program: Program, settings: Settings, organizer: Caller
) -> None:
    await release(db, program, settings)
    first, second = live_servers(2)  # type: ignore[operator]
    feed = f"{second.url}{FEEDS}/program.ics"
    async with httpx.AsyncClient(timeout=30, headers=PLAIN) as http:
        etag = (await http.get(feed)).headers["etag"]
        for _ in range(2):  # the second poll is answered from what the process keeps
            assert (await http.get(feed, headers={"If-None-Match": etag})).status_code == 304
        run = program.sessions["B1"].runs[0]
        await service.update_run(db, conference=program.conference, run=run,
                                 data=RunPatch(starts_at=at(6, 14), ends_at=at(6, 15)), actor=None)  # fmt: skip
        await db.commit()
        released = await http.post(
            f"{first.url}/api/conferences/fall-2027/program/releases", json={}, headers=organizer.headers
        )
        assert released.status_code == 201, released.text
        # PostgreSQL tells the other process by NOTIFY right after the commit: a moment, no more.
        for _ in range(50):
            answer = await http.get(feed, headers={"If-None-Match": etag})
            if answer.status_code == 200:
                break
            await asyncio.sleep(0.02)
        assert answer.status_code == 200
        assert answer.headers["etag"] != etag
