"""Registration's providers: the order, type or promo code named in an address, found once per request.

Each is built on the app-wide ``conference`` dependency and answers 404 for a thing of
another conference, so a handler that takes ``order: NamedDependency[Order]`` starts
from what it may touch. ``managed_order`` is the order behind a buyer's signed manage
link (``{token}``), the buyer's only key to it.
"""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.registration import checkout, manage_links, promo, service
from events_app.registration.models import Order, PromoCode, RegistrationType
from events_app.settings import Settings


async def provide_managed_order(
    settings: NamedDependency[Settings],
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    token: FromPath[str],
) -> Order:
    """The order of this conference behind the manage link ``{token}``."""
    return await manage_links.order_from_manage_token(db_session, settings=settings, conference=conference, token=token)


async def provide_order(
    db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference], order_id: FromPath[uuid.UUID]
) -> Order:
    """The order ``{order_id}`` of this conference, for organizers and staff."""
    return await checkout.get_order(db_session, order_id=order_id, conference_id=conference.id)


async def provide_registration_type(
    db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference], type_id: FromPath[uuid.UUID]
) -> RegistrationType:
    """The registration type ``{type_id}`` of this conference."""
    return await service.get_type(db_session, conference_id=conference.id, type_id=type_id)


async def provide_promo_code(
    db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference], code_id: FromPath[uuid.UUID]
) -> PromoCode:
    """The promo code ``{code_id}`` of this conference."""
    return await promo.get_code(db_session, conference_id=conference.id, code_id=code_id)
