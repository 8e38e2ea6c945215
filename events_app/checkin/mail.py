"""The QR badge in every confirmation mail, and its link on the attendee's mails and manage page,
through registration's attachment and link extension points.

Registration calls the provider inside the confirming transaction for each attendee it
confirms (and for the new person of a substitution), so the badge always carries the
attendee's current badge version. ``events_app.wiring`` registers it at start.
"""

from __future__ import annotations

from collections.abc import Sequence

from anyio import to_thread
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import people, qr
from events_app.checkin.badges import badge_link, badge_token
from events_app.conferences.models import Conference
from events_app.core.mail import Attachment
from events_app.registration.mail import AttendeeLink
from events_app.registration.models import Attendee, AttendeeStatus
from events_app.settings import Settings


async def badge_attachment(
    db: AsyncSession, *, settings: Settings, conference: Conference, attendee: Attendee
) -> Sequence[Attachment]:
    """The attendee's badge QR as a PNG: shown on a phone at the door, or printed at home."""
    token = await badge_token(db, settings=settings, conference=conference, holder=attendee)
    image = await to_thread.run_sync(qr.png, token)
    return [Attachment(filename=f"badge-{conference.slug}.png", content_type="image/png", data=image)]


async def badge_page_link(
    db: AsyncSession, *, settings: Settings, conference: Conference, attendee: Attendee
) -> Sequence[AttendeeLink]:
    """The badge's lasting link, once the badge lets its holder in (paid, or vouched for by the conference)."""
    admitted = attendee.status == AttendeeStatus.CONFIRMED or (
        conference.admit_invoiced_members and await _invoiced_member(db, attendee)
    )
    if not admitted:
        return []
    return [AttendeeLink("Badge", badge_link(settings, conference=conference, attendee_id=attendee.id, ext="png"))]


async def _invoiced_member(db: AsyncSession, attendee: Attendee) -> bool:
    if not inspect(attendee).has_identity:
        # Being registered now: its order is in hand, and reading it would write the order early.
        return people.invoiced_member(attendee.order.status, attendee.rate)
    holder = await people.holder(db, attendee_id=attendee.id)
    return holder is not None and holder.invoiced_member
