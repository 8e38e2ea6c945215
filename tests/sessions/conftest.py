"""A small published conference with a program built through the service layer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences import service as conferences
from events_app.conferences.models import AssociationGroup, Conference, ConferenceStatus, GroupKind
from events_app.conferences.schemas import ConferenceIn
from events_app.registration import service as registration
from events_app.registration.models import Attendee, RegistrationType, TypeKind
from events_app.registration.schemas import TypeIn
from events_app.sessions import agenda_links, service
from events_app.sessions.models import (
    Agenda,
    ProgramSession,
    Room,
    SessionStatus,
    SessionType,
    Speaker,
    SpeakerRole,
    Track,
)
from events_app.sessions.schemas import RoomIn, RunIn, SessionIn, SpeakerIn, SpeakerLink, TrackIn
from events_app.settings import Settings


@dataclass
class Program:
    conference: Conference
    rooms: dict[str, Room] = field(default_factory=dict)
    tracks: dict[str, Track] = field(default_factory=dict)
    speakers: dict[str, Speaker] = field(default_factory=dict)
    sessions: dict[str, ProgramSession] = field(default_factory=dict)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A naive wall-clock time on October ``day``, 2027: read in the conference's zone."""
    return datetime(2027, 10, day, hour, minute)


async def make_conference(db: AsyncSession, *, slug: str = "fall-2027", starts: date = date(2027, 10, 6),
                          ends: date = date(2027, 10, 8)) -> Conference:  # fmt: skip
    return await conferences.create_conference(
        db,
        data=ConferenceIn(
            slug=slug, name="Fall Conference 2027", timezone="America/Los_Angeles",
            venue_name="Harbor Convention Center", venue_address="1 Harbor Way, Long Beach, CA",
            starts_on=starts, ends_on=ends, status=ConferenceStatus.PUBLISHED,
        ),
    )  # fmt: skip


async def add_session(db: AsyncSession, program: Program, code: str, title: str, *runs: tuple[str, datetime, datetime],
                      speakers: tuple[tuple[str, SpeakerRole], ...] = (), **fields: Any) -> ProgramSession:  # fmt: skip
    session = await service.create_session(
        db,
        conference=program.conference,
        data=SessionIn(
            code=code,
            title=title,
            type=fields.pop("type", SessionType.BREAKOUT),
            status=fields.pop("status", SessionStatus.CONFIRMED),
            speakers=[SpeakerLink(speaker_id=program.speakers[n].id, role=r) for n, r in speakers],
            runs=[RunIn(room_id=program.rooms[room].id, starts_at=s, ends_at=e) for room, s, e in runs],
            **fields,
        ),
        actor=None,
    )
    program.sessions[code] = session
    return session


@pytest.fixture
async def program(db: AsyncSession) -> Program:
    """Three rooms (one off-site), a housing track, three speakers and four confirmed sessions, committed."""
    conference = await make_conference(db)
    world = Program(conference=conference)
    for name, capacity, off_site in (("Hall A", 800, False), ("Room 101", 60, False), ("Port of Long Beach", 40, True)):
        world.rooms[name] = await service.create_room(
            db, conference=conference, data=RoomIn(name=name, capacity=capacity, off_site=off_site), actor=None
        )
    committee = AssociationGroup(
        kind=GroupKind.COMMITTEE, slug="housing", name="Housing, Community and Economic Development"
    )
    db.add(committee)
    await db.flush()
    world.tracks["housing"], _ = await service.create_track(
        db,
        conference=conference,
        data=TrackIn(slug="housing", name="Housing", color="#aa3300", group_id=committee.id),
        actor=None,
    )
    for name, email in (("Maria Lopez", "mlopez@example.test"), ("Dan Wu", "dwu@example.test"), ("Ada Park", None)):
        world.speakers[name] = await service.create_speaker(
            db,
            conference=conference,
            data=SpeakerIn(name=name, title="Mayor", organization="City of Fresno", email=email),
            actor=None,
        )
    await add_session(
        db,
        world,
        "K1",
        "Opening keynote",
        ("Hall A", at(6, 9), at(6, 10)),
        speakers=(("Maria Lopez", SpeakerRole.KEYNOTE),),
        type=SessionType.KEYNOTE,
    )
    await add_session(
        db,
        world,
        "B1",
        "Housing elements that pass",
        ("Room 101", at(6, 10, 30), at(6, 11, 30)),
        speakers=(("Dan Wu", SpeakerRole.MODERATOR), ("Ada Park", SpeakerRole.PANELIST)),
        track_id=world.tracks["housing"].id,
    )
    await add_session(
        db,
        world,
        "B2",
        "Budgeting for fire season",
        ("Room 101", at(7, 13), at(7, 14)),
        speakers=(("Dan Wu", SpeakerRole.PRESENTER),),
    )
    await add_session(
        db,
        world,
        "T1",
        "Port electrification tour",
        ("Port of Long Beach", at(6, 13), at(6, 16)),
        ("Port of Long Beach", at(8, 9), at(8, 12)),
        type=SessionType.MOBILE_TOUR,
        seat_limit=2,
    )
    await db.commit()
    return world


@dataclass
class Person:
    attendee: Attendee
    agenda: Agenda
    token: str


MakePerson = Callable[..., Awaitable[Person]]


@pytest.fixture
def make_person(db: AsyncSession, settings: Settings) -> MakePerson:
    """``await make_person(program, "Ana")`` -> a confirmed attendee (committed) with their agenda link."""

    async def make(program: Program, first_name: str) -> Person:
        conference = program.conference
        kind = await db.scalar(select(RegistrationType).where(RegistrationType.conference_id == conference.id))
        if kind is None:
            kind = await registration.create_type(
                db, conference=conference, actor=None,
                data=TypeIn(name="Full conference", kind=TypeKind.FULL, member_price_cents=0, non_member_price_cents=0),
            )  # fmt: skip
        attendee = await registration.add_confirmed_attendee(
            db, conference_id=conference.id, registration_type_id=kind.id, first_name=first_name, last_name="Tester",
            email=f"{first_name.lower()}@attendee.test",
        )  # fmt: skip
        owned = await agenda_links.agenda_for(db, attendee=attendee)
        await db.commit()
        return Person(attendee=attendee, agenda=owned, token=agenda_links.agenda_token(settings, owned))

    return make
