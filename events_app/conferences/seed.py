"""The association's real structure, ~480 member cities and the demo conferences."""

from __future__ import annotations

import csv
import random
import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import (
    AssociationGroup,
    CityEmailDomain,
    Conference,
    ConferenceStatus,
    GroupKind,
    MemberCity,
)
from events_app.core.text import slugify

CITIES_CSV = Path(__file__).with_name("demo_cities.csv")
DEMO_SLUG = "annual-2027"

STRUCTURE: dict[GroupKind, tuple[str, ...]] = {
    GroupKind.DIVISION: (
        "Central Valley", "Channel Counties", "Desert Mountain", "East Bay", "Imperial County",
        "Los Angeles County", "Monterey Bay", "North Bay", "North Coast", "Orange County", "Peninsula",
        "Redwood Empire", "Riverside County", "Sacramento Valley", "San Diego County",
        "South San Joaquin Valley",
    ),
    GroupKind.DEPARTMENT: (
        "City Attorneys", "City Clerks", "City Managers", "Community Services", "Fire Chiefs",
        "Fiscal Officers", "Planning and Community Development", "Police Chiefs", "Public Works",
    ),
    GroupKind.CAUCUS: ("African American", "Asian Pacific Islander", "Latino", "LGBTQ", "Women's"),
    GroupKind.COMMITTEE: (
        "Community Services", "Environmental Quality", "Governance, Transparency and Labor Relations",
        "Housing, Community and Economic Development", "Public Safety", "Revenue and Taxation",
        "Transportation, Communications and Public Works",
    ),
}  # fmt: skip

DOMAIN_PATTERNS = ("{}.gov", "cityof{}.org", "{}ca.gov", "ci.{}.ca.us", "cityof{}.com")


async def _seed_groups(db: AsyncSession) -> dict[tuple[GroupKind, str], AssociationGroup]:
    groups = {(g.kind, g.name): g for g in await db.scalars(select(AssociationGroup))}
    for kind, names in STRUCTURE.items():
        for name in names:
            if (kind, name) not in groups:
                groups[kind, name] = AssociationGroup(kind=kind, slug=slugify(name), name=name)
                db.add(groups[kind, name])
    return groups


async def _seed_cities(
    db: AsyncSession, rng: random.Random, groups: dict[tuple[GroupKind, str], AssociationGroup]
) -> None:
    existing = set(await db.scalars(select(MemberCity.name)))
    with CITIES_CSV.open(newline="") as rows:
        for row in csv.DictReader(rows):
            # Draw for every row, added or not, so a partial earlier run never shifts the data.
            pattern = rng.choice(DOMAIN_PATTERNS)
            in_good_standing = rng.random() > 0.03
            if row["name"] in existing:
                continue
            compact = re.sub(r"[^a-z0-9]", "", row["name"].lower())
            db.add(
                MemberCity(
                    name=row["name"],
                    division=groups[GroupKind.DIVISION, row["division"]],
                    in_good_standing=in_good_standing,
                    email_domains=[CityEmailDomain(domain=pattern.format(compact))],
                )
            )


def _demo_conferences() -> list[Conference]:
    return [
        Conference(
            slug=DEMO_SLUG,
            name="Annual Conference & Expo 2027",
            timezone="America/Los_Angeles",
            venue_name="Long Beach Convention & Entertainment Center",
            venue_address="300 E Ocean Blvd, Long Beach, CA 90802",
            starts_on=date(2027, 10, 6),
            ends_on=date(2027, 10, 8),
            status=ConferenceStatus.PUBLISHED,
            registration_opens_at=datetime(2026, 11, 2, 16, 0, tzinfo=UTC),
            registration_closes_at=datetime(2027, 10, 8, 23, 0, tzinfo=UTC),
            description=(
                "Three days of keynotes, breakout sessions, workshops and mobile tours for city officials, "
                "with an Expo hall of the association's partners."
            ),
        ),
        Conference(
            slug="clerks-workshop-2027",
            name="City Clerks New Law and Elections Workshop",
            timezone="America/Los_Angeles",
            venue_name="Sacramento Convention Center",
            venue_address="1400 J St, Sacramento, CA 95814",
            starts_on=date(2027, 1, 27),
            ends_on=date(2027, 1, 28),
            status=ConferenceStatus.PUBLISHED,
            registration_opens_at=datetime(2026, 10, 1, 16, 0, tzinfo=UTC),
            registration_closes_at=datetime(2027, 1, 20, 8, 0, tzinfo=UTC),
            description="Two days on new legislation and election law for city clerks and their staff.",
        ),
    ]


async def cities_with_domain(db: AsyncSession) -> list[tuple[uuid.UUID, str, str]]:
    """Member cities with an email domain, by name, each with its first domain: demo people get addresses there."""
    rows = await db.execute(
        select(MemberCity.id, MemberCity.name, func.min(CityEmailDomain.domain))
        .join(CityEmailDomain, CityEmailDomain.city_id == MemberCity.id)
        .group_by(MemberCity.id, MemberCity.name)
    )
    # Sorted here, not in SQL: the databases' collations order names differently, the demo must not.
    return sorted(((city_id, name, domain) for city_id, name, domain in rows), key=lambda c: c[1])


async def seed(db: AsyncSession, *, rng: random.Random) -> None:
    groups = await _seed_groups(db)
    await _seed_cities(db, rng, groups)
    existing = set(await db.scalars(select(Conference.slug)))
    db.add_all(c for c in _demo_conferences() if c.slug not in existing)
