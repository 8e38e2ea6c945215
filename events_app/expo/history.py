"""What the expo writes to the audit log: every change to a booth, a booking, a partner or the expo's rules.

The change is flushed first, so the entry is written in the same transaction as the rows it names.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.models import Conference
from events_app.expo.models import BookingWindow, BoothBooking, BusinessCategory, Partner, PartnerTier


async def _write(
    db: AsyncSession,
    action: str,
    about: tuple[str, uuid.UUID],
    conference_id: uuid.UUID | None,
    actor: Principal | None,
    details: dict[str, Any],
) -> None:
    await db.flush()
    subject_type, subject_id = about
    await record(
        db,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        conference_id=conference_id,
        **details,
    )


async def booth_changed(
    db: AsyncSession,
    action: str,
    *,
    booth_id: uuid.UUID,
    conference_id: uuid.UUID,
    actor: Principal | None,
    **details: Any,
) -> None:
    await _write(db, action, ("booth", booth_id), conference_id, actor, details)


async def booth_booked(
    db: AsyncSession, action: str, *, booking: BoothBooking, actor: Principal | None, **details: Any
) -> None:
    """A booth taken by ``booking``: the entry is the booth's, and names the booking."""
    about = {"booking_id": str(booking.id), **details}
    await _write(db, action, ("booth", booking.booth_id), booking.conference_id, actor, about)


_KINDS: dict[type, str] = {
    BoothBooking: "booking",
    Partner: "partner",
    Conference: "conference",
    BookingWindow: "booking_window",
    PartnerTier: "partner_tier",
    BusinessCategory: "business_category",
}


async def changed(
    db: AsyncSession,
    action: str,
    subject: BoothBooking | Partner | Conference | BookingWindow | PartnerTier | BusinessCategory,
    *,
    actor: Principal | None,
    **details: Any,
) -> None:
    """A conference's own entries are its expo settings and floor plan; a partner is every conference's, so none."""
    if isinstance(subject, Conference):
        conference_id: uuid.UUID | None = subject.id
    elif isinstance(subject, Partner | PartnerTier | BusinessCategory):
        conference_id = None
    else:
        conference_id = subject.conference_id
    await _write(db, action, (_KINDS[type(subject)], subject.id), conference_id, actor, details)
