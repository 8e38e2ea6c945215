"""The payments domain's errors, each with a stable code::

    DomainError (core.errors)
    ├── NotFound
    │   ├── PaymentNotFound        payment-not-found
    │   └── InvoiceNotFound        invoice-not-found
    ├── Invalid
    │   ├── CardPaymentsDisabled   card-payments-disabled  (invoice-only mode: no Stripe key)
    │   ├── RefundTooLarge         refund-too-large
    │   └── OverPayment            more-than-balance
    ├── Conflict
    │   └── PaymentInProgress      payment-in-progress     (one live payment per thing bought)
    ├── BadWebhook (400)           bad-signature / bad-event
    └── Unavailable
        ├── StripeUnavailable      stripe-unavailable
        └── PaymentNotYetRecorded  payment-not-recorded-yet  (a webhook raced its payment's creation)

``CannotHonour`` is not an HTTP error: a purpose handler raises it from ``on_paid`` when
the thing bought can no longer be given (the seats are gone); the payment is then kept,
marked paid and "needs attention" so staff can refund it. No payment is dropped.
"""

from __future__ import annotations

from http import HTTPStatus

from events_app.core.errors import Conflict, DomainError, Invalid, NotFound, Unavailable


class PaymentNotFound(NotFound):
    code = "payment-not-found"


class InvoiceNotFound(NotFound):
    code = "invoice-not-found"


class CardPaymentsDisabled(Invalid):
    code = "card-payments-disabled"


class RefundTooLarge(Invalid):
    code = "refund-too-large"


class OverPayment(Invalid):
    code = "more-than-balance"


class PaymentInProgress(Conflict):
    code = "payment-in-progress"


class BadWebhook(DomainError):
    status = HTTPStatus.BAD_REQUEST
    code = "bad-signature"


class StripeUnavailable(Unavailable):
    code = "stripe-unavailable"


class PaymentNotYetRecorded(Unavailable):
    """A webhook raced the request creating its payment; answering 503 makes Stripe deliver it again."""

    code = "payment-not-recorded-yet"


class CannotHonour(Exception):
    """Raised by a purpose handler's ``on_paid``, before it changes anything, with a reason for staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
