"""Organizers edit a working copy, see what collides, and release numbered versions the public sees."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.errors import Conflict
from events_app.core.mail import deliver_outbox
from events_app.db import make_engine
from events_app.sessions import checks, releases, service
from events_app.sessions.models import SessionStatus, SpeakerRole
from events_app.sessions.schemas import RunPatch, SessionPatch, SpeakerPatch, Window
from events_app.settings import Settings
from tests.conftest import Caller, MailBox
from tests.sessions.conftest import Program, add_session, at

API = "/api/conferences/fall-2027"


async def test_organizer_builds_a_session_through_the_api(
    client: AsyncTestClient[Litestar], organizer: Caller, program: Program
) -> None:
    room = (await client.get(f"{API}/program/rooms", headers=organizer.headers)).json()[0]
    speaker = (await client.post(f"{API}/program/speakers", headers=organizer.headers,
                                 json={"name": "Lee Grant", "organization": "City of Davis"})).json()  # fmt: skip
    created = await client.post(
        f"{API}/program/sessions",
        headers=organizer.headers,
        json={
            "code": "W9", "title": "Writing a grant", "type": "workshop", "seat_limit": 30, "credit_hours": "1.5",
            "speakers": [{"speaker_id": speaker["id"], "role": "presenter"}],
            "runs": [{"room_id": room["id"], "starts_at": "2027-10-07T15:00:00", "ends_at": "2027-10-07T16:30:00"}],
        },
    )  # fmt: skip
    assert created.status_code == 201, created.text
    run = created.json()["runs"][0]
    # Naive times are the conference's wall clock: 15:00 in Los Angeles in October is 22:00 UTC.
    assert run["starts_at"].startswith("2027-10-07T22:00:00")
    second_run = {"room_id": room["id"], "starts_at": "2027-10-08T15:00:00", "ends_at": "2027-10-08T16:30:00"}
    again = await client.post(
        f"{API}/program/sessions/{created.json()['id']}/runs", headers=organizer.headers, json=second_run
    )
    ids = [r["id"] for r in again.json()["runs"]]
    assert len(ids) == 2
    assert run["id"] in ids


async def test_only_organizers_edit_the_program(
    client: AsyncTestClient[Litestar], staff: Caller, program: Program
) -> None:
    assert (await client.get(f"{API}/program/rooms")).status_code == 401
    refused = await client.post(f"{API}/program/rooms", headers=staff.headers, json={"name": "Closet"})
    assert refused.status_code == 403


async def test_bad_input_is_a_problem_and_writes_nothing(
    client: AsyncTestClient[Litestar], organizer: Caller, program: Program
) -> None:
    room_id = str(program.rooms["Hall A"].id)
    backwards = await client.post(
        f"{API}/program/sessions", headers=organizer.headers,
        json={"code": "X1", "title": "Backwards", "type": "breakout",
              "runs": [{"room_id": room_id, "starts_at": "2027-10-06T10:00:00", "ends_at": "2027-10-06T09:00:00"}]},
    )  # fmt: skip
    assert backwards.status_code == 422
    assert backwards.json()["code"] == "run-ends-before-start"
    taken = await client.post(f"{API}/program/sessions", headers=organizer.headers,
                              json={"code": "K1", "title": "Again", "type": "keynote"})  # fmt: skip
    assert taken.status_code == 409
    assert taken.headers["content-type"].startswith("application/problem+json")
    unknown = await client.post(f"{API}/program/sessions", headers=organizer.headers,
                                json={"code": "X2", "title": "Nope", "type": "sermon"})  # fmt: skip
    assert unknown.status_code == 400
    codes = [s["code"] for s in (await client.get(f"{API}/program/sessions", headers=organizer.headers)).json()]
    assert codes == ["B1", "B2", "K1", "T1"]


async def test_checks_name_what_collides_with_what(db: AsyncSession, program: Program) -> None:
    conference = program.conference
    # Dan Wu moderates B1 (Oct 6 10:30-11:30, Room 101); put him on a panel in Hall A at the same time.
    await add_session(db, program, "B3", "Clashing panel", ("Room 101", at(6, 11), at(6, 12)),
                      speakers=(("Dan Wu", SpeakerRole.PANELIST),), seat_limit=100)  # fmt: skip
    await add_session(db, program, "L1", "Late tour talk", ("Hall A", at(6, 16, 15), at(6, 17)),
                      speakers=(("Ada Park", SpeakerRole.PRESENTER),))  # fmt: skip
    await service.update_session(db, conference=conference, session=program.sessions["T1"],
                                 data=SessionPatch(speakers=[]), actor=None)  # fmt: skip
    await service.update_session(
        db, conference=conference, session=program.sessions["T1"],
        data=SessionPatch(speakers=[program_link(program, "Ada Park")]), actor=None,
    )  # fmt: skip
    await service.update_speaker(db, conference=conference, speaker=program.speakers["Maria Lopez"],
                                 data=SpeakerPatch(availability=[Window(at(7, 8), at(7, 17))]), actor=None)  # fmt: skip
    await add_session(db, program, "Z9", "After the party", ("Hall A", at(9, 9), at(9, 10)))

    found = {(w.code, tuple(w.session_codes)): w for w in await checks.check_schedule(db, conference=conference)}

    room = found["room-double-booked", ("B1", "B3")]
    assert room.hard
    assert "Room 101" in room.message
    speaker = found["speaker-double-booked", ("B1", "B3")]
    assert speaker.hard
    assert "Dan Wu" in speaker.message
    assert not found["speaker-unavailable", ("K1",)].hard
    assert "Maria Lopez" in found["speaker-unavailable", ("K1",)].message
    travel = found["travel-time", ("L1", "T1")]
    assert not travel.hard
    assert "15 minutes" in travel.message
    assert ("outside-conference-days", ("Z9",)) in found
    assert "holds 60" in found["seats-above-capacity", ("B3",)].message


def program_link(program: Program, name: str) -> object:
    from events_app.sessions.schemas import SpeakerLink

    return SpeakerLink(speaker_id=program.speakers[name].id, role=SpeakerRole.PRESENTER)


async def test_hard_conflicts_block_a_release_until_fixed(
    client: AsyncTestClient[Litestar], organizer: Caller, db: AsyncSession, program: Program
) -> None:
    clash = await add_session(db, program, "B3", "Double-booked", ("Room 101", at(6, 11), at(6, 12)))
    await db.commit()
    refused = await client.post(f"{API}/program/releases", headers=organizer.headers, json={})
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "schedule-conflicts"
    assert body["conflicts"][0]["session_codes"] == ["B1", "B3"]
    assert (await client.get(f"{API}/schedule")).status_code == 404

    moved = await client.patch(f"{API}/program/runs/{clash.runs[0].id}", headers=organizer.headers,
                               json={"starts_at": "2027-10-06T12:00:00", "ends_at": "2027-10-06T13:00:00"})  # fmt: skip
    assert moved.status_code == 200
    released = await client.post(f"{API}/program/releases", headers=organizer.headers, json={"note": "First cut"})
    assert released.status_code == 201, released.text
    assert released.json()["number"] == 1


async def test_a_draft_session_warns_but_never_blocks(db: AsyncSession, program: Program, settings: Settings) -> None:
    await add_session(db, program, "D1", "Draft clash", ("Room 101", at(6, 11), at(6, 12)), status=SessionStatus.DRAFT)
    warnings = await checks.check_schedule(db, conference=program.conference)
    assert [w.hard for w in warnings if w.code == "room-double-booked"] == [False]
    release, _ = await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    published = releases.decode_schedule(release)
    assert "D1" not in {s.code for s in published.sessions}


async def test_public_sees_only_the_release_and_its_changelog(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    conference = program.conference
    await releases.release_schedule(db, conference=conference, settings=settings, actor=None)
    await db.commit()
    first = (await client.get(f"{API}/schedule")).json()
    assert first["format"] == "events-app.schedule/1"
    assert first["release"]["number"] == 1
    tour = next(s for s in first["sessions"] if s["code"] == "T1")
    day_one, day_three = (r["id"] for r in tour["runs"])

    # The working copy changes: a move, a room change, a cancellation, a removed run and a new session.
    b1, b2, t1 = program.sessions["B1"], program.sessions["B2"], program.sessions["T1"]
    await service.update_run(db, conference=conference, run=b1.runs[0],
                             data=RunPatch(starts_at=at(6, 14), ends_at=at(6, 15)), actor=None)  # fmt: skip
    await service.update_run(db, conference=conference, run=b2.runs[0],
                             data=RunPatch(room_id=program.rooms["Hall A"].id), actor=None)  # fmt: skip
    await service.update_session(db, conference=conference, session=program.sessions["K1"],
                                 data=SessionPatch(status=SessionStatus.CANCELLED), actor=None)  # fmt: skip
    await service.remove_run(db, conference=conference, run=t1.runs[1], actor=None)
    await add_session(db, program, "N1", "Late addition", ("Hall A", at(8, 14), at(8, 15)))
    await db.commit()

    assert (await client.get(f"{API}/schedule")).json() == first  # nothing leaks before the release

    await releases.release_schedule(db, conference=conference, settings=settings, actor=None)
    await db.commit()
    changes = {
        (c["code"], tuple(c["kinds"])) for c in (await client.get(f"{API}/program/releases/2")).json()["changelog"]
    }
    assert changes == {
        ("B1", ("moved",)), ("B2", ("re-roomed",)), ("K1", ("cancelled",)), ("T1", ("cancelled",)), ("N1", ("new",)),
    }  # fmt: skip
    second = (await client.get(f"{API}/schedule")).json()
    assert second["release"]["number"] == 2
    runs = {r["id"]: r for s in second["sessions"] for r in s["runs"]}
    assert runs[day_one]["status"] == "scheduled"
    assert runs[day_one]["sequence"] == 0
    assert runs[day_three]["status"] == "cancelled"
    assert runs[day_three]["sequence"] == 1
    assert runs[str(b1.runs[0].id)]["starts_at"] == "2027-10-06T14:00:00-07:00"
    assert runs[str(b1.runs[0].id)]["sequence"] == 1
    assert [r["number"] for r in (await client.get(f"{API}/program/releases")).json()] == [2, 1]


async def test_a_release_with_nothing_new_is_refused(db: AsyncSession, program: Program, settings: Settings) -> None:
    await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    pending = await releases.pending_changes(db, conference=program.conference, settings=settings)
    assert pending.based_on == 1
    assert pending.changelog == []
    with pytest.raises(Conflict) as refused:
        await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    assert refused.value.code == "nothing-to-release"
    # A new bio is something readers see, though no run moved: it makes a release with an empty changelog.
    await service.update_speaker(db, conference=program.conference, speaker=program.speakers["Dan Wu"],
                                 data=SpeakerPatch(bio="Thirty years in public finance."), actor=None)  # fmt: skip
    release, _ = await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    assert release.number == 2
    assert release.changelog == []


async def test_speakers_whose_sessions_changed_are_mailed(
    db: AsyncSession, program: Program, mail_settings: Settings, smtp_server: MailBox
) -> None:
    conference = program.conference
    await releases.release_schedule(db, conference=conference, settings=mail_settings, actor=None)
    b2 = program.sessions["B2"]
    await service.update_run(db, conference=conference, run=b2.runs[0],
                             data=RunPatch(starts_at=at(7, 15), ends_at=at(7, 16)), actor=None)  # fmt: skip
    await releases.release_schedule(db, conference=conference, settings=mail_settings, actor=None)
    await db.commit()
    engine = make_engine(mail_settings.database_url)
    await deliver_outbox(engine, replace(mail_settings))
    await engine.dispose()

    assert smtp_server.to("mlopez@example.test") == []  # her keynote did not change
    (mail,) = smtp_server.to("dwu@example.test")
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "B2 Budgeting for fire season: moved from Thu Oct 7, 1:00 PM (Room 101) to Thu Oct 7, 3:00 PM" in body


async def test_organizer_previews_the_next_release_before_publishing(
    client: AsyncTestClient[Litestar], organizer: Caller, db: AsyncSession, program: Program, settings: Settings
) -> None:
    await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    await db.commit()
    moved = await client.patch(
        f"{API}/program/runs/{program.sessions['B2'].runs[0].id}", headers=organizer.headers,
        json={"starts_at": "2027-10-06T10:00:00", "ends_at": "2027-10-06T11:00:00"},
    )  # fmt: skip
    assert moved.status_code == 200
    preview = (await client.get(f"{API}/program/changes", headers=organizer.headers)).json()
    assert preview["based_on"] == 1
    (change,) = preview["changelog"]
    assert change["code"] == "B2"
    assert change["kinds"] == ["moved"]
    assert change["before"]["starts_at"] == "2027-10-07T13:00:00-07:00"
    # B2 now overlaps B1 in Room 101, and Dan Wu speaks at both: the preview names both hard conflicts.
    hard = {w["code"] for w in preview["warnings"] if w["hard"]}
    assert hard == {"room-double-booked", "speaker-double-booked"}
    checks_answer = (await client.get(f"{API}/program/checks", headers=organizer.headers)).json()
    assert {w["code"] for w in checks_answer if w["hard"]} == hard
    assert (await client.get(f"{API}/program/changes")).status_code == 401
