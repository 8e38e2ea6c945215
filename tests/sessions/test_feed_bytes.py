"""The feed writer gives exactly the bytes icalendar's object model gives for the same program: the same
properties in the same order, the same escaping and folding, times with TZID or in UTC, the same VTIMEZONE.

``icalendar_feed`` is the feed as it was built through icalendar's objects, kept here as the reference.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import msgspec
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.demo import seed_demo
from events_app.sessions import releases
from events_app.sessions.feeds import PRODID, REFRESH_INTERVAL, ROLE_WORDS, FeedEntry, build_calendar, run_uid
from events_app.sessions.models import SessionType, SpeakerRole
from events_app.sessions.schemas import (
    Schedule,
    ScheduleConference,
    ScheduleReleaseInfo,
    ScheduleRoom,
    ScheduleRun,
    ScheduleSession,
    ScheduleSessionSpeaker,
    ScheduleSpeaker,
    ScheduleTrack,
)
from events_app.sessions.urls import absolute
from events_app.settings import Settings


def icalendar_feed(
    schedule: Schedule, entries: list[FeedEntry], *, name: str, settings: Settings, modified_floor: datetime | None
) -> bytes:
    conference = schedule.conference
    rooms = {r.id: r for r in schedule.rooms}
    tracks = {t.id: t for t in schedule.tracks}
    speakers = {s.id: s for s in schedule.speakers}
    tz = ZoneInfo(conference.timezone)
    entries = sorted(entries, key=lambda e: (e.run.starts_at, e.session.code, str(e.run.id)))
    modified = max(
        [e.withdrawn_at or e.run.revised_at for e in entries] + ([modified_floor] if modified_floor else []),
        default=schedule.release.released_at,
    ).astimezone(UTC)
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        name=name,
        description=f"{conference.name}, {conference.venue_name}",
        url=absolute(settings, conference.url),
        last_modified=modified,
        refresh_interval=REFRESH_INTERVAL,
        method="PUBLISH",
        calscale="GREGORIAN",
    )
    del calendar["UID"]
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH_INTERVAL))
    calendar.add("X-WR-TIMEZONE", conference.timezone)
    first, last = conference.starts_on, conference.ends_on
    for entry in entries:
        session, run = entry.session, entry.run
        room = rooms.get(run.room_id)
        revised = (entry.withdrawn_at or run.revised_at).astimezone(UTC)
        people = []
        for link in session.speakers:
            if (speaker := speakers.get(link.speaker_id)) is None:
                continue
            role = ROLE_WORDS.get(link.role.value, "")
            affiliation = ", ".join(p for p in (speaker.title, speaker.organization) if p)
            people.append(speaker.name + (f", {affiliation}" if affiliation else "") + (f" ({role})" if role else ""))
        parts = (
            ("Speakers: " + "; ".join(people)) if people else "",
            session.description,
            f"Details: {absolute(settings, session.url)}",
        )
        track = tracks.get(session.track_id) if session.track_id else None
        cancelled = run.status == "cancelled" or entry.withdrawn_at is not None
        calendar.add_component(
            icalendar.Event.new(
                uid=run_uid(run.id, settings),
                summary=session.title,
                start=run.starts_at.astimezone(tz),
                end=run.ends_at.astimezone(tz),
                stamp=revised,
                last_modified=revised,
                sequence=run.sequence + (1 if entry.withdrawn_at is not None else 0),
                status=icalendar.STATUS.CANCELLED if cancelled else icalendar.STATUS.CONFIRMED,
                location=f"{room.name}, {conference.venue_name}" if room else conference.venue_name,
                description="\n".join(p for p in parts if p),
                url=absolute(settings, session.url),
                categories=[c for c in (session.type.label, track.name if track else "") if c],
            )
        )
        first = min(first, run.starts_at.astimezone(tz).date())
        last = max(last, run.ends_at.astimezone(tz).date())
    if entries:
        calendar.add_missing_timezones(first_date=first - timedelta(days=1), last_date=last + timedelta(days=1))
    else:
        calendar.add_component(
            icalendar.Timezone.from_tzid(
                conference.timezone, first_date=first - timedelta(days=1), last_date=last + timedelta(days=1)
            )
        )
    written: bytes = calendar.to_ical()
    return written


def assert_same_bytes(schedule: Schedule, entries: list[FeedEntry], *, name: str, settings: Settings) -> None:
    floor = schedule.release.released_at
    written, _modified = build_calendar(schedule, entries, name=name, settings=settings, modified_floor=floor)
    reference = icalendar_feed(schedule, entries, name=name, settings=settings, modified_floor=floor)
    assert written.splitlines() == reference.splitlines()  # a readable difference first
    assert written == reference


async def test_the_demo_program_feed_is_what_icalendar_would_write(db: AsyncSession, settings: Settings) -> None:
    await seed_demo(db)
    await db.commit()
    conference = await db.scalar(select(Conference).where(Conference.slug == "annual-2027"))
    assert conference is not None
    schedule = await releases.published_schedule(db, conference=conference)
    assert schedule is not None
    entries = [FeedEntry(s, r) for s in schedule.sessions for r in s.runs]
    assert len(entries) > 150
    assert_same_bytes(schedule, entries, name=schedule.conference.name, settings=settings)
    # An agenda: a few sessions taken off it, which stay as cancelled.
    taken_off = datetime(2027, 9, 1, 12, tzinfo=UTC)
    agenda = [
        FeedEntry(e.session, e.run, withdrawn_at=taken_off if n % 3 == 0 else None) for n, e in enumerate(entries[:20])
    ]
    assert_same_bytes(schedule, agenda, name=f"{schedule.conference.name}: Ana Núñez's agenda", settings=settings)


# Escapes, folding points (a backslash or a caret at a line's end) and characters of two to four octets.
ALPHABET = "abcdefghij ,;:\\^\t\"'-N" + "é€\U0001f4c5"
BREAKS = "\n\r"
ZONES = ["America/Los_Angeles", "UTC", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns"]


def random_schedule(picker: random.Random, zone: str) -> Schedule:
    def text(longest: int, *, breaks: bool = True) -> str:
        letters = ALPHABET + BREAKS if breaks else ALPHABET
        return "".join(picker.choice(letters) for _ in range(picker.randrange(0, longest)))

    def moment(day: date) -> datetime:
        local = datetime(day.year, day.month, day.day, picker.randrange(24), picker.choice((0, 15, 30, 45)))
        return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)

    starts_on = date(2027, 3, 1) + timedelta(days=picker.randrange(300))
    days = [starts_on + timedelta(days=n) for n in range(3)]
    # icalendar writes NAME and X-WR-CALDESC unescaped and refuses a line break in them.
    conference = ScheduleConference(
        id=uuid.UUID(int=picker.getrandbits(128)),
        slug="random",
        name=text(120, breaks=False) or "x",
        timezone=zone,
        venue_name=text(80, breaks=False) or "y",
        venue_address="",
        starts_on=days[0],
        ends_on=days[-1],
        url="/c/random",
    )
    rooms = [ScheduleRoom(uuid.uuid4(), text(60), "", None, True, False, n) for n in range(3)]
    tracks = [ScheduleTrack(uuid.uuid4(), f"t{n}", text(60), "#000000", None) for n in range(3)]
    speakers = [ScheduleSpeaker(uuid.uuid4(), text(40) or "z", text(40), text(60), "", "", "") for _ in range(6)]
    sessions = []
    for n in range(40):
        runs = []
        for _ in range(picker.randrange(1, 3)):
            starts = moment(picker.choice(days))
            runs.append(
                ScheduleRun(
                    id=uuid.uuid4(),
                    room_id=picker.choice(rooms).id if picker.random() < 0.9 else uuid.uuid4(),
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=picker.choice((30, 75, 600))),
                    status=picker.choice(("scheduled", "scheduled", "cancelled")),
                    sequence=picker.randrange(4),
                    revised_at=datetime(2027, 1, 1, tzinfo=UTC) + timedelta(seconds=picker.randrange(10**7)),
                )
            )
        links = [
            ScheduleSessionSpeaker(picker.choice(speakers).id if picker.random() < 0.9 else uuid.uuid4(), role)
            for role in picker.sample(list(SpeakerRole), picker.randrange(0, 4))
        ]
        sessions.append(
            ScheduleSession(
                id=uuid.uuid4(),
                code=f"S{n:03}",
                title=text(200),
                description=text(600),
                type=picker.choice(list(SessionType)),
                track_id=picker.choice([t.id for t in tracks] + [None, uuid.uuid4()]),
                status="confirmed",
                seat_limit=None,
                credit_hours=0,  # type: ignore[arg-type]
                tags=[],
                url=f"/c/random/program/sessions/{n}",
                speakers=links,
                runs=runs,
            )
        )
    release = ScheduleReleaseInfo(number=1, released_at=datetime(2027, 2, 1, 9, tzinfo=UTC))
    return Schedule("events-app/schedule@1", conference, release, rooms, tracks, speakers, sessions)


def test_random_programs_full_of_escapes_are_written_as_icalendar_would(settings: Settings) -> None:
    picker = random.Random(5545)
    for n in range(2 * len(ZONES)):
        zone = ZONES[n % len(ZONES)]
        schedule = random_schedule(picker, zone)
        entries = [
            FeedEntry(s, r, withdrawn_at=datetime(2027, 2, 2, tzinfo=UTC) if picker.random() < 0.1 else None)
            for s in schedule.sessions
            for r in s.runs
        ]
        name = schedule.conference.name + ": " + "".join(picker.choice(ALPHABET) for _ in range(30))
        assert_same_bytes(schedule, entries, name=name, settings=settings)
        # An agenda with nothing on it is still a calendar, with the zone's VTIMEZONE.
        assert_same_bytes(schedule, [], name=name, settings=settings)


def test_a_line_break_in_the_conference_name_still_gives_a_feed(settings: Settings) -> None:
    # icalendar refused it (an AssertionError, so a 500): NAME and the X-WR- values are written unescaped.
    schedule = random_schedule(random.Random(7), "America/Los_Angeles")
    conference = msgspec.structs.replace(schedule.conference, name="Annual\nConference", venue_name="Hall\r\nB")
    schedule = msgspec.structs.replace(schedule, conference=conference)
    entries = [FeedEntry(s, r) for s in schedule.sessions for r in s.runs]
    body, _modified = build_calendar(schedule, entries, name=conference.name, settings=settings)
    assert b"\r\nX-WR-CALNAME:Annual Conference\r\n" in body
    assert b"\r\nX-WR-CALDESC:Annual Conference, Hall B\r\n" in body
    calendar = IcsCalendarStream.calendar_from_ics(body.decode())
    assert len(calendar.events) == len(entries)
