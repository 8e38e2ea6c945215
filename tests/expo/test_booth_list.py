"""Each process keeps the booth list; what partners do, or what the clock does to their holds, shows in it
at once, in this process and in any other."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import Caller, Clock
from tests.expo.conftest import ExpoWorld, MakePartner, PartnerUser, plan_document

Client = AsyncTestClient[Litestar]


async def status_of(client: Client, expo: ExpoWorld, code: str, who: PartnerUser | None = None) -> str:
    booths = (await client.get(f"{expo.api}/booths", headers=who.headers if who else {})).json()
    status: str = next(b for b in booths if b["code"] == code)["status"]
    return status


async def test_a_hold_and_its_release_show_at_once_in_everyones_next_list(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme, rival = await make_partner("Acme"), await make_partner("Rival")
    assert [await status_of(client, expo, "105", who) for who in (None, acme, rival)] == ["available"] * 3
    held = await client.post(f"{expo.api}/holds", json={"booth_code": "105"}, headers=acme.headers)
    assert held.status_code == 201
    assert [await status_of(client, expo, "105", who) for who in (None, acme, rival)] == ["held", "mine-held", "held"]
    mine = (await client.get(f"{expo.api}/booths", params={"status": "mine-held"}, headers=acme.headers)).json()
    assert [(b["code"], b["held_until"] is not None) for b in mine] == [("105", True)]
    released = await client.delete(f"{expo.api}/holds/{held.json()['id']}", headers=acme.headers)
    assert released.status_code == 200
    assert [await status_of(client, expo, "105", who) for who in (None, acme, rival)] == ["available"] * 3


async def test_a_kept_list_frees_a_booth_whose_hold_ran_out_though_nothing_was_written(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, clock: Clock
) -> None:
    acme = await make_partner("Acme")
    assert (await client.post(f"{expo.api}/holds", json={"booth_code": "106"}, headers=acme.headers)).status_code == 201
    assert await status_of(client, expo, "106") == "held"
    clock.advance(timedelta(minutes=29))
    assert await status_of(client, expo, "106") == "held"
    clock.advance(timedelta(minutes=2))
    assert await status_of(client, expo, "106") == "available"
    assert await status_of(client, expo, "106", acme) == "available"


async def test_the_kept_drawing_shows_a_hold_at_once_and_frees_it_when_it_runs_out(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, clock: Clock
) -> None:
    async def drawn_status(code: str) -> str:
        svg = (await client.get(f"{expo.api}/floor-plan.svg")).text
        return svg.split(f'data-code="{code}"', 1)[1].split('data-status="', 1)[1].split('"', 1)[0]

    acme = await make_partner("Acme")
    assert await drawn_status("108") == "available"
    assert (await client.post(f"{expo.api}/holds", json={"booth_code": "108"}, headers=acme.headers)).status_code == 201
    assert await drawn_status("108") == "held"
    clock.advance(timedelta(minutes=31))
    assert await drawn_status("108") == "available"


async def test_a_new_floor_plan_shows_at_once_in_the_kept_list(
    client: Client, expo: ExpoWorld, organizer: Caller
) -> None:
    assert {b["code"] for b in (await client.get(f"{expo.api}/booths")).json()} >= {"101", "301"}
    plan = plan_document()
    plan["halls"][0]["booths"] = [b for b in plan["halls"][0]["booths"] if b["code"] != "301"]
    imported = await client.put(f"{expo.api}/floor-plan", json=plan, headers=organizer.headers)
    assert imported.status_code == 200, imported.text
    assert "301" not in {b["code"] for b in (await client.get(f"{expo.api}/booths")).json()}


async def test_a_hold_taken_through_another_process_shows_in_this_ones_list(
    client: Client, expo: ExpoWorld, make_partner: MakePartner, live_servers: Any
) -> None:
    acme = await make_partner("Acme")
    assert await status_of(client, expo, "107") == "available"
    [other] = live_servers(1)
    async with httpx.AsyncClient(timeout=30) as http:
        held = await http.post(f"{other.url}{expo.api}/holds", json={"booth_code": "107"}, headers=acme.headers)
    assert held.status_code == 201, held.text
    # PostgreSQL delivers the other process's notice right after its commit; SQLite's stamp is there already.
    for _ in range(50):
        if (seen := await status_of(client, expo, "107")) == "held":
            break
        await asyncio.sleep(0.02)
    assert seen == "held"
