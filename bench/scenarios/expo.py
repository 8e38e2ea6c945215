"""The expo's hot paths on the demo hall (200 booths, 120 partners): the booth list and floor plan a
partner's page reads, and a booking-window rush of holds.

In the rush every partner asks for booths in turn, each (partner, booth) pair once before the list starts
over: most requests lose (409 booth taken or hold limit reached), which is the path a rush mostly takes.
"""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select

from bench.harness import Bench, Load, RequestLine, Result, run_wrk
from events_app.accounts.models import Role, User
from events_app.accounts.service import issue_token
from events_app.db import make_engine, make_session_maker
from events_app.expo.models import Partner, PartnerContact

API = "/api/conferences/annual-2027/expo"
# One shared hash: the bench's users never sign in with a password.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"  # noqa: S105


async def _partner_tokens(database_url: str) -> list[str]:
    """A contact with a token for every demo partner that has none."""
    engine = make_engine(database_url)
    tokens = []
    async with make_session_maker(engine)() as db:
        linked = set(await db.scalars(select(PartnerContact.partner_id)))
        for n, partner in enumerate(await db.scalars(select(Partner).order_by(Partner.slug))):
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


async def measure(bench: Bench, *, seconds: float) -> list[Result]:
    tokens = await _partner_tokens(bench.database_url)
    async with httpx.AsyncClient(base_url=bench.app.url, timeout=30) as client:
        booths = (await client.get(f"{API}/booths")).json()
    free = [b["code"] for b in booths if b["status"] == "available"]
    rush = tuple(
        RequestLine(
            "POST",
            f"{API}/holds",
            body=json.dumps({"booth_code": free[(partner + turn) % len(free)]}),
            authorization=f"Bearer {tokens[partner]}",
            content_type="application/json",
        )
        for turn in range(len(free))
        for partner in range(len(tokens))
    )
    loads = (
        Load("GET expo/booths", f"{API}/booths"),
        Load("GET expo/floor-plan.svg", f"{API}/floor-plan.svg"),
        Load("POST expo/holds (rush: mostly taken)", f"{API}/holds", lines=rush),
    )
    return [run_wrk(bench.app.url, load, workdir=bench.workdir, seconds=seconds) for load in loads]
