"""The expo's test world: a published conference with a small floor plan, tiers, categories, and
partners whose contacts hold tokens, all built through the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import msgspec
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role
from events_app.conferences.models import Conference, ConferenceStatus
from events_app.conferences.schemas import ConferenceIn
from events_app.conferences.service import create_conference
from events_app.expo import floorplan, partners, rules
from events_app.expo.models import BusinessCategory, Partner, PartnerTier
from events_app.expo.schemas import CategoryIn, FloorPlanDoc, PartnerIn, TierIn, WindowIn
from tests.conftest import Caller, MakeCaller

SLUG = "expo-2027"


def booth_row(
    codes: list[str],
    *,
    x0: float = 10,
    y: float = 10,
    size: tuple[float, float] = (10, 10),
    price_cents: int = 200_000,
    kind: str = "inline",
) -> list[dict[str, Any]]:
    """Booths side by side along one aisle, left to right."""
    width, depth = size
    return [
        {"code": code, "kind": kind, "price_cents": price_cents, "rect": [x0 + n * width, y, width, depth]}
        for n, code in enumerate(codes)
    ]


def plan_document(booths: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A hall 200 x 120 ft: ten 10x10 booths (101-110) in a row, two 10x20s (201-202), one 20x20 island (301)."""
    if booths is None:
        booths = [
            *booth_row([str(101 + n) for n in range(10)]),
            *booth_row(["201", "202"], y=50, size=(20, 10), price_cents=350_000),
            *booth_row(["301"], x0=150, y=80, size=(20, 20), price_cents=900_000, kind="island"),
        ]
    return {
        "format": "events-app/floor-plan",
        "version": 1,
        "unit": "ft",
        "halls": [
            {
                "code": "A",
                "name": "Hall A",
                "width_ft": 200,
                "depth_ft": 120,
                "booths": booths,
                "areas": [
                    {"kind": "aisle", "label": "Main aisle", "rect": [0, 30, 200, 10]},
                    {"kind": "entrance", "label": "Entrance", "polygon": [[90, 110], [110, 110], [100, 120]]},
                ],
            }
        ],
    }


@dataclass
class ExpoWorld:
    conference: Conference
    tiers: dict[str, PartnerTier]
    categories: dict[str, BusinessCategory]
    booths: dict[str, Any]

    @property
    def api(self) -> str:
        return f"/api/conferences/{self.conference.slug}/expo"


@pytest.fixture
async def expo(db: AsyncSession) -> ExpoWorld:
    conference = await create_conference(db, data=ConferenceIn(
        slug=SLUG, name="Expo Test Conference", timezone="America/Los_Angeles", venue_name="Hall",
        venue_address="1 Main St", starts_on=date(2027, 10, 6), ends_on=date(2027, 10, 8),
        status=ConferenceStatus.PUBLISHED,
    ))  # fmt: skip
    tiers = {}
    for rank, (slug, points) in enumerate((("platinum", 500), ("gold", 300), ("silver", 150), ("exhibitor", 0)), 1):
        tiers[slug] = await partners.create_tier(
            db, data=TierIn(slug=slug, name=slug.title(), rank=rank, points=points)
        )
    categories = {
        "paving": await partners.create_category(db, data=CategoryIn(slug="paving", name="Paving", exclusive=True)),
        "software": await partners.create_category(db, data=CategoryIn(slug="software", name="Software")),
    }
    doc = msgspec.convert(plan_document(), FloorPlanDoc)
    await floorplan.import_floor_plan(db, conference=conference, doc=doc, currency="USD", actor=None)
    await rules.create_window(
        db, conference=conference, actor=None,
        data=WindowIn(name="Everyone", opens_at=datetime(2026, 1, 1, tzinfo=UTC)),
    )  # fmt: skip
    booths = {b.booth.code: b.booth for b in await floorplan.booth_views(db, conference=conference)}
    await db.commit()
    return ExpoWorld(conference=conference, tiers=tiers, categories=categories, booths=booths)


@dataclass
class PartnerUser:
    partner: Partner
    caller: Caller

    @property
    def headers(self) -> dict[str, str]:
        return self.caller.headers


MakePartner = Callable[..., Any]


@pytest.fixture
def make_partner(db: AsyncSession, make_caller: MakeCaller, expo: ExpoWorld) -> MakePartner:
    """``await make_partner("Acme", tier="gold", categories=["paving"])`` -> a partner and a contact with a token."""

    async def make(
        name: str, *, tier: str = "exhibitor", categories: tuple[str, ...] = (), years: int = 0
    ) -> PartnerUser:
        partner = await partners.create_partner(db, actor=None, data=PartnerIn(
            name=name, tier_id=expo.tiers[tier].id, years_exhibited=years,
            category_ids=[expo.categories[c].id for c in categories],
        ))  # fmt: skip
        caller: Caller = await make_caller(Role.PARTNER)
        await partners.add_contact(db, partner=partner, user_id=caller.user_id, actor=None)
        await db.commit()
        return PartnerUser(partner=partner, caller=caller)

    return make
