"""The payments domain's refusals, one class per stable code, so a code always has one status::

    NotFound (404)
    ├── PaymentNotFound          payment-not-found
    └── InvoiceNotFound          invoice-not-found
    Invalid (422)
    ├── CardPaymentsDisabled     card-payments-disabled  (invoice-only mode: no Stripe key)
    ├── AmountNotPositive        amount-not-positive
    ├── BadCurrency              bad-currency
    ├── AmountTooSmall           amount-too-small        (Stripe's card minimum)
    ├── BadPaymentMethod         bad-payment-method      (a card Stripe does not know)
    ├── CardMissing              card-missing            (a card checkout without the Stripe.js card)
    ├── InvoiceEmpty             invoice-empty
    ├── BillToMissing            bill-to-missing
    ├── DueBeforeIssue           due-before-issue
    ├── ReceivedInFuture         received-in-future
    ├── OverPayment              more-than-balance
    ├── RefundTooLarge           refund-too-large
    ├── RefundMethodMissing      refund-method-missing   (an invoice refund says how the money left)
    ├── IdempotencyKeyTooLong    idempotency-key-too-long
    ├── RoutingNumberInvalid     routing-number-invalid  (fails the ABA check digit)
    └── BankDetailsIncomplete    bank-details-incomplete (ACH needs the bank, routing and account numbers)
    Conflict (409)
    ├── PaymentInProgress        payment-in-progress     (one live payment per thing bought)
    │   └── InvoiceOpen          invoice-open            (the live payment is an open invoice)
    ├── AlreadyPaid              already-paid
    ├── NotCancellable           not-cancellable
    ├── InvoiceMissing           invoice-missing
    ├── InvoiceNotOpen           invoice-not-open
    ├── InvoiceHasPayments       invoice-has-payments    (refund it instead of voiding)
    ├── NothingToRefund          nothing-to-refund
    ├── RefundRefused            refund-refused          (Stripe said no)
    └── NoAttentionNeeded        no-attention-needed
    DomainError (400, its default status)
    ├── BadSignature             bad-signature           (a webhook not signed by Stripe)
    ├── BadEvent                 bad-event               (a webhook body that is not a Stripe event)
    └── WebhooksNotConfigured    webhooks-not-configured
    Unavailable (503)
    ├── StripeUnavailable        stripe-unavailable
    └── PaymentNotYetRecorded    payment-not-recorded-yet  (a webhook raced its payment's creation)

A payment names its conference by id: an unknown one is
``events_app.conferences.errors.ConferenceNotFound``.

Choosing a card where card payments are switched off is 422, like any other way of paying
this service does not take (the expo's booth checkout used to answer 409). Nothing left to
refund is 409, whether the money was all given back already or a card payment never
reached Stripe: it is the payment's state that refuses, not the request.

``CannotHonour`` is not an HTTP error: a purpose handler raises it from ``on_paid`` when
the thing bought can no longer be given (the seats are gone); the payment is then kept,
marked paid and "needs attention" so staff can refund it. No payment is dropped.
"""

from __future__ import annotations

from events_app.core.errors import Conflict, DomainError, Invalid, NotFound, Unavailable


class PaymentNotFound(NotFound):
    code = "payment-not-found"


class InvoiceNotFound(NotFound):
    code = "invoice-not-found"


class CardPaymentsDisabled(Invalid):
    code = "card-payments-disabled"


class AmountNotPositive(Invalid):
    code = "amount-not-positive"


class BadCurrency(Invalid):
    code = "bad-currency"


class AmountTooSmall(Invalid):
    code = "amount-too-small"


class BadPaymentMethod(Invalid):
    code = "bad-payment-method"


class CardMissing(Invalid):
    code = "card-missing"


class InvoiceEmpty(Invalid):
    code = "invoice-empty"


class BillToMissing(Invalid):
    code = "bill-to-missing"


class DueBeforeIssue(Invalid):
    code = "due-before-issue"


class ReceivedInFuture(Invalid):
    code = "received-in-future"


class OverPayment(Invalid):
    code = "more-than-balance"


class RefundTooLarge(Invalid):
    code = "refund-too-large"


class RefundMethodMissing(Invalid):
    code = "refund-method-missing"


class IdempotencyKeyTooLong(Invalid):
    code = "idempotency-key-too-long"


class PaymentInProgress(Conflict):
    code = "payment-in-progress"


class InvoiceOpen(PaymentInProgress):
    code = "invoice-open"


class AlreadyPaid(Conflict):
    code = "already-paid"


class NotCancellable(Conflict):
    code = "not-cancellable"


class InvoiceMissing(Conflict):
    code = "invoice-missing"


class InvoiceNotOpen(Conflict):
    code = "invoice-not-open"


class InvoiceHasPayments(Conflict):
    code = "invoice-has-payments"


class NothingToRefund(Conflict):
    code = "nothing-to-refund"


class RefundRefused(Conflict):
    code = "refund-refused"


class NoAttentionNeeded(Conflict):
    code = "no-attention-needed"


class BadSignature(DomainError):
    code = "bad-signature"


class BadEvent(DomainError):
    code = "bad-event"


class WebhooksNotConfigured(DomainError):
    code = "webhooks-not-configured"


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


class RoutingNumberInvalid(Invalid):
    code = "routing-number-invalid"


class BankDetailsIncomplete(Invalid):
    code = "bank-details-incomplete"
