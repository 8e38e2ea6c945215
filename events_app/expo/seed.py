"""The demo expo of annual-2027: five tiers, a dozen categories, 120 partners, a 200-booth hall with
about 90 booths booked and a few on hold, booking windows and refund bands.

Written with bulk inserts (one statement per table) so seeding stays quick; every part is
added only when missing, and the generator draws the same sequence every time.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import User
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.text import slugify
from events_app.expo import geometry
from events_app.expo.models import (
    AreaKind,
    BookingStatus,
    BookingWindow,
    Booth,
    BoothBooking,
    BoothHold,
    BoothKind,
    BusinessCategory,
    ExpoSettings,
    FloorArea,
    Hall,
    HoldStatus,
    Partner,
    PartnerCategory,
    PartnerContact,
    PartnerTier,
    PaymentMethod,
    PointsEntry,
    PointsReason,
)
from events_app.expo.partners import POINTS_PER_YEAR_EXHIBITED

DEMO_SLUG = "annual-2027"
DEMO_PARTNER_EMAIL = "partner@demo.events.test"

TIERS = (
    ("platinum", "Platinum", 1, 500),
    ("gold", "Gold", 2, 300),
    ("silver", "Silver", 3, 150),
    ("bronze", "Bronze", 4, 75),
    ("exhibitor", "Exhibitor", 5, 0),
)
# How many partners of each tier, best first: 120 in all.
TIER_COUNTS = {"platinum": 6, "gold": 14, "silver": 25, "bronze": 30, "exhibitor": 45}
CATEGORIES = (
    ("waste-recycling", "Waste and Recycling", True),
    ("utility-billing", "Utility Billing Software", True),
    ("banking", "Municipal Banking", True),
    ("insurance", "Insurance and Risk Pools", True),
    ("engineering", "Engineering and Design", False),
    ("public-safety", "Public Safety Equipment", False),
    ("parks", "Parks and Playgrounds", False),
    ("consulting", "Management Consulting", False),
    ("legal", "Legal Services", False),
    ("energy", "Energy and Utilities", False),
    ("telecom", "Broadband and Telecom", False),
    ("transit", "Transit and Mobility", False),
)
NAME_FIRST = (
    "Golden",
    "Pacific",
    "Sierra",
    "Redwood",
    "Coastal",
    "Summit",
    "Valley",
    "Harbor",
    "Mesa",
    "Civic",
    "Bay",
    "Granite",
    "Mission",
    "Cypress",
    "Sequoia",
    "Orchard",
    "Delta",
    "Canyon",
    "Poppy",
    "Tahoe",
)
NAME_SECOND = (
    "Paving",
    "Analytics",
    "Water Works",
    "Signal",
    "Financial",
    "Fleet",
    "Energy",
    "Builders",
    "Risk",
    "Software",
    "Lighting",
    "Environmental",
    "Transit",
    "Parks",
    "Advisors",
    "Networks",
)
NAME_SUFFIX = ("Inc.", "LLC", "Group", "Partners", "Co.", "Corporation")

HALL_WIDTH, HALL_DEPTH = 560.0, 320.0
SEGMENT_XS = (20.0, 200.0, 380.0)  # three blocks of booths per row, 20 ft cross-aisles between them
ROW_YS = (40.0, 50.0, 90.0, 100.0, 140.0)  # back-to-back pairs of rows with 30 ft aisles
WIDTH_PATTERN = (10.0, 10.0, 20.0) * 4  # 160 ft: 10x10s with a 10x20 every third booth
ISLAND_Y = (190.0, 230.0)
PRICE_10X10, PRICE_10X20, PRICE_ISLAND, CORNER_PREMIUM = 250_000, 450_000, 1_000_000, 30_000
BOOKED, HELD = 90, 5


def _layout(rng: random.Random) -> list[dict[str, Any]]:
    """About 200 booths: five rows of three blocks of inline and corner booths, then two rows of islands."""
    booths: list[dict[str, Any]] = []
    for row, y in enumerate(ROW_YS, start=1):
        number = 0
        for x0 in SEGMENT_XS:
            x = x0
            for n, width in enumerate(WIDTH_PATTERN):
                number += 1
                corner = n in (0, len(WIDTH_PATTERN) - 1)
                price = (PRICE_10X20 if width == 20 else PRICE_10X10) + (CORNER_PREMIUM if corner else 0)
                features = sorted(
                    {f for f, p in (("power", 0.6), ("column", 0.05), ("carpet", 0.3)) if rng.random() < p}
                )
                booths.append(
                    {
                        "code": f"{row}{number:02d}",
                        "shape": geometry.rectangle(x, y, width, 10),
                        "kind": BoothKind.CORNER if corner else BoothKind.INLINE,
                        "price": price,
                        "features": features,
                    }
                )
                x += width
    for row, y in enumerate(ISLAND_Y, start=8):
        for n in range(10):
            features = ["power", "rigging"] if rng.random() < 0.5 else ["power"]
            booths.append(
                {
                    "code": f"{row}{n + 1:02d}",
                    "shape": geometry.rectangle(40 + n * 50, y, 20, 20),
                    "kind": BoothKind.ISLAND,
                    "price": PRICE_ISLAND,
                    "features": features,
                }
            )
    return booths


AREAS = (
    (AreaKind.AISLE, "Aisle 100", geometry.rectangle(0, 20, HALL_WIDTH, 20)),
    (AreaKind.AISLE, "Aisle 200-300", geometry.rectangle(0, 60, HALL_WIDTH, 30)),
    (AreaKind.AISLE, "Aisle 400-500", geometry.rectangle(0, 110, HALL_WIDTH, 30)),
    (AreaKind.AISLE, "Island aisle", geometry.rectangle(0, 150, HALL_WIDTH, 40)),
    (AreaKind.STAGE, "Expo stage", geometry.rectangle(20, 270, 120, 40)),
    (AreaKind.FOOD, "Food court", geometry.rectangle(400, 270, 140, 40)),
    (AreaKind.LOUNGE, "Partner lounge", geometry.rectangle(180, 280, 80, 30)),
    (AreaKind.ENTRANCE, "Main entrance", [[270.0, 320.0], [330.0, 320.0], [300.0, 290.0]]),
    (AreaKind.SERVICE, "Registration", geometry.rectangle(0, 0, 80, 18)),
)


async def _tiers(db: AsyncSession) -> dict[str, PartnerTier]:
    tiers = {t.slug: t for t in await db.scalars(select(PartnerTier))}
    for slug, name, rank, points in TIERS:
        if slug not in tiers and not any(t.rank == rank for t in tiers.values()):
            tiers[slug] = PartnerTier(slug=slug, name=name, rank=rank, points=points)
            db.add(tiers[slug])
    await db.flush()
    return tiers


async def _categories(db: AsyncSession) -> dict[str, BusinessCategory]:
    categories = {c.slug: c for c in await db.scalars(select(BusinessCategory))}
    for slug, name, exclusive in CATEGORIES:
        if slug not in categories:
            categories[slug] = BusinessCategory(slug=slug, name=name, exclusive=exclusive)
            db.add(categories[slug])
    await db.flush()
    return categories


def _partner_names(rng: random.Random) -> list[str]:
    names: list[str] = []
    while len(names) < sum(TIER_COUNTS.values()):
        name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)} {rng.choice(NAME_SUFFIX)}"
        if name not in names:
            names.append(name)
    return names


async def _partners(
    db: AsyncSession, rng: random.Random, tiers: dict[str, PartnerTier], categories: dict[str, BusinessCategory]
) -> list[uuid.UUID]:
    """The 120 demo partners, best tier first; returns their ids in that order."""
    names = _partner_names(rng)
    tier_of = [slug for slug, count in TIER_COUNTS.items() for _ in range(count)]
    plan = []
    for name, tier in zip(names, tier_of, strict=True):
        years = rng.randint(0, 15)
        picked = rng.sample(sorted(categories), k=rng.choice((1, 1, 2)))
        plan.append((name, tier, years, picked))
    existing = {p.slug: p.id for p in await db.scalars(select(Partner))}
    partners, links, points = [], [], []
    ids = []
    for name, tier, years, picked in plan:
        slug = slugify(name)
        if slug in existing:
            ids.append(existing[slug])
            continue
        partner_id = uuid.uuid4()
        ids.append(partner_id)
        partners.append(
            {
                "id": partner_id,
                "slug": slug,
                "name": name,
                "tier_id": tiers[tier].id,
                "website": f"https://www.{slug}.example",
                "billing_email": f"billing@{slug}.example",
                "years_exhibited": years,
                "active": True,
            }
        )
        links += [{"id": uuid.uuid4(), "partner_id": partner_id, "category_id": categories[c].id} for c in picked]
        if tiers[tier].points:
            points.append(
                {
                    "id": uuid.uuid4(),
                    "partner_id": partner_id,
                    "points": tiers[tier].points,
                    "reason": PointsReason.TIER,
                    "note": f"{tiers[tier].name} tier",
                }
            )
        if years:
            points.append(
                {
                    "id": uuid.uuid4(),
                    "partner_id": partner_id,
                    "points": years * POINTS_PER_YEAR_EXHIBITED,
                    "reason": PointsReason.YEARS,
                    "note": f"{years} years exhibited",
                }
            )
        if tier in ("platinum", "gold") and rng.random() < 0.5:
            points.append(
                {
                    "id": uuid.uuid4(),
                    "partner_id": partner_id,
                    "points": 100,
                    "reason": PointsReason.SPONSORSHIP,
                    "note": "Sponsored the 2026 keynote reception",
                }
            )
    for table, rows in ((Partner, partners), (PartnerCategory, links), (PointsEntry, points)):
        if rows:
            await db.execute(insert(table), rows)
    return ids


async def _contact(db: AsyncSession, partner_id: uuid.UUID) -> None:
    """The demo partner sign-in acts for a Gold partner with no booth yet, so it can book one."""
    user_id = await db.scalar(select(User.id).where(User.email == DEMO_PARTNER_EMAIL))
    if user_id is None or await db.scalar(select(PartnerContact.id).where(PartnerContact.user_id == user_id)):
        return
    db.add(PartnerContact(user_id=user_id, partner_id=partner_id))


def _settings_and_windows(conference: Conference, tiers: dict[str, PartnerTier]) -> list[Any]:
    opens = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
    return [
        ExpoSettings(
            conference_id=conference.id,
            refund_bands=[
                {"cancel_before": datetime(2027, 6, 1, 7, tzinfo=UTC).isoformat(), "refund_percent": 100},
                {"cancel_before": datetime(2027, 8, 15, 7, tzinfo=UTC).isoformat(), "refund_percent": 50},
            ],
        ),
        BookingWindow(
            conference_id=conference.id, name="Platinum partners", opens_at=opens, tier_id=tiers["platinum"].id
        ),
        BookingWindow(conference_id=conference.id, name="600 points and more", opens_at=opens, min_points=600),
        BookingWindow(
            conference_id=conference.id,
            name="Gold partners",
            opens_at=opens + timedelta(days=7),
            tier_id=tiers["gold"].id,
        ),
        BookingWindow(
            conference_id=conference.id,
            name="Silver partners",
            opens_at=opens + timedelta(days=14),
            tier_id=tiers["silver"].id,
        ),
        BookingWindow(conference_id=conference.id, name="All partners", opens_at=opens + timedelta(days=21)),
    ]


async def _floor(db: AsyncSession, rng: random.Random, conference: Conference) -> list[dict[str, Any]]:
    layout = _layout(rng)
    hall_id = uuid.uuid4()
    db.add(
        Hall(
            id=hall_id,
            conference_id=conference.id,
            code="A",
            name="Exhibit Hall A",
            width_ft=HALL_WIDTH,
            depth_ft=HALL_DEPTH,
        )
    )
    await db.flush()
    rows = []
    for booth in layout:
        min_x, min_y, max_x, max_y = geometry.bounds(booth["shape"])
        rows.append(
            {
                "id": uuid.uuid4(),
                "conference_id": conference.id,
                "hall_id": hall_id,
                "code": booth["code"],
                "shape": booth["shape"],
                "width_ft": max_x - min_x,
                "depth_ft": max_y - min_y,
                "area_sqft": geometry.area(booth["shape"]),
                "kind": booth["kind"],
                "price_cents": booth["price"],
                "currency": "USD",
                "features": booth["features"],
            }
        )
    await db.execute(insert(Booth), rows)
    await db.execute(
        insert(FloorArea),
        [
            {"id": uuid.uuid4(), "hall_id": hall_id, "kind": kind, "label": label, "shape": shape}
            for kind, label, shape in AREAS
        ],
    )
    return rows


async def _bookings(
    db: AsyncSession,
    rng: random.Random,
    conference: Conference,
    booths: list[dict[str, Any]],
    partners: list[uuid.UUID],
) -> None:
    """The best partners booked first: islands to platinum, then the rest; a few booths on hold right now."""
    islands = [b for b in booths if b["kind"] == BoothKind.ISLAND]
    others = [b for b in booths if b["kind"] != BoothKind.ISLAND]
    rng.shuffle(others)
    order = islands[:6] + others
    # The demo partner user's own partner (the first Gold one) is left without a booth.
    bookers = [p for p in partners if p != partners[TIER_COUNTS["platinum"]]][: BOOKED + HELD]
    moment = now()
    bookings: list[dict[str, Any]] = []
    holds: list[dict[str, Any]] = []
    claims: list[tuple[Any, uuid.UUID, datetime | None, uuid.UUID | None, uuid.UUID | None]] = []
    for n, (booth, partner_id) in enumerate(zip(order, bookers, strict=False)):
        if n < BOOKED:
            invoiced = rng.random() < 0.25
            booking_id = uuid.uuid4()
            bookings.append(
                {
                    "id": booking_id,
                    "conference_id": conference.id,
                    "booth_id": booth["id"],
                    "partner_id": partner_id,
                    "status": BookingStatus.INVOICED if invoiced else BookingStatus.CONFIRMED,
                    "method": PaymentMethod.INVOICE if invoiced or rng.random() < 0.4 else PaymentMethod.CARD,
                    "price_cents": booth["price_cents"],
                    "currency": "USD",
                    "paid_cents": 0 if invoiced else booth["price_cents"],
                    "refunded_cents": 0,
                    "payment_id": "",
                    "confirmed_at": None if invoiced else moment - timedelta(days=rng.randint(1, 20)),
                    "note": "",
                }
            )
            claims.append((booth["id"], partner_id, None, None, booking_id))
        else:
            hold_id = uuid.uuid4()
            expires = moment + timedelta(minutes=rng.randint(5, 28))
            holds.append(
                {
                    "id": hold_id,
                    "conference_id": conference.id,
                    "booth_id": booth["id"],
                    "partner_id": partner_id,
                    "expires_at": expires,
                    "status": HoldStatus.HELD,
                }
            )
            claims.append((booth["id"], partner_id, expires, hold_id, None))
    if bookings:
        await db.execute(insert(BoothBooking), bookings)
    if holds:
        await db.execute(insert(BoothHold), holds)
    await db.execute(
        update(Booth),
        [
            {
                "id": booth_id,
                "occupant_partner_id": partner_id,
                "occupied_until": until,
                "hold_id": hold_id,
                "booking_id": booking_id,
            }
            for booth_id, partner_id, until, hold_id, booking_id in claims
        ],
    )


async def seed(db: AsyncSession, *, rng: random.Random) -> None:
    conference = await db.scalar(select(Conference).where(Conference.slug == DEMO_SLUG))
    if conference is None:
        return
    tiers = await _tiers(db)
    categories = await _categories(db)
    partners = await _partners(db, rng, tiers, categories)
    await _contact(db, partners[TIER_COUNTS["platinum"]])
    if await db.scalar(select(ExpoSettings.id).where(ExpoSettings.conference_id == conference.id)) is None:
        db.add_all(_settings_and_windows(conference, tiers))
    if await db.scalar(select(Hall.id).where(Hall.conference_id == conference.id)) is None:
        booths = await _floor(db, rng, conference)
        await _bookings(db, rng, conference, booths, partners)
    await db.flush()
