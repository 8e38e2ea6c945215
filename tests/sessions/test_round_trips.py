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

from events_app.sessions import agenda_links
from events_app.sessions.agenda import remove_from_agenda
from events_app.settings import Settings
from tests.conftest import Statements
from tests.sessions.conftest import MakePerson, Person, Program
from tests.sessions.test_feeds import FEEDS, release

API = "/api/conferences/fall-2027/agenda"


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


async def subscribe(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    settings: Settings,
    statements: Statements,
    person: Person,
) -> tuple[str, str]:
    """B1 on the person's released agenda, and its feed polled as a calendar app does: the feed and its ETag.
    The process has read the latest release and the agenda's id by then."""
    await release(db, program, settings)
    await statements.settle()
    await client.post(f"{API}/{person.token}/items", json={"run_id": str(program.sessions["B1"].runs[0].id)})
    feed = f"/c/fall-2027/agenda/{person.token}/agenda.ics"
    etag = (await client.get(feed)).headers["etag"]
    assert (await client.get(feed, headers={"If-None-Match": etag})).status_code == 304
    return feed, etag


async def test_an_agenda_poll_with_a_current_etag_costs_one_statement(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    settings: Settings,
    statements: Statements,
    make_person: MakePerson,
    is_postgres: bool,
) -> None:
    ana = await make_person(program, "Ana")
    feed, etag = await subscribe(client, db, program, settings, statements, ana)
    statements.clear()
    response = await client.get(feed, headers={"If-None-Match": etag})
    assert response.status_code == 304
    # The link's version, the agenda's revision and the stored feed's validators, read together every time.
    assert len(statements) == 1, statements.listing
    # On PostgreSQL outside a transaction: no BEGIN and no ROLLBACK around it.
    assert statements.isolation == ["AUTOCOMMIT" if is_postgres else None]


async def test_an_agenda_change_and_its_view_with_seats_swept_each_run_in_one_transaction(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    settings: Settings,
    statements: Statements,
    make_person: MakePerson,
) -> None:
    ana = await make_person(program, "Ana")
    await release(db, program, settings)
    await statements.settle()
    statements.clear()
    added = await client.post(f"{API}/{ana.token}/items", json={"run_id": str(program.sessions["B1"].runs[0].id)})
    assert added.status_code == 201
    assert statements, "the change wrote nothing"
    assert "AUTOCOMMIT" not in statements.isolation, statements.listing
    statements.clear()
    assert (await client.get(f"{API}/{ana.token}")).status_code == 200
    assert statements, "the view read nothing"
    assert "AUTOCOMMIT" not in statements.isolation, statements.listing


async def test_the_next_agenda_poll_sees_a_change_made_elsewhere(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    settings: Settings,
    statements: Statements,
    make_person: MakePerson,
) -> None:
    ana = await make_person(program, "Ana")
    feed, etag = await subscribe(client, db, program, settings, statements, ana)

    # Taken off through another session, as another app process would: this process hears nothing of it.
    await remove_from_agenda(
        db, conference=program.conference, settings=settings, agenda=ana.agenda, attendee=ana.attendee,
        run_id=program.sessions["B1"].runs[0].id,
    )  # fmt: skip
    await db.commit()
    changed = await client.get(feed, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert b"STATUS:CANCELLED" in changed.content
    assert changed.headers["etag"] != etag

    await agenda_links.issue_agenda_link(
        db, conference=program.conference, settings=settings, attendee_id=ana.attendee.id, actor=None
    )
    await db.commit()
    revoked = await client.get(feed, headers={"If-None-Match": changed.headers["etag"]})
    assert revoked.status_code == 403
    assert revoked.json()["code"] == "agenda-link-revoked"
