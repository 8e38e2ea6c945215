"""The station, attendee, badge print and badge link named in a check-in address, found once in the request's
conference.

Built on the app-wide ``conference`` dependency: a station or attendee of another
conference answers 404 as if it did not exist. Controllers register them with
``dependencies={"station": Provide(provide_station)}``.
"""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin.badge_prints import get_print
from events_app.checkin.badges import get_holder, token_behind_link
from events_app.checkin.models import BadgePrint, Station
from events_app.checkin.people import Holder
from events_app.checkin.stations import get_station
from events_app.conferences.models import Conference
from events_app.settings import Settings


async def provide_station(
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    station_id: FromPath[uuid.UUID],
) -> Station:
    """The station at ``{station_id}``."""
    return await get_station(db_session, conference=conference, station_id=station_id)


async def provide_holder(
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    attendee_id: FromPath[uuid.UUID],
) -> Holder:
    """The attendee at ``{attendee_id}``, as check-in sees them."""
    return await get_holder(db_session, conference=conference, attendee_id=attendee_id)


async def provide_badge_print(
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    print_id: FromPath[uuid.UUID],
) -> BadgePrint:
    """The badge print at ``{print_id}``, as its process last wrote it."""
    return await get_print(db_session, conference=conference, print_id=print_id)


async def provide_linked_badge_token(
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    conference: NamedDependency[Conference],
    link: FromPath[str],
) -> str:
    """The current badge token behind the signed badge link ``{link}``."""
    return await token_behind_link(db_session, settings=settings, conference=conference, link=link)
