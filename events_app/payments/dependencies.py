"""The ``payment`` and ``invoice`` named in a request's address, looked up within its conference.

Built on the app-wide ``conference`` dependency, so the draft rule and the token's
conference scope hold first; a payment or invoice of another conference answers 404.
"""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.payments import service
from events_app.payments.models import Invoice, Payment


async def provide_payment(
    payment_id: FromPath[uuid.UUID],
    conference: NamedDependency[Conference],
    db_session: NamedDependency[AsyncSession],
) -> Payment:
    """The payment at ``{payment_id}`` of this conference; ``PaymentNotFound`` otherwise."""
    return await service.get_payment(db_session, payment_id=payment_id, conference_id=conference.id)


async def provide_invoice(
    number: FromPath[str],
    conference: NamedDependency[Conference],
    db_session: NamedDependency[AsyncSession],
) -> Invoice:
    """The invoice numbered ``{number}`` (``INV-2027-00042``) of this conference; ``InvoiceNotFound`` otherwise."""
    return await service.get_invoice(db_session, number=number, conference_id=conference.id)
