"""The check-in world: a published conference with registered people and scanning stations.

People are registered through registration's service; stations are made through ours,
each with its own device token, as an organizer would set them up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role, User
from events_app.accounts.service import Principal, principal_for_user
from events_app.checkin import badges, stations
from events_app.checkin.models import Station, StationKind
from events_app.checkin.schemas import StationIn
from events_app.conferences import service as conferences
from events_app.conferences.models import AssociationGroup, Conference, ConferenceStatus, GroupKind, MemberCity
from events_app.conferences.schemas import CityIn, ConferenceIn
from events_app.registration import checkout
from events_app.registration import service as registration
from events_app.registration.models import Attendee, RegistrationType, TypeKind
from events_app.registration.schemas import AttendeeIn, OrderIn, TypeIn
from events_app.settings import Settings
from tests.conftest import Caller, MakeCaller


@dataclass
class Door:
    station: Station
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    conference: Conference
    organizer: Caller
    staff: Caller  # a person on site with their own token: the dashboard, credits, reprints
    fresno: MemberCity
    full: RegistrationType  # free here: these people's orders are settled at once
    guest: RegistrationType
    priced: RegistrationType  # $600 for members: an order of it waits for the city's payment
    north: Door  # entrance
    south: Door  # entrance
    desk: Door  # registration desk, lets unpaid attendees in (flagged)
    booth: Door  # a partner's booth, lead mode
    people: dict[str, Attendee] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"/api/conferences/{self.conference.slug}/checkin"


async def make_conference(db: AsyncSession, *, slug: str = "annual-2027") -> Conference:
    return await conferences.create_conference(
        db,
        data=ConferenceIn(
            slug=slug,
            name="Annual Conference & Expo 2027" if slug == "annual-2027" else f"Conference {slug}",
            timezone="America/Los_Angeles",
            venue_name="Long Beach Convention Center",
            venue_address="300 E Ocean Blvd, Long Beach, CA",
            starts_on=date(2027, 10, 6),
            ends_on=date(2027, 10, 8),
            status=ConferenceStatus.PUBLISHED,
        ),
    )


async def organizer_principal(db: AsyncSession, caller: Caller) -> Principal:
    user = await db.scalar(select(User).where(User.id == caller.user_id))
    assert user is not None
    return principal_for_user(user)


async def make_station(
    db: AsyncSession, conference: Conference, actor: Principal, name: str, kind: StationKind, **extra: Any
) -> Door:
    station, issued = await stations.create_station(
        db, conference=conference, data=StationIn(name=name, kind=kind, **extra), actor=actor
    )
    return Door(station=station, token=issued.secret)


async def register(
    db: AsyncSession,
    world: World,
    key: str,
    first: str,
    last: str,
    *,
    rtype: RegistrationType | None = None,
    **extra: Any,
) -> Attendee:
    attendee = await registration.add_confirmed_attendee(
        db,
        conference_id=world.conference.id,
        registration_type_id=(rtype or world.full).id,
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}@fresno.gov",
        title=extra.pop("title", "Council Member"),
        city_id=world.fresno.id,
        **extra,
    )
    world.people[key] = attendee
    return attendee


async def place_order(
    db: AsyncSession,
    settings: Settings,
    world: World,
    people: list[tuple[str, str]],
    *,
    rtype: RegistrationType | None = None,
) -> list[Attendee]:
    """A city's clerk registers several officials on one order, as the registration page does.

    A priced type with the default payment method makes an invoiced order: seats held,
    attendees pending until the city's check arrives.
    """
    order = await checkout.place_order(
        db,
        settings=settings,
        conference=world.conference,
        data=OrderIn(
            buyer_name="Fresno City Clerk",
            buyer_email="clerk@fresno.gov",
            attendees=[
                AttendeeIn(
                    registration_type_id=(rtype or world.full).id,
                    first_name=first,
                    last_name=last,
                    email=f"{first.lower()}.{last.lower()}@fresno.gov",
                    title="Council Member",
                )
                for first, last in people
            ],
        ),
    )
    for attendee in order.attendees:
        world.people[attendee.first_name.lower()] = attendee
    return list(order.attendees)


async def build_world(db: AsyncSession, make_caller: MakeCaller) -> World:
    organizer: Caller = await make_caller(Role.ORGANIZER)
    actor = await organizer_principal(db, organizer)
    conference = await make_conference(db)
    division = AssociationGroup(kind=GroupKind.DIVISION, slug="central-valley", name="Central Valley")
    db.add(division)
    await db.flush()
    fresno = await conferences.create_city(
        db, data=CityIn(name="Fresno", division_id=division.id, email_domains=["fresno.gov"])
    )
    full = await registration.create_type(
        db,
        conference=conference,
        actor=None,
        data=TypeIn(name="Full conference", kind=TypeKind.FULL, member_price_cents=0, non_member_price_cents=0),
    )
    guest = await registration.create_type(
        db,
        conference=conference,
        actor=None,
        data=TypeIn(name="Guest", kind=TypeKind.GUEST, member_price_cents=0, non_member_price_cents=0),
    )
    priced = await registration.create_type(
        db,
        conference=conference,
        actor=None,
        data=TypeIn(
            name="Full conference (paid)", kind=TypeKind.FULL, member_price_cents=60000, non_member_price_cents=90000
        ),
    )
    world = World(
        conference=conference,
        organizer=organizer,
        staff=await make_caller(Role.STAFF),
        fresno=fresno,
        full=full,
        guest=guest,
        priced=priced,
        north=await make_station(db, conference, actor, "North entrance", StationKind.ENTRANCE),
        south=await make_station(db, conference, actor, "South entrance", StationKind.ENTRANCE),
        desk=await make_station(
            db, conference, actor, "Registration desk", StationKind.REGISTRATION_DESK, allow_unpaid=True
        ),
        booth=await make_station(db, conference, actor, "Booth 214", StationKind.PARTNER_BOOTH),
    )
    await register(db, world, "maria", "Maria", "Lopez", title="Mayor", dietary_needs="vegetarian")
    await register(db, world, "dev", "Dev", "Patel", title="City Manager", accessibility_needs="wheelchair access")
    await db.commit()
    return world


@pytest.fixture
async def world(db: AsyncSession, make_caller: MakeCaller) -> World:
    return await build_world(db, make_caller)


async def badge_of(db: AsyncSession, settings: Settings, world: World, key: str) -> str:
    holder = await badges.get_holder(db, conference=world.conference, attendee_id=world.people[key].id)
    token = await badges.badge_token(db, settings=settings, conference=world.conference, holder=holder)
    await db.commit()
    return token


def nonce() -> str:
    return uuid.uuid4().hex


async def scan(client: AsyncTestClient[Litestar], world: World, door: Door, token: str, **extra: Any) -> dict[str, Any]:
    body = {"kind": extra.pop("kind", "entry"), "nonce": extra.pop("nonce", None) or nonce(), "token": token, **extra}
    response = await client.post(f"{world.api}/scans", json=body, headers=door.headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer
