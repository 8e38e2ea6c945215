"""Badge scans at a door: distinct badges (each a first check-in), then the same badges again (already in).

Every scan is a real redemption with its own nonce: token parse, Ed25519 verification, the attendee
read, the nonce claim, the check-in racing on its unique constraint and the audit row. The door's
device token authenticates each request, as at the venue. The distinct run ends when its badges are
used up (so it may be shorter than the others).
"""

from __future__ import annotations

import json

from bench.harness import SECRET, Bench, Load, RequestLine, Result, run_wrk
from events_app.db import make_engine, make_session_maker

SLUG = "annual-2027"
DOOR_PASSWORD = "bench-door-pass"  # noqa: S105 (a throwaway database)


async def _door_and_badges(database_url: str, count: int) -> tuple[str, list[str]]:
    """A door (entrance station) and ``count`` confirmed attendees' badge tokens."""
    from events_app.accounts import service as accounts
    from events_app.accounts.models import Role
    from events_app.checkin import badges, stations
    from events_app.checkin.models import StationKind
    from events_app.checkin.schemas import StationIn
    from events_app.conferences.service import find_conference
    from events_app.registration import service as registration
    from events_app.registration.models import TypeKind
    from events_app.registration.schemas import TypeIn
    from events_app.settings import Settings

    settings = Settings(database_url=database_url, secret_key=SECRET)
    engine = make_engine(database_url)
    try:
        async with make_session_maker(engine)() as db:
            conference = await find_conference(db, slug=SLUG)
            user = await accounts.create_user(
                db, email="bench-door@example.test", name="Bench door", password=DOOR_PASSWORD, role=Role.ORGANIZER
            )
            _station, issued = await stations.create_station(
                db,
                conference=conference,
                data=StationIn(name="Bench door", kind=StationKind.ENTRANCE),
                actor=accounts.principal_for_user(user),
            )
            data = TypeIn(name="Bench badge", kind=TypeKind.FULL, member_price_cents=0, non_member_price_cents=0)
            rtype = await registration.create_type(db, conference=conference, actor=None, data=data)
            tokens = []
            for n in range(count):
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
            return issued.secret, tokens
    finally:
        await engine.dispose()


async def measure(bench: Bench, *, seconds: float, badges: int = 4000) -> list[Result]:
    door, tokens = await _door_and_badges(bench.database_url, badges)
    path = f"/api/conferences/{SLUG}/checkin/scans"
    scans = tuple(
        RequestLine(
            "POST",
            path,
            # Built by hand so "{nonce}" stays a placeholder for lines.lua to fill per request.
            body='{"kind": "entry", "nonce": "{nonce}", "token": ' + json.dumps(token) + "}",
            authorization=f"Bearer {door}",
            content_type="application/json",
        )
        for token in tokens
    )
    loads = (
        Load(f"POST checkin/scans: {badges} distinct badges (check-ins)", path, lines=scans, stop_at_end=True),
        Load("POST checkin/scans: repeats (already checked in)", path, lines=scans),
    )
    return [run_wrk(bench.app.url, load, workdir=bench.workdir, seconds=seconds) for load in loads]
