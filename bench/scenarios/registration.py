"""The server's quote and order creation in invoice mode (no Stripe latency).

Each order registers one member official and one non-member on a bench type with no capacity limit, so
every order takes the winning path: the member check, pricing, the capacity step, the numbered invoice
and the mails happen per request.
"""

from __future__ import annotations

import json
import uuid

from bench.harness import Bench, Load, RequestLine, Result, run_wrk
from events_app.db import make_engine, make_session_maker

SLUG = "annual-2027"
ORDERS = f"/api/conferences/{SLUG}/registration/orders"
QUOTE = f"/api/conferences/{SLUG}/registration/quote"
DISTINCT_ORDERS = 30_000


async def bench_type(database_url: str, *, capacity: int | None = None) -> uuid.UUID:
    """A new full-conference type of ``annual-2027`` for the bench's orders; no capacity limit unless given."""
    from events_app.conferences.service import find_conference
    from events_app.registration import service as registration
    from events_app.registration.models import TypeKind
    from events_app.registration.schemas import TypeIn

    engine = make_engine(database_url)
    try:
        async with make_session_maker(engine)() as db:
            conference = await find_conference(db, slug=SLUG)
            data = TypeIn(name="Bench pass", kind=TypeKind.FULL, member_price_cents=45_000,
                          non_member_price_cents=60_000, capacity=capacity)  # fmt: skip
            created = await registration.create_type(db, conference=conference, actor=None, data=data)
            await db.commit()
            return created.id
    finally:
        await engine.dispose()


def _order(type_id: uuid.UUID, i: int) -> str:
    return json.dumps({
        "buyer_name": f"Bench Clerk {i}",
        "buyer_email": f"clerk{i}@bench.example",
        "payment_method": "invoice",
        "po_number": f"PO-{i}",
        "attendees": [
            {"registration_type_id": str(type_id), "first_name": "Member", "last_name": str(i),
             "email": f"member{i}@fresno.gov"},
            {"registration_type_id": str(type_id), "first_name": "Guest", "last_name": str(i),
             "email": f"consultant{i}@bench.example"},
        ],
    })  # fmt: skip


async def measure(bench: Bench, *, seconds: float) -> list[Result]:
    type_id = await bench_type(bench.database_url)
    orders = [_order(type_id, i) for i in range(DISTINCT_ORDERS)]

    def posting(path: str) -> tuple[RequestLine, ...]:
        return tuple(RequestLine("POST", path, body=o, content_type="application/json") for o in orders)

    loads = (
        Load("POST registration/quote (2 attendees)", QUOTE, lines=posting(QUOTE)),
        Load("POST registration/orders, invoice (2 attendees)", ORDERS, lines=posting(ORDERS)),
    )
    return [run_wrk(bench.app.url, load, workdir=bench.workdir, seconds=seconds) for load in loads]
