"""What people find in their mailbox: confirmations with the conference calendar (and whatever check-in adds),
cancellation and refund notices, a new manage link."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from icalendar import Calendar
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.core.mail import Attachment, deliver_outbox
from events_app.registration import mail
from events_app.registration.models import Attendee
from events_app.settings import Settings
from tests.conftest import MailBox
from tests.registration.conftest import World

URL = "/api/conferences/annual-2027/registration"


async def _badge(
    db: AsyncSession, *, settings: Settings, conference: Conference, attendee: Attendee
) -> Sequence[Attachment]:
    return [Attachment(f"badge-{attendee.id}.txt", "text/plain", f"badge v{attendee.badge_version}".encode())]


@pytest.fixture
def badge_provider() -> Iterator[None]:
    mail.confirmation_attachments.add(_badge)
    yield
    mail.confirmation_attachments.remove(_badge)


def _free_order(world: World, code: str) -> dict[str, Any]:
    return {
        "buyer_name": "Dr. Ada Speaker",
        "buyer_email": "ada@university.edu",
        "promo_code": code,
        "attendees": [{"registration_type_id": str(world.speaker.id), "first_name": "Ada", "last_name": "Speaker",
                       "email": "ada@university.edu", "badge_name": "Dr. Ada"}],
    }  # fmt: skip


async def _speaker_code(client: AsyncTestClient[Litestar], world: World, organizer: Any) -> None:
    response = await client.post(
        f"{URL}/promo-codes",
        headers=organizer.headers,
        json={"code": "ADA", "kind": "percent", "value": 100, "registration_type_ids": [str(world.speaker.id)]},
    )
    assert response.status_code == 201


async def test_the_confirmation_carries_the_conference_calendar_and_the_badge_attachment(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    world: World,
    organizer: Any,
    mail_settings: Settings,
    smtp_server: MailBox,
    badge_provider: None,
) -> None:
    await _speaker_code(client, world, organizer)
    placed = await client.post(f"{URL}/orders", json=_free_order(world, "ada"))
    assert placed.status_code == 201
    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]
    confirmation = next(m for m in smtp_server.to("ada@university.edu") if "You are registered" in m["Subject"])
    parts = {p.get_filename(): p for p in confirmation.iter_attachments()}
    assert parts[f"badge-{placed.json()['attendees'][0]['id']}.txt"].get_content() == "badge v1"
    calendar = Calendar.from_ical(parts["annual-2027.ics"].get_content())
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == world.conference.name
    assert event.decoded("DTSTART").isoformat() == "2027-10-06"
    assert event.decoded("DTEND").isoformat() == "2027-10-09"
    assert "Long Beach Convention Center" in str(event["LOCATION"])
    # A stable UID and DTSTAMP: every copy of this calendar describes the same event, unchanged.
    assert str(event["UID"]) == f"conference-{world.conference.id}@testserver.local"
    assert event.decoded("DTSTAMP") == world.conference.updated_at.replace(microsecond=0)
    receipt = next(m for m in smtp_server.to("ada@university.edu") if "confirmed" in m["Subject"])
    assert "/registration/manage/" in receipt.get_content()


async def test_cancellation_and_refund_mails_say_what_happened(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    world: World,
    settings: Settings,
    mail_settings: Settings,
    smtp_server: MailBox,
) -> None:
    from tests.registration.test_manage_and_organizers import _paid_group, _token

    placed = await _paid_group(client, db, settings, world)
    tom = placed["attendees"][1]
    response = await client.post(f"{URL}/manage/{_token(placed)}/cancel", json={"attendee_ids": [tom["id"]]})
    assert response.status_code == 200
    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]
    [cancelled] = [m for m in smtp_server.to("tlee@fresno.gov") if "cancelled" in m["Subject"]]
    assert "Tom Lee" in cancelled.get_content()
    assert "A refund of $500.00 is on its way" in cancelled.get_content()
    [refund] = [m for m in smtp_server.to("clerk@fresno.gov") if "Refund" in m["Subject"]]
    assert "$500.00" in refund.get_content()


async def test_staff_send_a_new_manage_link_and_the_old_one_stops_working(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    world: World,
    organizer: Any,
    mail_settings: Settings,
    smtp_server: MailBox,
) -> None:
    await _speaker_code(client, world, organizer)
    placed = (await client.post(f"{URL}/orders", json=_free_order(world, "ADA"))).json()
    old_token = placed["manage_url"].rsplit("/", 1)[1]
    response = await client.post(f"{URL}/orders/{placed['id']}/manage-link", headers=organizer.headers)
    assert response.status_code == 200
    assert (await client.get(f"{URL}/manage/{old_token}")).status_code == 422
    new_token = response.json()["manage_url"].rsplit("/", 1)[1]
    assert (await client.get(f"{URL}/manage/{new_token}")).json()["id"] == placed["id"]
    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]
    [reissued] = [m for m in smtp_server.to("ada@university.edu") if m["Subject"].startswith("Manage order")]
    assert new_token in reissued.get_content()
