"""The buyer's signed manage link: the one key to an order for someone with no account.

The link carries the order's id and ``manage_version``, signed with the service's secret;
reissuing it raises the version, so every earlier link (one forwarded by mistake) stops
working. Pages and API calls under ``/registration/manage/{token}`` take their order from
``order_from_manage_token``, which also keeps a link to its own conference.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core import signing
from events_app.core.signing import LinkInvalid
from events_app.registration import mail
from events_app.registration.errors import OrderNotFound
from events_app.registration.models import Order
from events_app.registration.service import audit
from events_app.settings import Settings

MANAGE_PURPOSE = "registration.manage"


def manage_token(settings: Settings, order: Order) -> str:
    return signing.sign(settings.secret_key, purpose=MANAGE_PURPOSE, payload=f"{order.id}.{order.manage_version}")


def manage_url(settings: Settings, *, conference: Conference, order: Order) -> str:
    return f"{settings.base_url}/c/{conference.slug}/registration/manage/{manage_token(settings, order)}"


async def order_from_manage_token(db: AsyncSession, *, settings: Settings, conference: Conference, token: str) -> Order:
    """The order a manage link stands for, in this conference; a link made before the last reissue no longer works."""
    payload = signing.unsign(settings.secret_key, purpose=MANAGE_PURPOSE, token=token)
    order_id, _, version = payload.partition(".")
    order = await db.get(Order, uuid.UUID(order_id), populate_existing=True)
    if order is None or str(order.manage_version) != version:
        raise LinkInvalid("This link is no longer valid.")
    if order.conference_id != conference.id:
        raise OrderNotFound("No order has this link here.")
    return order


async def reissue_manage_link(db: AsyncSession, *, settings: Settings, order: Order, actor: Principal | None) -> str:
    """A new manage link, mailed to the buyer; every earlier link stops working (e.g. one forwarded by mistake)."""
    order.manage_version += 1
    await db.flush()
    conference = await db.get_one(Conference, order.conference_id)
    url = manage_url(settings, conference=conference, order=order)
    await mail.send_manage_link(db, settings=settings, conference=conference, order=order, manage_url=url)
    await audit(db, order, "registration.manage_link_reissued", actor=actor, version=order.manage_version)
    return url
