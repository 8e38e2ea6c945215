"""The demo expo: a full hall, most of the program booked, and a demo partner who can still book."""

from __future__ import annotations

from collections import Counter

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import User
from events_app.accounts.service import issue_token
from events_app.demo import seed_demo
from events_app.expo.models import Partner, PartnerTier


async def test_demo_expo_has_a_busy_hall_and_a_partner_who_can_still_book(
    db: AsyncSession, client: AsyncTestClient[Litestar]
) -> None:
    await seed_demo(db)
    demo_partner = await db.scalar(select(User).where(User.email == "partner@demo.events.test"))
    assert demo_partner is not None
    token = (await issue_token(db, user_id=demo_partner.id, name="demo")).secret
    await db.commit()
    tiers = Counter((await db.scalars(select(PartnerTier.slug).join(Partner, Partner.tier_id == PartnerTier.id))).all())
    assert tiers == {"platinum": 6, "gold": 14, "silver": 25, "bronze": 30, "exhibitor": 45}

    api = "/api/conferences/annual-2027/expo"
    booths = (await client.get(f"{api}/booths")).json()
    statuses = Counter(b["status"] for b in booths)
    assert len(booths) == 200
    assert statuses["booked"] == 90
    assert 1 <= statuses["held"] <= 10
    assert {b["size"] for b in booths} == {"10x10", "10x20", "20x20"}
    svg = await client.get(f"{api}/floor-plan.svg")
    assert svg.text.count('class="booth ') == 200

    headers = {"Authorization": f"Bearer {token}"}
    me = (await client.get("/api/expo/me", headers=headers)).json()
    assert me["tier"]["slug"] == "gold"
    free = next(b for b in booths if b["status"] == "available")
    held = await client.post(f"{api}/holds", json={"booth_id": free["id"]}, headers=headers)
    assert held.status_code == 201


async def test_demo_expo_is_seeded_once(db: AsyncSession) -> None:
    await seed_demo(db)
    await seed_demo(db)
    await db.commit()
    assert await db.scalar(select(func.count()).select_from(Partner)) == 120
