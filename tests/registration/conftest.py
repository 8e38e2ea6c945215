"""The registration world: a published conference with open registration, member cities and types.

Everything is built through the services, as an organizer would set it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences import service as conferences
from events_app.conferences.models import AssociationGroup, Conference, ConferenceStatus, GroupKind, MemberCity
from events_app.conferences.schemas import CityIn, ConferenceIn
from events_app.core.clock import now
from events_app.registration import service
from events_app.registration.models import CancellationPolicy, DiscountKind, RegistrationType, TypeKind
from events_app.registration.schemas import PolicyIn, TypeIn


@dataclass
class World:
    conference: Conference
    fresno: MemberCity  # member in good standing, fresno.gov
    lapsed: MemberCity  # a member city that is not in good standing, lapsedville.gov
    full: RegistrationType  # $600 member / $1,200 non-member, early bird $500 / $1,000 until in 30 days
    one_day: RegistrationType  # $250 / $450 for the second day
    guest: RegistrationType  # $150 for everyone
    speaker: RegistrationType  # a free comp, code only
    policy: CancellationPolicy


async def build_world(db: AsyncSession, *, full_capacity: int | None = None) -> World:
    moment = now()
    conference = await conferences.create_conference(
        db,
        data=ConferenceIn(
            slug="annual-2027",
            name="Annual Conference & Expo 2027",
            timezone="America/Los_Angeles",
            venue_name="Long Beach Convention Center",
            venue_address="300 E Ocean Blvd, Long Beach, CA",
            starts_on=date(2027, 10, 6),
            ends_on=date(2027, 10, 8),
            status=ConferenceStatus.PUBLISHED,
            registration_opens_at=moment - timedelta(days=10),
        ),
    )
    division = AssociationGroup(kind=GroupKind.DIVISION, slug="central-valley", name="Central Valley")
    db.add(division)
    await db.flush()
    fresno = await conferences.create_city(
        db, data=CityIn(name="Fresno", division_id=division.id, email_domains=["fresno.gov"])
    )
    lapsed = await conferences.create_city(
        db,
        data=CityIn(
            name="Lapsedville", division_id=division.id, email_domains=["lapsedville.gov"], in_good_standing=False
        ),
    )
    full = await service.create_type(
        db,
        conference=conference,
        actor=None,
        data=TypeIn(
            name="Full conference",
            kind=TypeKind.FULL,
            member_price_cents=60000,
            non_member_price_cents=120000,
            early_member_price_cents=50000,
            early_non_member_price_cents=100000,
            early_bird_until=moment + timedelta(days=30),
            onsite_member_price_cents=70000,
            onsite_non_member_price_cents=140000,
            onsite_from=moment + timedelta(days=300),
            capacity=full_capacity,
        ),
    )
    one_day = await service.create_type(
        db,
        conference=conference,
        actor=None,
        data=TypeIn(
            name="Thursday only",
            kind=TypeKind.ONE_DAY,
            member_price_cents=25000,
            non_member_price_cents=45000,
            valid_on=date(2027, 10, 7),
        ),
    )
    guest = await service.create_type(
        db,
        conference=conference,
        actor=None,
        data=TypeIn(name="Guest", kind=TypeKind.GUEST, member_price_cents=15000, non_member_price_cents=15000),
    )
    speaker = await service.create_type(
        db,
        conference=conference,
        actor=None,
        data=TypeIn(name="Speaker", kind=TypeKind.SPEAKER_COMP, member_price_cents=0, non_member_price_cents=0),
    )
    policy = await service.set_policy(
        db,
        conference_id=conference.id,
        actor=None,
        data=PolicyIn(
            full_refund_until=moment + timedelta(days=60),
            partial_refund_until=moment + timedelta(days=200),
            fee_kind=DiscountKind.FIXED,
            fee_value=7500,
            substitution_until=moment + timedelta(days=310),
        ),
    )
    await db.commit()
    return World(conference, fresno, lapsed, full, one_day, guest, speaker, policy)


@pytest.fixture
async def world(db: AsyncSession) -> World:
    return await build_world(db)
