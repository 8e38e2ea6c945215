"""A door's device does its one job: a station token scans, looks people up by name at its own
conference and keeps the offline copy; nothing else. Staff see who is registered, never how to
reach them or what they confided, and never the buyer's manage link.
"""

from __future__ import annotations

import re
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import declared_access
from events_app.settings import Settings
from tests.checkin.conftest import World, badge_of, nonce
from tests.conftest import Caller

DOOR_ROUTES = {
    ("POST", "/api/conferences/{slug:str}/checkin/scans"),
    ("POST", "/api/conferences/{slug:str}/checkin/scans/batch"),
    ("GET", "/api/conferences/{slug:str}/checkin/lookup"),
    ("GET", "/api/conferences/{slug:str}/checkin/offline"),
    # Keeping the door honest: is the server answering, and which double admissions to review.
    ("GET", "/api/conferences/{slug:str}/checkin/heartbeat"),
    ("GET", "/api/conferences/{slug:str}/checkin/conflicts"),
    ("POST", "/api/conferences/{slug:str}/checkin/conflicts/{scan_id:uuid}/seen"),
}


async def test_a_station_token_is_refused_everywhere_but_the_door_routes(
    client: AsyncTestClient[Litestar], app: Litestar, db: AsyncSession, settings: Settings, world: World
) -> None:
    let_in = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if declared_access(handler) == "public":
                continue  # open to anyone: a token adds nothing there
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                # Real values of the right type, so only the access rule can refuse (never a 404 that hides it).
                path = route.path.replace("{slug:str}", world.conference.slug)
                path = re.sub(r"\{\w+:uuid\}", str(uuid.uuid4()), path)
                path = re.sub(r"\{\w+:int\}", "1", path)
                path = re.sub(r"\{\w+:(str|path)\}", "x", path)
                body = {} if method in {"POST", "PUT", "PATCH"} else None
                response = await client.request(method, path, headers=world.north.headers, json=body)
                if response.status_code not in {401, 403}:
                    let_in.append((method, route.path))
    assert sorted(let_in) == sorted(DOOR_ROUTES)

    token = await badge_of(db, settings, world, "maria")
    scan = {"kind": "entry", "nonce": nonce(), "token": token}
    answered = [
        await client.post(f"{world.api}/scans", json=scan, headers=world.north.headers),
        await client.post(f"{world.api}/scans/batch", json={"scans": [scan]}, headers=world.north.headers),
        await client.get(f"{world.api}/lookup", params={"q": "Lopez"}, headers=world.north.headers),
        await client.get(f"{world.api}/offline", headers=world.north.headers),
        await client.get(f"{world.api}/heartbeat", headers=world.north.headers),
        await client.get(f"{world.api}/conflicts", headers=world.north.headers),
    ]
    assert [r.status_code for r in answered] == [200] * 6


async def test_a_door_sees_who_arrived_but_not_their_email_or_needs(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    token = await badge_of(db, settings, world, "maria")  # registered as vegetarian
    answer = await client.post(
        f"{world.api}/scans", json={"kind": "entry", "nonce": nonce(), "token": token}, headers=world.desk.headers
    )
    card = answer.json()["attendee"]
    assert card["name"] == "Maria Lopez"
    assert card["email"] is None
    assert "dietary_needs" not in card
    assert "accessibility_needs" not in card

    [hit] = (await client.get(f"{world.api}/lookup", params={"q": "Lopez"}, headers=world.desk.headers)).json()
    assert (hit["name"], hit["email"]) == ("Maria Lopez", None)
    by_email = await client.get(f"{world.api}/lookup", params={"q": "mayor@"}, headers=world.desk.headers)
    assert by_email.json() == []  # searching by email would tell a device who is registered
    [seen] = (await client.get(f"{world.api}/lookup", params={"q": "Lopez"}, headers=world.organizer.headers)).json()
    assert seen["email"] == "maria.lopez@fresno.gov"


async def test_staff_read_an_order_without_contacts_needs_or_the_manage_link(
    client: AsyncTestClient[Litestar], world: World, staff: Caller
) -> None:
    orders = f"/api/conferences/{world.conference.slug}/registration/orders"
    order_id = world.people["maria"].order_id
    as_staff = (await client.get(f"{orders}/{order_id}", headers=staff.headers)).json()
    assert as_staff["manage_url"] is None
    assert as_staff["buyer_email"] is None
    [maria] = as_staff["attendees"]
    assert (maria["email"], maria["dietary_needs"], maria["accessibility_needs"]) == (None, None, None)
    listed = (await client.get(orders, params={"q": "Lopez"}, headers=staff.headers)).json()["items"]
    assert listed[0]["buyer_email"] is None

    minted = await client.post(f"{orders}/{order_id}/manage-link", headers=staff.headers)
    assert minted.status_code == 403  # it would also kill the buyer's own link

    as_organizer = (await client.get(f"{orders}/{order_id}", headers=world.organizer.headers)).json()
    assert as_organizer["manage_url"].startswith("http")
    assert as_organizer["attendees"][0]["dietary_needs"] == "vegetarian"


async def test_only_organizers_read_a_badge_token_or_revoke_a_badge_as_lost(
    client: AsyncTestClient[Litestar], world: World, staff: Caller
) -> None:
    maria = world.people["maria"].id
    assert (await client.get(f"{world.api}/attendees/{maria}/badge", headers=staff.headers)).status_code == 403
    lost = await client.post(
        f"{world.api}/attendees/{maria}/reprint", json={"reason": "Lost", "lost": True}, headers=staff.headers
    )
    assert (lost.status_code, lost.json()["code"]) == (403, "badge-revoke-not-allowed")
    damaged = await client.post(
        f"{world.api}/attendees/{maria}/reprint", json={"reason": "Coffee", "lost": False}, headers=staff.headers
    )
    assert (damaged.status_code, damaged.headers["content-type"]) == (200, "application/pdf")
