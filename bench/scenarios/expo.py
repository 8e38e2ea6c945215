"""The expo's hot paths on the demo hall (200 booths, 120 partners), against the bare endpoint.

- ``POST hold (rush)``: every partner clicks "hold" on booths in turn, as when a booking window opens;
  most requests lose (409 booth-taken or hold-limit-reached), which is the path a rush mostly takes.
- ``POST hold + DELETE hold``: one partner holds a free booth and gives it back, the winning path twice.
- ``GET booths`` and ``GET floor-plan.svg``: what the floor plan page reads.
"""

from __future__ import annotations

from collections.abc import Awaitable

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bench.harness import bare_result, bench_world, drive, report
from events_app.accounts.models import Role, User
from events_app.accounts.service import issue_token
from events_app.db import make_engine
from events_app.expo.models import Partner, PartnerContact

API = "/api/conferences/annual-2027/expo"
# One shared hash: the bench's users never sign in with a password.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"  # noqa: S105


async def _partner_tokens(database_url: str) -> list[str]:
    """A signed-in contact with a token for every demo partner that has none; partners in no exclusive
    category last, so the hold-and-release cycle can take them and never meet the competitor rule."""
    engine = make_engine(database_url)
    tokens = []
    async with async_sessionmaker(engine, expire_on_commit=False)() as db:
        linked = set(await db.scalars(select(PartnerContact.partner_id)))
        partners = list(await db.scalars(select(Partner).order_by(Partner.slug)))
        partners.sort(key=lambda p: not any(c.exclusive for c in p.categories))
        for n, partner in enumerate(partners):
            if partner.id in linked:
                continue
            user = User(
                email=f"bench{n}@partners.example", name=f"Bench {n}", password_hash=PASSWORD_HASH, role=Role.PARTNER
            )
            db.add(user)
            await db.flush()
            db.add(PartnerContact(user_id=user.id, partner_id=partner.id))
            tokens.append((await issue_token(db, user_id=user.id, name="bench")).secret)
        await db.commit()
    await engine.dispose()
    return tokens


async def run(db_kind: str, *, requests: int, concurrency: int) -> str:
    async with bench_world(db_kind) as bench:
        tokens = await _partner_tokens(bench.database_url)
        async with httpx.AsyncClient(base_url=bench.app.url, timeout=30) as client:
            booths = (await client.get(f"{API}/booths")).json()
        free = [b["code"] for b in booths if b["status"] == "available"]
        # Keep one free booth per worker out of the rush, for the hold-and-release cycle after it.
        kept, free = free[:concurrency], free[concurrency:]
        # The cycle's partners stay out of the rush too, so they hold nothing when it starts.
        cyclers, tokens = tokens[-concurrency:], tokens[:-concurrency]
        baseline = await bare_result(bench, requests=requests, concurrency=concurrency)

        def rush(c: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
            # Every (partner, booth) pair once: a partner asking again for a booth it holds gets its hold back
            # (201), which would blur the count of winners.
            turn, partner = divmod(abs(i), len(tokens))
            return c.post(
                f"{API}/holds",
                json={"booth_code": free[(partner + turn) % len(free)]},
                headers={"Authorization": f"Bearer {tokens[partner]}"},
            )

        results = [await drive("POST hold (rush)", bench.app.url, rush, requests=requests, concurrency=concurrency)]

        still_free = kept

        async def cycle(c: httpx.AsyncClient, i: int) -> httpx.Response:
            # Each worker slot uses its own partner and its own booth, so a cycle never meets another.
            slot = abs(i) % min(len(cyclers), len(still_free))
            headers = {"Authorization": f"Bearer {cyclers[slot]}"}
            held = await c.post(f"{API}/holds", json={"booth_code": still_free[slot]}, headers=headers)
            if held.status_code == 201:
                await c.delete(f"{API}/holds/{held.json()['id']}", headers=headers)
            return held

        if still_free and cyclers:
            pairs = min(requests, 1000)
            results.append(
                await drive(
                    "POST hold + DELETE hold",
                    bench.app.url,
                    cycle,
                    requests=pairs,
                    concurrency=min(concurrency, len(still_free), len(cyclers)),
                )
            )
        results += [
            await drive(
                "GET booths (200)",
                bench.app.url,
                lambda c, _i: c.get(f"{API}/booths"),
                requests=requests,
                concurrency=concurrency,
            ),
            await drive(
                "GET floor-plan.svg",
                bench.app.url,
                lambda c, _i: c.get(f"{API}/floor-plan.svg"),
                requests=requests,
                concurrency=concurrency,
            ),
        ]
    return report(f"Expo on {db_kind}", results, baseline=baseline)
