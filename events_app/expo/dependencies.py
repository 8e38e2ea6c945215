"""The expo's providers: the partner a caller acts for, and the partner, booth, hold, booking or lead named
in the address, each checked against the request's conference (and, for a partner user, against its own
partner: another partner's hold or booking answers as if it did not exist).

Controllers and pages register them with ``dependencies=EXPO_DEPENDENCIES`` (or the part they use)
and take ``my_partner: NamedDependency[Partner]``, ``booking: NamedDependency[BoothBooking]``, ...
"""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.expo import bookings, floorplan, holds, leads, partners
from events_app.expo.errors import NotAPartnerContact
from events_app.expo.leads import LeadView
from events_app.expo.models import Booth, BoothBooking, BoothHold, Partner


async def provide_partner_scope(
    db_session: NamedDependency[AsyncSession],
    actor: NamedDependency[Principal],
    conference_cache: NamedDependency[ConferenceCache],
) -> Partner | None:
    """Whose holds and bookings the caller may see: a partner user only its own partner's (refused when it
    acts for no active partner), staff and organizers every partner's (None)."""
    if actor.role != Role.PARTNER:
        return None
    return await partners.partner_of(db_session, actor, cache=conference_cache)


async def provide_my_partner(partner_scope: NamedDependency[Partner | None]) -> Partner:
    """The active partner the signed-in partner user acts for; refused (404) for anyone else."""
    if partner_scope is None:
        raise NotAPartnerContact()
    return partner_scope


async def provide_viewer_partner(
    db_session: NamedDependency[AsyncSession],
    principal: NamedDependency[Principal | None],
    conference_cache: NamedDependency[ConferenceCache],
) -> Partner | None:
    """The active partner a signed-in partner user acts for, so its own holds and bookings show as its own;
    None for anyone else (nobody is refused)."""
    if principal is None or principal.role != Role.PARTNER:
        return None
    partner = await partners.partner_for_user(db_session, user_id=principal.user_id, cache=conference_cache)
    return partner if partner is not None and partner.active else None


async def provide_partner(db_session: NamedDependency[AsyncSession], partner_id: FromPath[uuid.UUID]) -> Partner:
    """The partner named in the address (the Partner Program is shared by every conference)."""
    return await partners.get_partner(db_session, partner_id=partner_id)


async def provide_booth(
    db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference], booth_id: FromPath[uuid.UUID]
) -> Booth:
    """The booth named in the address, a booth of this conference."""
    return await floorplan.get_booth(db_session, conference=conference, booth_id=booth_id)


async def provide_hold(
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    my_partner: NamedDependency[Partner],
    hold_id: FromPath[uuid.UUID],
) -> BoothHold:
    """The hold named in the address: one of this conference's, held by the caller's partner."""
    return await holds.get_hold(db_session, conference=conference, hold_id=hold_id, partner=my_partner)


async def provide_booking(
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    partner_scope: NamedDependency[Partner | None],
    booking_id: FromPath[uuid.UUID],
) -> BoothBooking:
    """The booking named in the address: one of this conference's that the caller may see."""
    return await bookings.get_booking(db_session, conference=conference, booking_id=booking_id, partner=partner_scope)


async def provide_lead(
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    my_partner: NamedDependency[Partner],
    lead_id: FromPath[uuid.UUID],
) -> LeadView:
    """The lead named in the address: one of the caller's partner's at this conference."""
    return await leads.get_lead(db_session, conference=conference, partner=my_partner, lead_id=lead_id)


EXPO_DEPENDENCIES = {
    "my_partner": Provide(provide_my_partner),
    "viewer_partner": Provide(provide_viewer_partner),
    "partner_scope": Provide(provide_partner_scope),
    "booth": Provide(provide_booth),
    "hold": Provide(provide_hold),
    "booking": Provide(provide_booking),
    "lead": Provide(provide_lead),
}
