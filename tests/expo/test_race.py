"""Hundreds of partners click "hold" on the same few booths at the same moment, through two app processes."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter, defaultdict

import httpx
import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.rush import post_alone
from events_app.accounts import service as accounts
from events_app.accounts.models import Role, User
from events_app.expo import floorplan, partners
from events_app.expo.models import Booth, BoothHold, HoldStatus
from events_app.expo.schemas import CategoryIn, FloorPlanDoc, PartnerIn
from events_app.settings import Settings
from tests.conftest import session_for
from tests.expo.conftest import ExpoWorld, MakePartner, booth_row, plan_document

PARTNERS = 300
BOOTHS = 50
# One argon2 hash shared by the race's 300 users: hashing 300 passwords would take longer than the race.
SHARED_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


@pytest.mark.postgres_only
async def test_every_booth_goes_to_exactly_one_of_many_racing_partners(
    db: AsyncSession, expo: ExpoWorld, settings: Settings, live_servers: object
) -> None:
    codes = [f"R{row}{n:02d}" for row in range(5) for n in range(10)]
    rows = [booth_row(codes[r * 10 : (r + 1) * 10], y=10 + r * 20) for r in range(5)]
    doc = msgspec.convert(plan_document([b for row in rows for b in row]), FloorPlanDoc)
    await floorplan.import_floor_plan(db, conference=expo.conference, doc=doc, currency="USD", actor=None)
    tokens: list[str] = []
    partner_ids = []
    for n in range(PARTNERS):
        partner = await partners.create_partner(
            db, actor=None, data=PartnerIn(name=f"Racer {n:03d}", tier_id=expo.tiers["exhibitor"].id)
        )
        user = User(email=f"racer{n}@example.test", name=f"Racer {n}", password_hash=SHARED_PASSWORD_HASH,
                    role=Role.PARTNER)  # fmt: skip
        db.add(user)
        await db.flush()
        await partners.add_contact(db, partner=partner, user_id=user.id, actor=None)
        tokens.append((await accounts.issue_token(db, user_id=user.id, name="race")).secret)
        partner_ids.append(partner.id)
    await db.commit()

    servers = live_servers(2)  # type: ignore[operator]
    path = f"/api/conferences/{expo.conference.slug}/expo/holds"
    latencies: list[float] = []

    async def attempt(n: int) -> tuple[int, str, str]:
        started = time.perf_counter()
        status, body = await post_alone(
            servers[n % 2].url, path, {"booth_code": codes[n % BOOTHS]}, authorization=f"Bearer {tokens[n]}"
        )
        latencies.append(time.perf_counter() - started)
        return status, codes[n % BOOTHS], msgspec.json.decode(body).get("code", "") if status != 201 else ""

    async with httpx.AsyncClient(timeout=30) as warm:
        await asyncio.gather(*(warm.get(f"{s.url}/health") for s in servers))  # both processes up and connected
    # Each partner on a connection of its own, written on the bare socket (as the bench's rush does): httpx's
    # pool of 300 connections spent more CPU per request than the app, so the race timed its own client.
    started = time.perf_counter()
    results = await asyncio.gather(*(asyncio.wait_for(attempt(n), 120) for n in range(PARTNERS)))
    total = time.perf_counter() - started

    statuses = Counter(status for status, _code, _problem in results)
    winners: dict[str, int] = defaultdict(int)
    for status, code, problem in results:
        if status == 201:
            winners[code] += 1
        else:
            assert problem == "booth-taken"
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(
        f"\nexpo race: {PARTNERS} hold requests over {BOOTHS} booths via 2 processes: "
        f"{statuses[201]} won (201), {statuses[409]} refused (409), other {PARTNERS - statuses[201] - statuses[409]}; "
        f"total {total:.2f} s, p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
    )
    assert set(statuses) <= {201, 409}
    assert statuses[201] == BOOTHS
    assert all(winners[code] == 1 for code in codes)

    async with session_for(settings) as check:
        live_per_booth = dict(
            (await check.execute(
                select(BoothHold.booth_id, func.count())
                .where(BoothHold.status == HoldStatus.HELD, BoothHold.expires_at > func.now())
                .group_by(BoothHold.booth_id)
            )).all()
        )  # fmt: skip
        booths = list(await check.scalars(select(Booth).where(Booth.conference_id == expo.conference.id)))
        holds = {h.id: h for h in await check.scalars(select(BoothHold))}
    assert len(booths) == BOOTHS
    for booth in booths:
        assert live_per_booth.get(booth.id) == 1, booth.code
        assert booth.hold_id is not None
        assert holds[booth.hold_id].partner_id == booth.occupant_partner_id


@pytest.mark.postgres_only
async def test_partner_rules_hold_when_requests_race_across_two_processes(
    db: AsyncSession, expo: ExpoWorld, make_partner: MakePartner, live_servers: object
) -> None:
    """Partners click six booths at once (the limit is two live holds), and pairs of competitors in an
    exclusive category click neighbouring booths at the same moment (they must stay 20 ft apart)."""
    codes = [f"R{row}{n:02d}" for row in range(4) for n in range(10)]
    rows = [booth_row(codes[r * 10 : (r + 1) * 10], y=10 + r * 30) for r in range(4)]
    doc = msgspec.convert(plan_document([b for row in rows for b in row]), FloorPlanDoc)
    await floorplan.import_floor_plan(db, conference=expo.conference, doc=doc, currency="USD", actor=None)
    for n in range(5):
        await partners.create_category(
            db, data=CategoryIn(slug=f"exclusive-{n}", name=f"Exclusive {n}", exclusive=True)
        )
    await db.commit()
    expo.categories.update({c.slug: c for c in await partners.list_categories(db)})
    greedy = [await make_partner(f"Greedy {n}") for n in range(5)]
    attempts = [(who, codes[n * 6 + k]) for n, who in enumerate(greedy) for k in range(6)]  # booths 0-29
    pairs = []
    for n in range(5):  # each pair on two neighbouring booths of row 3, pairs 10 ft apart but in other categories
        left = await make_partner(f"Left {n}", categories=(f"exclusive-{n}",))
        right = await make_partner(f"Right {n}", categories=(f"exclusive-{n}",))
        pairs.append((left, right))
        attempts += [(left, codes[30 + 2 * n]), (right, codes[31 + 2 * n])]
    servers = live_servers(2)  # type: ignore[operator]
    path = f"/api/conferences/{expo.conference.slug}/expo/holds"
    limits = httpx.Limits(max_connections=len(attempts), max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        answers = await asyncio.gather(*(
            client.post(f"{servers[n % 2].url}{path}", json={"booth_code": code}, headers=who.headers)
            for n, (who, code) in enumerate(attempts)
        ))  # fmt: skip
    outcome = {(who.partner.name, code): answer for (who, code), answer in zip(attempts, answers, strict=True)}
    assert {a.status_code for a in answers} <= {201, 409}
    for who in greedy:
        won = [code for (name, code), a in outcome.items() if name == who.partner.name and a.status_code == 201]
        assert len(won) == 2, f"{who.partner.name} holds {won}"
    for n, (left, right) in enumerate(pairs):
        a, b = outcome[left.partner.name, codes[30 + 2 * n]], outcome[right.partner.name, codes[31 + 2 * n]]
        assert sorted([a.status_code, b.status_code]) == [201, 409]
        assert (a if a.status_code == 409 else b).json()["code"] == "competitor-nearby"
