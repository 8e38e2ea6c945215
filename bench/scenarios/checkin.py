"""Badge scans at the doors: 1,500 distinct badges (each a check-in), then repeats (already checked in).

Every scan is a real redemption: token parse, Ed25519 verification, the attendee read,
the nonce claim, the check-in insert racing on its unique constraint and the audit row.
The station's device token authenticates each request, as at the venue.
"""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker

from bench.harness import SECRET, Bench, bare_result, bench_world, drive, report

DISTINCT = 1500
WARM_UP = 4  # the harness warms connections with a few requests before the clock starts


async def _prepare(bench: Bench) -> tuple[str, str, list[str]]:
    """Registers DISTINCT + WARM_UP people and a door; returns the slug, the door's token and the badges."""
    from events_app.accounts import service as accounts
    from events_app.accounts.models import Role
    from events_app.checkin import badges, stations
    from events_app.checkin.models import StationKind
    from events_app.checkin.schemas import StationIn
    from events_app.conferences.service import find_conference
    from events_app.db import make_engine
    from events_app.registration import service as registration
    from events_app.registration.models import TypeKind
    from events_app.registration.schemas import TypeIn
    from events_app.settings import Settings

    settings = Settings(database_url=bench.database_url, secret_key=SECRET)
    engine = make_engine(bench.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            conference = await find_conference(db, slug="annual-2027")
            user = await accounts.create_user(
                db,
                email="bench-door@example.test",
                name="Bench door",
                password="bench-door-pass",  # noqa: S106 (a throwaway database)
                role=Role.ORGANIZER,
            )
            actor = accounts.principal_for_user(user)
            _station, issued = await stations.create_station(
                db, conference=conference, data=StationIn(name="Bench door", kind=StationKind.ENTRANCE), actor=actor
            )
            rtype = await registration.create_type(
                db,
                conference=conference,
                actor=None,
                data=TypeIn(name="Bench pass", kind=TypeKind.FULL, member_price_cents=0, non_member_price_cents=0),
            )
            tokens = []
            for n in range(DISTINCT + WARM_UP):
                attendee = await registration.add_confirmed_attendee(
                    db,
                    conference_id=conference.id,
                    registration_type_id=rtype.id,
                    first_name=f"Bench{n}",
                    last_name="Attendee",
                    email=f"bench{n}@example.test",
                )
                holder = await badges.get_holder(db, conference=conference, attendee_id=attendee.id)
                tokens.append(await badges.badge_token(db, settings=settings, conference=conference, holder=holder))
            await db.commit()
            return conference.slug, issued.secret, tokens
    finally:
        await engine.dispose()


async def run(db_kind: str, *, requests: int, concurrency: int) -> str:
    async with bench_world(db_kind) as bench:
        slug, door_token, tokens = await _prepare(bench)
        path = f"/api/conferences/{slug}/checkin/scans"
        headers = {"Authorization": f"Bearer {door_token}"}

        def scanning(offset: int, count: int) -> object:
            async def request(client: httpx.AsyncClient, i: int) -> httpx.Response:
                index = DISTINCT + (-1 - i) if i < 0 else offset + i % count
                body = {"kind": "entry", "nonce": uuid.uuid4().hex, "token": tokens[index]}
                return await client.post(path, json=body, headers=headers)

            return request

        baseline = await bare_result(bench, requests=requests, concurrency=concurrency)
        first = await drive(
            f"POST scans: {DISTINCT} distinct badges (check-ins)", bench.app.url, scanning(0, DISTINCT),  # type: ignore[arg-type]
            requests=DISTINCT, concurrency=concurrency,
        )  # fmt: skip
        repeats = await drive(
            "POST scans: repeats (already checked in)", bench.app.url, scanning(0, DISTINCT),  # type: ignore[arg-type]
            requests=requests, concurrency=concurrency,
        )  # fmt: skip
    return report(f"Check-in scans on {db_kind}", [first, repeats], baseline=baseline)
