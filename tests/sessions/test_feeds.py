"""Calendar feeds, read back with an independent parser (``ical``), the way calendar apps poll them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from ical.calendar import Calendar
from ical.calendar_stream import IcsCalendarStream
from ical.event import Event, EventStatus
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.sessions import releases, service
from events_app.sessions.models import FeedCache, SessionStatus
from events_app.sessions.schemas import RoomIn, RunPatch, SessionPatch
from events_app.settings import Settings
from tests.conftest import Clock
from tests.sessions.conftest import Program, add_session, at, make_conference

FEEDS = "/c/fall-2027/feeds"
LA = ZoneInfo("America/Los_Angeles")


def parse(body: bytes) -> Calendar:
    return IcsCalendarStream.calendar_from_ics(body.decode())


def by_uid(calendar: Calendar) -> dict[str, Event]:
    return {e.uid or "": e for e in calendar.events}


async def release(db: AsyncSession, program: Program, settings: Settings) -> None:
    await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    await db.commit()


async def test_conference_feed_is_a_calendar_apps_can_trust(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await release(db, program, settings)
    response = await client.get(f"{FEEDS}/program.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    text = response.text
    assert "X-WR-CALNAME:Fall Conference 2027" in text
    assert "NAME:Fall Conference 2027" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
    assert "X-PUBLISHED-TTL:PT1H" in text

    calendar = parse(response.content)
    events = by_uid(calendar)
    keynote_run = program.sessions["K1"].runs[0]
    keynote = events[f"{keynote_run.id}@testserver.local"]
    assert keynote.summary == "Opening keynote"
    assert keynote.dtstart == datetime(2027, 10, 6, 9, tzinfo=LA)
    assert keynote.dtstart.tzinfo is not None
    assert str(keynote.dtstart.tzinfo) == "America/Los_Angeles"
    assert keynote.location == "Hall A, Harbor Convention Center"
    assert keynote.description is not None
    assert "Maria Lopez, Mayor, City of Fresno (keynote)" in keynote.description
    assert f"/c/fall-2027/program/sessions/{program.sessions['K1'].id}" in keynote.description
    assert keynote.sequence == 0
    assert keynote.status == EventStatus.CONFIRMED
    # The tour runs twice: two events, two UIDs.
    assert sum(1 for e in calendar.events if e.summary == "Port electrification tour") == 2
    # The VTIMEZONE covers only the conference's days, not 1970-2038.
    (zone,) = calendar.timezones
    assert zone.tz_id == "America/Los_Angeles"
    assert "2038" not in text
    assert "1970" not in text


async def test_moves_and_cancellations_reach_subscribers_as_updates_not_new_events(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    program: Program,
    settings: Settings,
    clock: Clock,
) -> None:
    conference = program.conference
    # Release 1 went out yesterday, so its revisions are told apart from today's.
    clock.advance(-timedelta(days=1))
    await release(db, program, settings)
    clock.advance(timedelta(days=1))
    first = by_uid(parse((await client.get(f"{FEEDS}/program.ics")).content))
    b1, b2, t1, k1 = (program.sessions[c] for c in ("B1", "B2", "T1", "K1"))
    uid = {code: f"{program.sessions[code].runs[0].id}@testserver.local" for code in ("B1", "B2", "K1")}
    tour_day_three = f"{t1.runs[1].id}@testserver.local"

    await service.update_run(db, conference=conference, run=b1.runs[0],
                             data=RunPatch(starts_at=at(6, 14), ends_at=at(6, 15)), actor=None)  # fmt: skip
    await service.update_session(db, conference=conference, session=b2,
                                 data=SessionPatch(title="Budgeting for wildfire season"), actor=None)  # fmt: skip
    await service.update_session(db, conference=conference, session=k1,
                                 data=SessionPatch(status=SessionStatus.CANCELLED), actor=None)  # fmt: skip
    await service.remove_run(db, conference=conference, run=t1.runs[1], actor=None)
    await release(db, program, settings)
    second = by_uid(parse((await client.get(f"{FEEDS}/program.ics")).content))

    assert set(second) == set(first)  # nothing vanished, nothing duplicated
    moved = second[uid["B1"]]
    assert moved.dtstart == datetime(2027, 10, 6, 14, tzinfo=LA)
    assert moved.sequence == 1
    assert moved.last_modified is not None
    assert first[uid["B1"]].last_modified is not None
    assert moved.last_modified > first[uid["B1"]].last_modified
    assert moved.dtstamp == moved.last_modified
    retitled = second[uid["B2"]]
    assert retitled.summary == "Budgeting for wildfire season"
    assert retitled.sequence == 0  # same time and place: no new sequence, but a new revision
    assert retitled.last_modified == moved.last_modified
    for cancelled in (uid["K1"], tour_day_three):
        assert second[cancelled].status == EventStatus.CANCELLED
        assert second[cancelled].sequence == 1
    untouched = f"{t1.runs[0].id}@testserver.local"
    assert second[untouched].sequence == 0
    assert second[untouched].last_modified == first[untouched].last_modified
    assert second[untouched].dtstamp == first[untouched].dtstamp


async def test_track_speaker_and_room_feeds_hold_their_own_sessions(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await release(db, program, settings)
    track = parse((await client.get(f"{FEEDS}/tracks/housing.ics")).content)
    assert [e.summary for e in track.events] == ["Housing elements that pass"]
    speaker = parse((await client.get(f"{FEEDS}/speakers/{program.speakers['Dan Wu'].id}.ics")).content)
    assert sorted(e.summary or "" for e in speaker.events) == [
        "Budgeting for fire season",
        "Housing elements that pass",
    ]
    room = parse((await client.get(f"{FEEDS}/rooms/{program.rooms['Port of Long Beach'].id}.ics")).content)
    assert {e.summary for e in room.events} == {"Port electrification tour"}
    assert (await client.get(f"{FEEDS}/tracks/nothing.ics")).status_code == 404
    assert (await client.get(f"{FEEDS}/rooms/not-a-uuid.ics")).status_code == 404


async def test_an_empty_feed_is_still_a_valid_calendar(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    empty_room = await service.create_room(
        db, conference=program.conference, data=RoomIn(name="Quiet room"), actor=None
    )
    await release(db, program, settings)
    response = await client.get(f"{FEEDS}/rooms/{empty_room.id}.ics")
    assert response.status_code == 200
    calendar = parse(response.content)
    assert calendar.events == []
    assert [z.tz_id for z in calendar.timezones] == ["America/Los_Angeles"]


async def test_polls_get_304_and_one_build_serves_every_poll(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await release(db, program, settings)
    first = await client.get(f"{FEEDS}/program.ics")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    # Public and cacheable by proxies, which keep no answer that sets a cookie (nor should they).
    assert first.headers["cache-control"].startswith("public")
    assert "set-cookie" not in first.headers
    again = await client.get(f"{FEEDS}/program.ics")
    assert again.headers["etag"] == etag
    assert again.content == first.content
    assert (await client.get(f"{FEEDS}/program.ics", headers={"If-None-Match": etag})).status_code == 304
    assert (await client.get(f"{FEEDS}/program.ics", headers={"If-Modified-Since": modified})).status_code == 304
    assert (await client.get(f"{FEEDS}/program.ics", headers={"If-None-Match": '"other"'})).status_code == 200
    cached = await db.scalar(select(FeedCache).where(FeedCache.key == "conference"))
    assert cached is not None
    assert cached.version == "release-1@http://testserver.local"
    assert cached.etag == etag.replace("-gzip", "")  # the test client takes gzip

    await service.update_run(db, conference=program.conference, run=program.sessions["B1"].runs[0],
                             data=RunPatch(starts_at=at(6, 14), ends_at=at(6, 15)), actor=None)  # fmt: skip
    await db.commit()
    # Edits to the working copy do not touch what subscribers see until the release.
    assert (await client.get(f"{FEEDS}/program.ics", headers={"If-None-Match": etag})).status_code == 304
    await release(db, program, settings)
    changed = await client.get(f"{FEEDS}/program.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert await db.scalar(select(func.count()).select_from(FeedCache)) == 1


async def test_the_feed_does_not_depend_on_when_it_was_built(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await release(db, program, settings)
    first = await client.get(f"{FEEDS}/program.ics")
    await db.execute(FeedCache.__table__.delete())
    await db.commit()
    rebuilt = await client.get(f"{FEEDS}/program.ics")
    assert rebuilt.content == first.content
    assert rebuilt.headers["etag"] == first.headers["etag"]


async def test_times_stay_right_across_a_daylight_saving_change(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings
) -> None:
    # November 7, 2027 at 2:00 Pacific Daylight Time the clocks go back.
    conference = await make_conference(db, slug="dst-2027", starts=date(2027, 11, 6), ends=date(2027, 11, 8))
    program = Program(conference=conference)
    program.rooms["Hall A"] = await service.create_room(
        db, conference=conference, data=RoomIn(name="Hall A"), actor=None
    )
    await add_session(db, program, "S1", "Saturday", ("Hall A", datetime(2027, 11, 6, 9), datetime(2027, 11, 6, 10)))
    await add_session(db, program, "S2", "Monday", ("Hall A", datetime(2027, 11, 8, 9), datetime(2027, 11, 8, 10)))
    await releases.release_schedule(db, conference=conference, settings=settings, actor=None)
    await db.commit()
    calendar = parse((await client.get("/c/dst-2027/feeds/program.ics")).content)
    starts = {e.summary: e.dtstart for e in calendar.events}
    assert isinstance(starts["Saturday"], datetime)
    assert isinstance(starts["Monday"], datetime)
    assert starts["Saturday"].astimezone(UTC) == datetime(2027, 11, 6, 16, tzinfo=UTC)  # UTC-7
    assert starts["Monday"].astimezone(UTC) == datetime(2027, 11, 8, 17, tzinfo=UTC)  # UTC-8
    (zone,) = calendar.timezones
    offsets = {r.tz_offset_to.offset for r in [*zone.daylight, *zone.standard]}
    assert offsets == {timedelta(hours=-7), timedelta(hours=-8)}


async def test_calendar_apps_that_take_gzip_get_it_with_validators_of_its_own(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await release(db, program, settings)
    plain = await client.get(f"{FEEDS}/program.ics", headers={"Accept-Encoding": "identity"})
    packed = await client.get(f"{FEEDS}/program.ics", headers={"Accept-Encoding": "gzip;q=1.0, *;q=0"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < int(plain.headers["content-length"]) // 3
    assert packed.content == plain.content  # as the client reads it, once decoded
    assert plain.headers["vary"] == packed.headers["vary"] == "Accept-Encoding"
    assert plain.headers["last-modified"] == packed.headers["last-modified"]
    assert plain.headers["etag"] != packed.headers["etag"]
    # A client's copy is current only in the encoding it would get now.
    for encoding, etag, status in [
        ("gzip", packed.headers["etag"], 304),
        ("identity", plain.headers["etag"], 304),
        ("gzip", plain.headers["etag"], 200),
        ("gzip;q=0", packed.headers["etag"], 200),
    ]:
        again = await client.get(f"{FEEDS}/program.ics", headers={"Accept-Encoding": encoding, "If-None-Match": etag})
        assert again.status_code == status, (encoding, etag)
        assert again.headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize("path", ["/c/fall-2027/feeds/program.ics", "/api/conferences/fall-2027/schedule"])
async def test_nothing_is_published_before_the_first_release(
    client: AsyncTestClient[Litestar], program: Program, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "program-not-published"


async def test_calendar_apps_and_link_checkers_may_ask_head_first(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await release(db, program, settings)
    full = await client.get(f"{FEEDS}/program.ics")
    head = await client.head(f"{FEEDS}/program.ics")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == full.headers["etag"]
    assert head.headers["content-length"] == full.headers["content-length"]
    assert (await client.head("/c/fall-2027/program")).status_code == 200
