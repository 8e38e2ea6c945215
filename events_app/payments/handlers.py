"""The purposes payments serves: each selling domain's ``PaymentHandler``, and telling it when money moves.

Payments knows nothing of what is bought. ``events_app.wiring`` registers one handler per
purpose at start; the functions below record the change in the audit trail and call the
handler inside the transaction that changed the payment. A payment for a purpose nobody
handles, or one its handler cannot honour, is kept and flagged for staff.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.payments.errors import CannotHonour
from events_app.payments.ledger import audit, flag, move
from events_app.payments.models import Payment, PaymentStatus, Refund
from events_app.settings import Settings


class PaymentHandler(Protocol):
    """What a domain that sells something tells payments to do when money moves.

    Each method runs inside the transaction that changes the payment and is called
    once per change. ``on_paid`` may raise ``CannotHonour(reason)`` when the thing
    bought can no longer be given; the payment then stays paid and is marked "needs
    attention" for staff to refund. What the handler wrote before raising is kept (it
    may mark its own record too), so it must not leave half a change behind.
    """

    async def on_paid(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None: ...

    async def on_failed(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None: ...

    async def on_refunded(self, db: AsyncSession, *, settings: Settings, payment: Payment, refund: Refund) -> None: ...


_HANDLERS: dict[str, PaymentHandler] = {}


def register_handler(purpose: str, handler: PaymentHandler) -> None:
    """Makes ``handler`` the one told about payments for ``purpose`` (``events_app.wiring`` calls it)."""
    if not purpose or len(purpose) > 40:
        raise ValueError("a purpose is 1-40 characters")
    _HANDLERS[purpose] = handler


def unregister_handler(purpose: str) -> None:
    """Forgets a purpose's handler (tests use it to clean up)."""
    _HANDLERS.pop(purpose, None)


async def tell_paid(db: AsyncSession, settings: Settings, payment: Payment) -> None:
    """The payment has just become paid: audit it and let its purpose give what was bought."""
    await audit(db, payment, "payment.paid", amount_cents=payment.amount_paid_cents, method=payment.method.value)
    handler = _HANDLERS.get(payment.purpose)
    if handler is None:
        await flag(db, payment, f"Paid, but nothing here handles payments for {payment.purpose!r}.")
        return
    try:
        await handler.on_paid(db, settings=settings, payment=payment)
    except CannotHonour as exc:
        await flag(db, payment, f"Paid, but cannot be honoured: {exc.reason}")


async def tell_failed(db: AsyncSession, settings: Settings, payment: Payment) -> None:
    """The payment has just failed or been cancelled: its purpose lets go of what was held."""
    await audit(db, payment, f"payment.{payment.status.value}", reason=payment.failure_message)
    if (handler := _HANDLERS.get(payment.purpose)) is not None:
        await handler.on_failed(db, settings=settings, payment=payment)


async def tell_refunded(db: AsyncSession, settings: Settings, payment: Payment, refund: Refund) -> None:
    """A refund has just succeeded: the payment is refunded once all it collected went back."""
    await move(
        db,
        payment,
        to=PaymentStatus.REFUNDED,
        allowed_from=[PaymentStatus.PAID],
        extra=Payment.amount_refunded_cents >= Payment.amount_paid_cents,
    )
    await audit(db, payment, "payment.refunded", refund_id=str(refund.id), amount_cents=refund.amount_cents)
    if payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
        return  # money taken after the attempt was given up: its purpose let go of it already
    if (handler := _HANDLERS.get(payment.purpose)) is not None:
        await handler.on_refunded(db, settings=settings, payment=payment, refund=refund)
