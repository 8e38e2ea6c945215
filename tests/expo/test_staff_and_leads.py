"""Partners name their booth staff (badges by booth size, extras at a price) and keep their leads."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.checkin import badges as checkin
from events_app.core.mail import deliver_outbox
from events_app.core.spreadsheet import spreadsheet_safe
from events_app.expo import leads
from events_app.expo.models import Lead
from events_app.payments import service as payments
from events_app.payments.models import ReceiptMethod
from events_app.registration import service as registration
from events_app.registration.models import Attendee, TypeKind
from events_app.registration.schemas import TypeIn
from events_app.settings import Settings
from tests.conftest import MailBox
from tests.expo.conftest import ExpoWorld, MakePartner, PartnerUser

Client = AsyncTestClient[Litestar]


async def _booked(client: Client, expo: ExpoWorld, who: PartnerUser, code: str) -> str:
    held = (await client.post(f"{expo.api}/holds", json={"booth_code": code}, headers=who.headers)).json()
    done = await client.post(f"{expo.api}/holds/{held['id']}/checkout", json={"method": "invoice"}, headers=who.headers)
    return str(done.json()["booking"]["id"])


def _person(n: int) -> dict[str, str]:
    return {"first_name": f"Pat{n}", "last_name": "Booth", "email": f"pat{n}@acme.example", "title": "Sales"}


async def test_a_10x20_booth_includes_four_badges_and_extras_count_once_paid(
    client: Client,
    db: AsyncSession,
    settings: Settings,
    mail_settings: Settings,
    smtp_server: MailBox,
    expo: ExpoWorld,
    make_partner: MakePartner,
) -> None:
    acme = await make_partner("Acme")
    booking_id = await _booked(client, expo, acme, "201")  # 10x20
    staff_url = f"{expo.api}/bookings/{booking_id}/staff"
    for n in range(4):
        named = await client.post(staff_url, json=_person(n), headers=acme.headers)
        assert named.status_code == 201, named.text
    attendee = await db.get_one(Attendee, uuid.UUID(named.json()["attendee_id"]))
    assert (attendee.registration_type.kind, attendee.organization, attendee.status) == (
        TypeKind.EXHIBITOR,
        "Acme",
        "confirmed",
    )
    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]
    [welcome] = smtp_server.to("pat3@acme.example")
    assert welcome["Subject"] == "Your exhibitor badge: Expo Test Conference"
    assert "Acme registered you as exhibitor staff at booth 201" in welcome.get_body(("plain",)).get_content()
    [badge_png] = [part for part in welcome.iter_attachments() if part.get_content_type() == "image/png"]
    assert badge_png.get_content().startswith(b"\x89PNG")
    fifth = await client.post(staff_url, json=_person(4), headers=acme.headers)
    assert (fifth.status_code, fifth.json()["code"]) == (409, "badges-used-up")
    again = await client.post(staff_url, json=_person(0), headers=acme.headers)
    assert again.json()["code"] == "staff-already-named"

    order = await client.post(
        f"{expo.api}/bookings/{booking_id}/badges", json={"quantity": 2, "method": "invoice"}, headers=acme.headers
    )
    assert order.status_code == 201
    assert (order.json()["unit_price_cents"], order.json()["status"]) == (15000, "pending")
    assert (await client.post(staff_url, json=_person(4), headers=acme.headers)).json()["code"] == "badges-used-up"
    payment = await payments.live_payment_for(db, purpose="expo-badges", reference_id=uuid.UUID(order.json()["id"]))
    assert payment is not None
    assert payment.invoice is not None
    assert payment.amount_cents == 30000
    await payments.record_invoice_payment(
        db,
        settings=settings,
        invoice=payment.invoice,
        amount_cents=30000,
        method=ReceiptMethod.ACH,
        received_on=datetime.now(UTC).date(),
        actor=None,
    )
    await db.commit()
    assert (await client.post(staff_url, json=_person(4), headers=acme.headers)).status_code == 201
    listed = (await client.get(staff_url, headers=acme.headers)).json()
    assert (listed["included"], listed["bought"], listed["named"], listed["left"]) == (4, 2, 5, 1)


async def test_staff_cannot_be_named_for_someone_elses_booking(
    client: Client, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme, other = await make_partner("Acme"), await make_partner("Other")
    booking_id = await _booked(client, expo, acme, "101")
    response = await client.post(f"{expo.api}/bookings/{booking_id}/staff", json=_person(1), headers=other.headers)
    assert response.status_code == 404


async def _visitor(db: AsyncSession, expo: ExpoWorld, *, email: str, consent: bool, title: str = "Mayor") -> Attendee:
    kind = await registration.create_type(
        db,
        conference=expo.conference,
        actor=None,
        data=TypeIn(
            name=f"Full {email}",
            kind=TypeKind.FULL,
            member_price_cents=0,
            non_member_price_cents=0,
        ),
    )
    return await registration.add_confirmed_attendee(
        db,
        conference_id=expo.conference.id,
        registration_type_id=kind.id,
        first_name="Maria",
        last_name="Lopez",
        email=email,
        title=title,
        city_name="Fresno",
        consent_to_share_contact=consent,
    )


def _principal(who: PartnerUser) -> Principal:
    from events_app.accounts.models import Role

    return Principal(user_id=who.caller.user_id, email=who.caller.email, name="Booth Pat", role=Role.PARTNER)


async def test_a_repeated_scan_updates_the_lead_and_contact_needs_consent(
    client: Client, db: AsyncSession, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme, other = await make_partner("Acme"), await make_partner("Other")
    shy = await _visitor(db, expo, email="shy@fresno.gov", consent=False)
    open_ = await _visitor(db, expo, email="open@fresno.gov", consent=True, title='=HYPERLINK("http://x")')
    await leads.record_scan(
        db,
        conference=expo.conference,
        partner=acme.partner,
        attendee=shy,
        scanned_by=_principal(acme),
        notes="Wants a demo",
        rating=4,
    )
    again = await leads.record_scan(
        db, conference=expo.conference, partner=acme.partner, attendee=shy, scanned_by=_principal(acme)
    )
    await leads.record_scan(
        db,
        conference=expo.conference,
        partner=acme.partner,
        attendee=open_,
        scanned_by=_principal(acme),
        notes="@SUM(A1:A9) call back",
    )
    await leads.record_scan(
        db, conference=expo.conference, partner=other.partner, attendee=shy, scanned_by=_principal(other)
    )
    await db.commit()
    assert (again.lead.scans, again.lead.notes, again.lead.rating) == (2, "Wants a demo", 4)
    assert await db.scalar(select(func.count()).select_from(Lead).where(Lead.partner_id == acme.partner.id)) == 2

    mine = {
        lead["name"] + lead["title"]: lead
        for lead in (await client.get(f"{expo.api}/leads", headers=acme.headers)).json()
    }
    shy_lead = mine["Maria LopezMayor"]
    assert (shy_lead["email"], shy_lead["contact_shared"], shy_lead["city"]) == (None, False, "Fresno")
    assert next(v for k, v in mine.items() if k != "Maria LopezMayor")["email"] == "open@fresno.gov"
    assert len((await client.get(f"{expo.api}/leads", headers=other.headers)).json()) == 1
    foreign = await client.get(f"{expo.api}/leads/{shy_lead['id']}", headers=other.headers)
    assert foreign.status_code == 404

    patched = await client.patch(
        f"{expo.api}/leads/{shy_lead['id']}", json={"rating": None, "notes": "Sent deck"}, headers=acme.headers
    )
    assert (patched.json()["rating"], patched.json()["notes"]) == (None, "Sent deck")

    exported = await client.get(f"{expo.api}/leads.csv", headers=acme.headers)
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["Name", "Title", "Organization", "City", "Email"]
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert "'@SUM(A1:A9) call back" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "shy@fresno.gov" not in exported.text


def test_spreadsheet_cells_never_start_a_formula() -> None:
    assert spreadsheet_safe("=1+1") == "'=1+1"
    assert spreadsheet_safe("-2") == "'-2"
    assert spreadsheet_safe("\t=cmd") == "'\t=cmd"
    assert spreadsheet_safe("Acme") == "Acme"
    assert spreadsheet_safe(None) == ""


async def test_partner_staff_scan_badges_and_a_rescan_updates_the_lead(
    client: Client, db: AsyncSession, settings: Settings, expo: ExpoWorld, make_partner: MakePartner
) -> None:
    acme, walker = await make_partner("Acme"), await make_partner("No Booth Co")
    await _booked(client, expo, acme, "101")
    visitor = await _visitor(db, expo, email="mayor@fresno.gov", consent=True)
    holder = await checkin.get_holder(db, conference=expo.conference, attendee_id=visitor.id)
    badge = await checkin.badge_token(db, settings=settings, conference=expo.conference, holder=holder)
    await db.commit()
    scans = f"{expo.api}/leads/scans"

    first = await client.post(scans, json={"badge": badge, "rating": 5, "notes": "Wants a quote"}, headers=acme.headers)
    assert first.status_code == 201, first.text
    assert (first.json()["name"], first.json()["email"], first.json()["scans"]) == (
        "Maria Lopez",
        "mayor@fresno.gov",
        1,
    )
    again = await client.post(scans, json={"badge": badge}, headers=acme.headers)
    assert (again.json()["id"], again.json()["scans"], again.json()["notes"]) == (
        first.json()["id"],
        2,
        "Wants a quote",
    )
    assert len((await client.get(f"{expo.api}/leads", headers=acme.headers)).json()) == 1

    no_booth = await client.post(scans, json={"badge": badge}, headers=walker.headers)
    assert (no_booth.status_code, no_booth.json()["code"]) == (403, "no-booth-here")
    forged = await client.post(scans, json={"badge": badge[:-6] + "AAAAAA"}, headers=acme.headers)
    assert (forged.status_code, forged.json()["code"]) == (422, "badge-invalid")
    not_a_badge = await client.post(scans, json={"badge": "hello"}, headers=acme.headers)
    assert not_a_badge.json()["code"] == "badge-invalid"

    visitor.badge_version += 1  # a lost badge was replaced at the desk
    await db.commit()
    replaced = await client.post(scans, json={"badge": badge}, headers=acme.headers)
    assert (replaced.status_code, replaced.json()["code"]) == (422, "badge-revoked")
