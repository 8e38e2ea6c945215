"""What a calendar app's poll costs the database, pinned: thousands of subscribers poll every few minutes,
and a current copy must be answered from the validators alone, a full copy from the bytes the process kept."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import Pool

from events_app.settings import Settings
from tests.conftest import Statements
from tests.sessions.conftest import Program
from tests.sessions.test_feeds import FEEDS, release


@contextmanager
def pool_checkouts() -> Iterator[list[object]]:
    """The connections taken from any pool meanwhile: none means no transaction was begun either."""
    checkouts: list[object] = []

    def checkout(*args: object) -> None:
        checkouts.append(args)

    event.listen(Pool, "checkout", checkout)
    try:
        yield checkouts
    finally:
        event.remove(Pool, "checkout", checkout)


async def test_a_poll_with_a_current_etag_reads_nothing_once_its_process_has_seen_the_feed(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, statements: Statements
) -> None:
    await release(db, program, settings)
    await statements.settle()
    etag = (await client.get(f"{FEEDS}/program.ics")).headers["etag"]
    statements.clear()
    response = await client.get(f"{FEEDS}/program.ics", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert len(statements) <= 1, statements.listing  # the validators, once per process and release
    statements.clear()
    with pool_checkouts() as checkouts:
        response = await client.get(f"{FEEDS}/program.ics", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert len(statements) == 0, statements.listing
    assert checkouts == []


async def test_a_full_download_reads_nothing_once_its_process_has_served_the_feed(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings, statements: Statements
) -> None:
    await release(db, program, settings)
    await statements.settle()
    first = await client.get(f"{FEEDS}/program.ics")
    await client.get(f"{FEEDS}/program.ics")  # the validators, once per process and release
    statements.clear()
    with pool_checkouts() as checkouts:
        response = await client.get(f"{FEEDS}/program.ics")
    assert response.status_code == 200
    assert response.content == first.content
    assert response.headers["etag"] == first.headers["etag"]
    assert len(statements) == 0, statements.listing
    assert checkouts == []
