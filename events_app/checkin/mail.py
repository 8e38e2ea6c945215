"""The QR badge in every confirmation mail, through registration's attachment extension point.

Registration calls the provider inside the confirming transaction for each attendee it
confirms (and for the new person of a substitution), so the badge always carries the
attendee's current badge version. ``events_app.wiring`` registers it at start.
"""

from __future__ import annotations

from collections.abc import Sequence

from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import qr
from events_app.checkin.badges import badge_token
from events_app.conferences.models import Conference
from events_app.core.mail import Attachment
from events_app.registration.models import Attendee
from events_app.settings import Settings


async def badge_attachment(
    db: AsyncSession, *, settings: Settings, conference: Conference, attendee: Attendee
) -> Sequence[Attachment]:
    """The attendee's badge QR as a PNG: shown on a phone at the door, or printed at home."""
    token = await badge_token(db, settings=settings, conference=conference, holder=attendee)
    image = await to_thread.run_sync(qr.png, token)
    return [Attachment(filename=f"badge-{conference.slug}.png", content_type="image/png", data=image)]
