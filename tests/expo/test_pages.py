"""The floor plan page and the partner dashboard, as people use them (forms, no script needed)."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import badges as checkin
from events_app.checkin.codes import badge_code
from events_app.registration import service as registration
from events_app.registration.models import TypeKind
from events_app.registration.schemas import TypeIn
from events_app.settings import Settings
from tests.accounts.test_access import _login
from tests.expo.conftest import ExpoWorld, MakePartner

Client = AsyncTestClient[Litestar]
HTML = {"Accept": "text/html"}


def _csrf(client: Client) -> dict[str, str]:
    return {"x-csrftoken": client.cookies.get("csrftoken", "")}


async def test_anyone_sees_the_floor_plan_from_the_conference_home(client: Client, expo: ExpoWorld) -> None:
    home = await client.get(f"/c/{expo.conference.slug}", headers=HTML)
    assert f'href="/c/{expo.conference.slug}/expo"' in home.text
    page = await client.get(f"/c/{expo.conference.slug}/expo", headers=HTML)
    assert page.status_code == 200
    assert "13 booths available, 0 on hold, 0 booked" in page.text
    assert page.text.count('class="booth status-available"') == 13
    assert "sign in</a> to hold and book" in page.text
    assert 'action="/c/expo-2027/expo/holds"' not in page.text


async def test_a_partner_holds_books_and_finds_the_invoice_on_the_dashboard(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme Paving", tier="gold")
    await _login(client, acme.caller)
    plan = f"/c/{expo.conference.slug}/expo"
    held = await client.post(
        f"{plan}/holds", data={"booth_id": str(expo.booths["104"].id)}, headers={**HTML, **_csrf(client)}
    )
    assert held.status_code == 200  # followed the redirect back to the plan
    assert "The booth is yours for now" in held.text
    assert "Held for you:" in held.text
    assert 'data-code="104"' in held.text
    assert 'class="booth status-mine-held"' in held.text
    hold_id = re.search(r'data-hold="([0-9a-f-]+)"', held.text)
    assert hold_id is not None

    booked = await client.post(
        f"{plan}/holds/{hold_id.group(1)}/checkout",
        data={"method": "invoice", "po_number": "PO-9"},
        headers={**HTML, **_csrf(client)},
    )
    assert booked.status_code == 200
    assert booked.url.path == f"{plan}/dashboard"
    assert "The invoice is on its way" in booked.text
    assert re.search(r"INV-\d{4}-\d{5}", booked.text)
    assert "104: 10x10 in-line (one open side)" in booked.text
    assert "Invoiced" in booked.text
    assert "300 priority points" in booked.text


async def test_a_refused_hold_says_why_on_the_page(client: Client, expo: ExpoWorld, make_partner: MakePartner) -> None:
    first, second = await make_partner("First"), await make_partner("Second")
    taken = await client.post(f"{expo.api}/holds", json={"booth_code": "101"}, headers=first.headers)
    assert taken.status_code == 201
    await _login(client, second.caller)
    refused = await client.post(
        f"/c/{expo.conference.slug}/expo/holds",
        data={"booth_id": str(expo.booths["101"].id)},
        headers={**HTML, **_csrf(client)},
    )
    assert refused.status_code == 409
    assert "Booth 101 is held or booked by another partner." in refused.text
    assert "You hold no booth right now." in refused.text


async def test_the_dashboard_is_for_partners_only(client: Client, expo: ExpoWorld) -> None:
    response = await client.get(f"/c/{expo.conference.slug}/expo/dashboard", headers=HTML, follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert "/login" in response.headers["location"]


async def test_a_partner_names_booth_staff_on_the_dashboard(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": "105"}, headers=acme.headers)).json()
    done = await client.post(
        f"{expo.api}/holds/{held['id']}/checkout", json={"method": "invoice"}, headers=acme.headers
    )
    booking_id = done.json()["booking"]["id"]
    await _login(client, acme.caller)
    dashboard = f"/c/{expo.conference.slug}/expo/dashboard"
    page = await client.get(dashboard, headers=HTML)
    assert "2 badges come with this booth; 0 named, 2 left." in page.text
    form = {"first_name": "Dana", "last_name": "Reyes", "email": "dana@acme.example", "title": "Account lead"}
    named = await client.post(
        f"/c/{expo.conference.slug}/expo/bookings/{booking_id}/staff", data=form, headers={**HTML, **_csrf(client)}
    )
    assert "Registered: the badge is on its way to them." in named.text
    assert "Dana Reyes, Account lead (dana@acme.example)" in named.text
    twice = await client.post(
        f"/c/{expo.conference.slug}/expo/bookings/{booking_id}/staff", data=form, headers={**HTML, **_csrf(client)}
    )
    assert twice.status_code == 409
    assert "dana@acme.example already works this booth." in twice.text
    nameless = await client.post(
        f"/c/{expo.conference.slug}/expo/bookings/{booking_id}/staff",
        data={**form, "email": "sam@acme.example", "last_name": " "},
        headers={**HTML, **_csrf(client)},
    )
    assert nameless.status_code == 422
    assert "Give the staff member&#39;s first and last name." in nameless.text
    assert "2 badges come with this booth; 1 named, 1 left." in nameless.text


async def test_a_wedge_scanner_saves_a_lead_on_the_dashboard(
    client: Client, db: AsyncSession, settings: Settings, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": "106"}, headers=acme.headers)).json()
    await client.post(f"{expo.api}/holds/{held['id']}/checkout", json={"method": "invoice"}, headers=acme.headers)
    kind = await registration.create_type(db, conference=expo.conference, actor=None, data=TypeIn(
        name="Full", kind=TypeKind.FULL, member_price_cents=0, non_member_price_cents=0,
    ))  # fmt: skip
    visitor = await registration.add_confirmed_attendee(
        db, conference_id=expo.conference.id, registration_type_id=kind.id, first_name="Lee", last_name="Park",
        email="lee@visalia.gov", title="Public Works Director", city_name="Visalia",
    )  # fmt: skip
    holder = await checkin.get_holder(db, conference=expo.conference, attendee_id=visitor.id)
    badge = await checkin.badge_token(db, settings=settings, conference=expo.conference, holder=holder)
    await db.commit()
    await _login(client, acme.caller)
    saved = await client.post(f"/c/{expo.conference.slug}/expo/leads/scans", data={"badge": badge, "rating": "4"},
                              headers={**HTML, **_csrf(client)})  # fmt: skip
    assert "Lead saved." in saved.text
    assert "Lee Park" in saved.text
    assert "Public Works Director" in saved.text
    assert "Not shared" in saved.text  # no consent: no email on the lead
    assert "lee@visalia.gov" not in saved.text


async def test_a_booth_types_the_code_printed_on_a_badge_whose_qr_will_not_read(
    client: Client, db: AsyncSession, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme = await make_partner("Acme")
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": "106"}, headers=acme.headers)).json()
    await client.post(f"{expo.api}/holds/{held['id']}/checkout", json={"method": "invoice"}, headers=acme.headers)
    kind = await registration.create_type(db, conference=expo.conference, actor=None, data=TypeIn(
        name="Full", kind=TypeKind.FULL, member_price_cents=0, non_member_price_cents=0,
    ))  # fmt: skip
    visitor = await registration.add_confirmed_attendee(
        db, conference_id=expo.conference.id, registration_type_id=kind.id, first_name="Lee", last_name="Park",
        email="lee@visalia.gov", title="Public Works Director", city_name="Visalia",
    )  # fmt: skip
    await db.commit()
    await _login(client, acme.caller)
    saved = await client.post(f"/c/{expo.conference.slug}/expo/leads/scans", data={"badge": badge_code(visitor.id)},
                              headers={**HTML, **_csrf(client)})  # fmt: skip
    assert "Lead saved." in saved.text
    assert "Lee Park" in saved.text
