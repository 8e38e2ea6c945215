"""Comps: a registration given, not sold (a speaker, a board member, the association's own staff).

A comp type is code-only, so the public never buys one; an organizer either hands out a
code that covers it (a promo code listing the comp type) or issues the comp here to a
named person, who is registered at once with nothing to pay and mailed their confirmation.
The seat still counts against the type's capacity.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.registration import mail
from events_app.registration.errors import NotACompType
from events_app.registration.models import COMP_KINDS, Attendee, RegistrationType
from events_app.registration.service import add_confirmed_attendee, get_type, list_types
from events_app.settings import Settings


async def comp_types(db: AsyncSession, *, conference_id: uuid.UUID) -> list[RegistrationType]:
    """The conference's active comp types, the ones a comp can be issued under."""
    return [t for t in await list_types(db, conference_id=conference_id) if t.kind in COMP_KINDS and t.active]


async def issue_comp(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    registration_type_id: uuid.UUID,
    first_name: str,
    last_name: str,
    email: str,
    organization: str = "",
    title: str = "",
    actor: Principal,
) -> Attendee:
    """Registers one person under a comp type with nothing to pay, and mails them their confirmation."""
    registration_type = await get_type(db, conference_id=conference.id, type_id=registration_type_id)
    if registration_type.kind not in COMP_KINDS or not registration_type.active:
        raise NotACompType(f"{registration_type.name} is not an active comp type: choose a speaker or staff comp.")
    attendee = await add_confirmed_attendee(
        db,
        conference_id=conference.id,
        registration_type_id=registration_type.id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        title=title,
        organization=organization,
        actor=actor,
    )
    await mail.send_confirmation(
        db, settings=settings, conference=conference, attendee=attendee, type_name=registration_type.name
    )
    return attendee
