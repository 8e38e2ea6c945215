"""Order creation in invoice mode (no Stripe latency) and the server's quote, against the bare endpoint.

Each order registers one member official and one non-member at the demo conference: the member
check, pricing, the capacity lock, the numbered invoice and the mails all happen per request.
"""

from __future__ import annotations

from typing import Any

import httpx

from bench.harness import bare_result, bench_world, drive, report

ORDERS = "/api/conferences/annual-2027/registration/orders"
QUOTE = "/api/conferences/annual-2027/registration/quote"


def _order(full_type_id: str, i: int) -> dict[str, Any]:
    return {
        "buyer_name": f"Bench Clerk {i}",
        "buyer_email": f"clerk{i}@bench.example",
        "payment_method": "invoice",
        "po_number": f"PO-{i}",
        "attendees": [
            {"registration_type_id": full_type_id, "first_name": "Member", "last_name": str(i),
             "email": f"member{i}@fresno.gov"},
            {"registration_type_id": full_type_id, "first_name": "Guest", "last_name": str(i),
             "email": f"consultant{i}@bench.example"},
        ],
    }  # fmt: skip


async def run(db_kind: str, *, requests: int, concurrency: int) -> str:
    async with bench_world(db_kind) as bench:
        async with httpx.AsyncClient(base_url=bench.app.url) as client:
            types = (await client.get("/api/conferences/annual-2027/registration/types")).json()
        full = next(t["id"] for t in types if t["name"] == "Full conference")
        baseline = await bare_result(bench, requests=requests, concurrency=concurrency)
        results = [
            await drive("POST quote (2 attendees)", bench.app.url,
                        lambda c, i: c.post(QUOTE, json=_order(full, i)), requests=requests, concurrency=concurrency),
            await drive("POST order, invoice (2 attendees)", bench.app.url,
                        lambda c, i: c.post(ORDERS, json=_order(full, i)), requests=requests,
                        concurrency=concurrency),
        ]  # fmt: skip
    return report(f"Registration on {db_kind}", results, baseline=baseline)
