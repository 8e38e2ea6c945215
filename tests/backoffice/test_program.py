"""An organizer builds and publishes the program in the back office: rooms, tracks, speakers, sessions and
runs, the schedule grid with its checks, a release previewed then published, and imports that write all or nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.core.mail import OutboxMail
from events_app.sessions import releases, service
from events_app.sessions.models import (
    ProgramSession,
    Room,
    SessionRun,
    SessionStatus,
    SessionType,
    Speaker,
    SpeakerRole,
    Track,
)
from events_app.sessions.schemas import (
    RoomIn,
    RunIn,
    RunPatch,
    SessionIn,
    SpeakerIn,
    SpeakerLink,
    SpeakerPatch,
    TrackIn,
    Window,
)
from events_app.settings import Settings
from tests.backoffice.conftest import OFFICE, form, sign_in
from tests.conftest import Caller
from tests.registration.conftest import World
from tests.sessions.conftest import at

PROGRAM = f"{OFFICE}/program"


@dataclass
class Program:
    hall: Room
    annex: Room
    housing: Track
    maria: Speaker
    keynote: ProgramSession
    breakout: ProgramSession


async def build_program(db: AsyncSession, world: World) -> Program:
    """Two rooms, a track, a speaker free only on the first morning, a keynote and a breakout, committed."""
    conference = world.conference
    hall = await service.create_room(db, conference=conference, data=RoomIn(name="Hall A", capacity=800), actor=None)
    annex = await service.create_room(db, conference=conference, data=RoomIn(name="Annex", capacity=40), actor=None)
    housing, _ = await service.create_track(
        db, conference=conference, data=TrackIn(slug="housing", name="Housing"), actor=None
    )
    maria = await service.create_speaker(
        db,
        conference=conference,
        data=SpeakerIn(name="Maria Lopez", email="mlopez@example.test", availability=[]),
        actor=None,
    )
    keynote = await service.create_session(
        db,
        conference=conference,
        data=SessionIn(
            code="K1", title="Opening keynote", type=SessionType.KEYNOTE, status=SessionStatus.CONFIRMED,
            speakers=[SpeakerLink(speaker_id=maria.id, role=SpeakerRole.KEYNOTE)],
            runs=[RunIn(room_id=hall.id, starts_at=at(6, 9), ends_at=at(6, 10))],
        ),
        actor=None,
    )  # fmt: skip
    breakout = await service.create_session(
        db,
        conference=conference,
        data=SessionIn(
            code="B1", title="Housing elements that pass", type=SessionType.BREAKOUT, status=SessionStatus.CONFIRMED,
            track_id=housing.id, runs=[RunIn(room_id=annex.id, starts_at=at(6, 10, 30), ends_at=at(6, 11, 30))],
        ),
        actor=None,
    )  # fmt: skip
    await db.commit()
    return Program(hall, annex, housing, maria, keynote, breakout)


@pytest.fixture
async def program(db: AsyncSession, world: World) -> Program:
    return await build_program(db, world)


async def _actions(db: AsyncSession, prefix: str) -> list[str]:
    return list(await db.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith(prefix))))


async def test_a_room_is_added_edited_and_deleted_only_after_asking(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller, program: Program
) -> None:
    await sign_in(client, organizer)
    added = await client.post(
        f"{PROGRAM}/rooms",
        data=form(client, name="Room 101", capacity="60", floor="Level 1", accessible="on", opens_at="08:00",
                  closes_at="18:00", position="2"),
    )  # fmt: skip
    assert "The room is saved." in added.text
    room = await db.scalar(select(Room).where(Room.name == "Room 101"))
    assert room is not None
    assert room.capacity == 60
    assert room.accessible
    assert not room.off_site
    assert str(room.opens_at) == "08:00:00"

    closes_first = await client.post(
        f"{PROGRAM}/rooms/{room.id}",
        data=form(client, name="Room 101", opens_at="18:00", closes_at="08:00", position="2"),
    )
    assert closes_first.status_code == 422
    assert "A room must close after it opens." in closes_first.text
    assert 'value="18:00"' in closes_first.text  # as typed, to correct

    asked = await client.post(f"{PROGRAM}/rooms/{room.id}/delete", data=form(client))
    assert "Delete the room Room 101?" in asked.text
    await db.refresh(room)  # still there: asking deleted nothing
    deleted = await client.post(f"{PROGRAM}/rooms/{room.id}/delete", data=form(client, confirmed="yes"))
    assert "The room is deleted." in deleted.text
    assert await db.scalar(select(func.count()).select_from(Room).where(Room.id == room.id)) == 0

    in_use = await client.post(f"{PROGRAM}/rooms/{program.hall.id}/delete", data=form(client, confirmed="yes"))
    assert in_use.status_code == 409
    assert "Hall A is the room of 1 run(s)" in in_use.text
    actions = await _actions(db, "program.room.")
    assert actions.count("program.room.deleted") == 1
    assert "program.room.created" in actions


async def test_deleting_a_track_asks_naming_its_sessions_and_leaves_them_trackless(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller, program: Program
) -> None:
    await sign_in(client, organizer)
    taken = await client.post(f"{PROGRAM}/tracks", data=form(client, slug="housing", name="Again", color="#112233"))
    assert taken.status_code == 409
    assert "already has a track &#39;housing&#39;" in taken.text
    asked = await client.post(f"{PROGRAM}/tracks/{program.housing.id}/delete", data=form(client))
    assert "1 session(s) of it stay, with no track." in asked.text
    done = await client.post(f"{PROGRAM}/tracks/{program.housing.id}/delete", data=form(client, confirmed="yes"))
    assert "The track is deleted" in done.text
    await db.refresh(program.breakout)
    assert program.breakout.track_id is None
    assert await _actions(db, "program.track.deleted") == ["program.track.deleted"]


async def test_a_speakers_availability_is_typed_in_local_time_and_a_bad_line_is_named(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller, program: Program
) -> None:
    await sign_in(client, organizer)
    fields = {"name": "Maria Lopez", "email": "mlopez@example.test", "availability": "2027-10-06 08:00 to 12:00"}
    saved = await client.post(f"{PROGRAM}/speakers/{program.maria.id}", data=form(client, **fields))
    assert "The speaker is saved." in saved.text
    await db.refresh(program.maria)
    [window] = program.maria.availability
    assert (window.starts_at.hour, window.ends_at.hour) == (15, 19)  # 8 AM to noon in Long Beach, in UTC
    bad = await client.post(
        f"{PROGRAM}/speakers/{program.maria.id}", data=form(client, **{**fields, "availability": "Wednesday morning"})
    )
    assert bad.status_code == 422
    assert "Availability line 1" in bad.text
    new = await client.post(f"{PROGRAM}/speakers", data=form(client, name="Dan Wu", email="not-an-email"))
    assert new.status_code == 422
    assert await db.scalar(select(func.count()).select_from(Speaker).where(Speaker.name == "Dan Wu")) == 0


async def test_a_session_is_created_with_speakers_then_scheduled_moved_and_taken_off(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller, program: Program
) -> None:
    await sign_in(client, organizer)
    created = await client.post(
        f"{PROGRAM}/sessions",
        data=form(client, code="W1", title="Budget workshop", type="workshop", status="confirmed", credit_hours="1.5",
                  tags="finance, budget", track_id=str(program.housing.id), speaker=[str(program.maria.id), ""],
                  role=["moderator", "presenter"]),
    )  # fmt: skip
    assert "The session is saved." in created.text
    session = await db.scalar(select(ProgramSession).where(ProgramSession.code == "W1"))
    assert session is not None
    assert session.tags == ["finance", "budget"]
    assert [(x.speaker_id, x.role) for x in session.speakers] == [(program.maria.id, SpeakerRole.MODERATOR)]

    scheduled = await client.post(
        f"{PROGRAM}/sessions/{session.id}/runs",
        data=form(client, room_id=str(program.annex.id), starts_at="2027-10-06T13:00", ends_at="2027-10-06T14:00"),
    )
    assert "The run is saved." in scheduled.text
    run = await db.scalar(select(SessionRun).where(SessionRun.session_id == session.id))
    assert run is not None
    assert run.starts_at.hour == 20

    backwards = await client.post(
        f"{PROGRAM}/runs/{run.id}",
        data=form(client, room_id=str(program.hall.id), starts_at="2027-10-06T15:00", ends_at="2027-10-06T14:00"),
    )
    assert backwards.status_code == 422
    assert "A run must end after it starts." in backwards.text
    moved = await client.post(
        f"{PROGRAM}/runs/{run.id}",
        data=form(client, room_id=str(program.hall.id), starts_at="2027-10-06T15:00", ends_at="2027-10-06T16:00"),
    )
    assert "The run is saved." in moved.text
    await db.refresh(run)
    assert (run.room_id, run.starts_at.hour) == (program.hall.id, 22)

    asked = await client.post(f"{PROGRAM}/runs/{run.id}/remove", data=form(client))
    assert "Take off the run W1 at 2027-10-06 15:00?" in asked.text
    removed = await client.post(f"{PROGRAM}/runs/{run.id}/remove", data=form(client, confirmed="yes"))
    assert "taken off the program" in removed.text
    await db.refresh(run)
    assert run.removed
    assert sorted(await _actions(db, "program.run.")) == [
        "program.run.added",
        "program.run.removed",
        "program.run.updated",
    ]


async def test_the_session_list_filters_by_track_and_words(
    client: AsyncTestClient[Litestar], organizer: Caller, program: Program
) -> None:
    await sign_in(client, organizer)
    by_track = await client.get(f"{PROGRAM}/sessions", params={"track": str(program.housing.id)})
    assert "Housing elements that pass" in by_track.text
    assert "Opening keynote" not in by_track.text
    by_words = await client.get(f"{PROGRAM}/sessions", params={"q": "keynote"})
    assert "1 session." in by_words.text
    assert "Opening keynote" in by_words.text


async def test_the_grid_places_runs_by_time_and_shows_a_double_booking_on_its_cell(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller, program: Program
) -> None:
    await service.update_speaker(
        db, conference=world.conference, speaker=program.maria,
        data=SpeakerPatch(availability=[Window(starts_at=at(7, 8), ends_at=at(7, 12))]),
        actor=None,
    )  # fmt: skip
    await service.add_run(
        db, conference=world.conference, session=program.breakout,
        data=RunIn(room_id=program.hall.id, starts_at=at(6, 9, 30), ends_at=at(6, 10, 30)), actor=None,
    )  # fmt: skip
    await db.commit()
    await sign_in(client, organizer)
    page = (await client.get(f"{PROGRAM}/grid", params={"day": "2027-10-06"})).text
    assert "Schedule grid, Wednesday October 6" in page
    # The keynote (9:00-10:00) and the breakout's second run (9:30-10:30) share Hall A's cell from 9:00 down 6 rows.
    cell = page.split('rowspan="6" class="placed hard"', 1)[1].split("</td>", 1)[0]
    assert "K1 Opening keynote" in cell
    assert "B1 Housing elements that pass" in cell
    assert "Conflict:</strong> Hall A is double-booked" in cell
    assert "Maria Lopez is not available for K1" in cell
    # A run's own cell starts at its quarter hour: the breakout in the Annex at 10:30 spans 4 rows.
    assert 'rowspan="4" class="placed"' in page
    quiet = (await client.get(f"{PROGRAM}/grid", params={"day": "2027-10-08"})).text
    assert "Nothing is scheduled on this day." in quiet


async def test_the_release_page_previews_changes_and_who_is_mailed_then_publishes(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    settings: Settings,
    world: World,
    organizer: Caller,
    program: Program,
) -> None:
    await releases.release_schedule(db, conference=world.conference, settings=settings, actor=None)
    [run] = program.keynote.runs
    await service.update_run(
        db, conference=world.conference, run=run, data=RunPatch(starts_at=at(6, 11), ends_at=at(6, 12)),
        actor=None,
    )  # fmt: skip
    await db.commit()
    mails_before = await db.scalar(select(func.count()).select_from(OutboxMail)) or 0
    await sign_in(client, organizer)
    preview = await client.get(f"{PROGRAM}/release")
    assert "Release 2 of the program" in preview.text
    assert "K1 Opening keynote: moved from Wed Oct 6, 9:00 AM (Hall A) to Wed Oct 6, 11:00 AM (Hall A)" in preview.text
    assert "1 speaker and 0 attendees" in preview.text
    assert "Maria Lopez &lt;mlopez@example.test&gt;: 1 change" in preview.text
    assert await db.scalar(select(func.count()).select_from(OutboxMail)) == mails_before  # a preview sends nothing

    published = await client.post(f"{PROGRAM}/release", data=form(client, note="Keynote moved to 11"))
    assert "Release 2 is published." in published.text
    assert await releases.latest_release_number(db, conference=world.conference) == 2
    assert await db.scalar(select(func.count()).select_from(OutboxMail)) == mails_before + 1
    assert (await _actions(db, "program.released")).count("program.released") == 2
    again = await client.post(f"{PROGRAM}/release", data=form(client))
    assert again.status_code == 409
    assert "Nothing changed since the last release." in again.text


async def test_a_double_booking_blocks_the_release_on_the_page(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller, program: Program
) -> None:
    await service.add_run(
        db, conference=world.conference, session=program.breakout,
        data=RunIn(room_id=program.hall.id, starts_at=at(6, 9, 30), ends_at=at(6, 10, 30)), actor=None,
    )  # fmt: skip
    await db.commit()
    await sign_in(client, organizer)
    preview = await client.get(f"{PROGRAM}/release")
    assert "Conflicts that block the release (1)" in preview.text
    refused = await client.post(f"{PROGRAM}/release", data=form(client))
    assert refused.status_code == 409
    assert "hard conflict" in refused.text
    assert await releases.latest_release_number(db, conference=world.conference) is None


async def test_an_import_with_a_bad_row_lists_it_by_number_and_writes_nothing(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller, program: Program
) -> None:
    await sign_in(client, organizer)
    csv_text = (
        "code,title,type,room,starts_at,ends_at\n"
        "C1,Civic tech,breakout,Annex,2027-10-07 09:00,2027-10-07 10:00\n"
        "C2,Water rights,breakout,Basement,2027-10-07 09:00,2027-10-07 10:00\n"
        "C3,Transit,lecture,Annex,2027-10-07 11:00,2027-10-07 10:00\n"
    )
    files = {"file": ("sessions.csv", csv_text.encode(), "text/csv")}
    refused = await client.post(f"{PROGRAM}/import", data=form(client, section=""), files=files)
    assert refused.status_code == 422
    assert "The import has 2 error(s); nothing was imported." in refused.text
    assert '<td class="num">3</td><td>No room is named &#39;Basement&#39;.</td>' in refused.text
    assert '<td class="num">4</td>' in refused.text  # the bad type, on the file's fourth line
    assert await db.scalar(select(func.count()).select_from(ProgramSession).where(ProgramSession.code == "C1")) == 0

    document = {"rooms": [{"name": "Room 202", "capacity": 50}], "sessions": [
        {"code": "C1", "title": "Civic tech", "type": "breakout", "room": "Room 202",
         "starts_at": "2027-10-07T09:00:00", "ends_at": "2027-10-07T10:00:00"}]}  # fmt: skip
    files = {"file": ("program.json", json.dumps(document).encode(), "application/json")}
    imported = await client.post(f"{PROGRAM}/import", data=form(client, section=""), files=files)
    assert "program.json is imported: 1 room(s), 0 speaker(s), 1 session(s) with 1 run(s)." in imported.text
    assert await _actions(db, "program.imported") == ["program.imported"]


async def test_a_speaker_listed_twice_is_refused_and_the_form_comes_back_as_typed(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller, program: Program
) -> None:
    await sign_in(client, organizer)
    maria = str(program.maria.id)
    refused = await client.post(
        f"{PROGRAM}/sessions/{program.breakout.id}",
        data=form(client, title="Renamed", type="breakout", status="confirmed", credit_hours="1",
                  speaker=[maria, maria, ""], role=["presenter", "moderator", "presenter"]),
    )  # fmt: skip
    assert refused.status_code == 422
    assert "A speaker is listed twice on this session." in refused.text
    assert 'value="Renamed"' in refused.text
    assert refused.text.count(f'<option value="{maria}" selected>') == 2  # both rows as typed, plus two blank ones
    assert refused.text.count("<label>Speaker ") == 4
    await db.refresh(program.breakout)
    assert program.breakout.title == "Housing elements that pass"
