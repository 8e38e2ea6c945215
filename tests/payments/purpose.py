"""A tiny purpose for payment tests: "test-ticket", whose handler writes each call to the audit trail.

The audit trail is a real table, so calls made in another process (a uvicorn server, the CLI)
can be counted by the test. A payment whose description contains ``[sold out]`` cannot be
honoured, as when the seats were taken while the buyer was paying.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.audit.service import record
from events_app.payments import service
from events_app.payments.errors import CannotHonour
from events_app.payments.models import Payment, Refund
from events_app.settings import Settings

PURPOSE = "test-ticket"
SOLD_OUT = "[sold out]"


class TicketHandler:
    async def on_paid(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
        if SOLD_OUT in payment.description:
            raise CannotHonour("the last ticket went to someone else while this buyer was paying")
        await record(db, actor=None, action="ticket.paid", subject_type="ticket", subject_id=payment.reference_id)

    async def on_failed(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
        await record(db, actor=None, action="ticket.failed", subject_type="ticket", subject_id=payment.reference_id)

    async def on_refunded(self, db: AsyncSession, *, settings: Settings, payment: Payment, refund: Refund) -> None:
        await record(
            db,
            actor=None,
            action="ticket.refunded",
            subject_type="ticket",
            subject_id=payment.reference_id,
            amount_cents=refund.amount_cents,
        )


def register() -> None:
    service.register_handler(PURPOSE, TicketHandler())


async def calls(db: AsyncSession, action: str) -> int:
    """How many times the handler was told ``action`` ("ticket.paid", ...), in any process."""
    await db.commit()  # end any snapshot, so what other processes committed is seen
    return await db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)) or 0
