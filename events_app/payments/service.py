"""Collecting money for whatever another domain sells, by card (Stripe) or by invoice.

Another domain (registration, expo) names what is bought by ``purpose`` and its own
``reference_id``; ``events_app.wiring`` registers its ``PaymentHandler`` for the purpose at start.
Payments calls the handler when a payment for that purpose is paid, fails or is
refunded, in the same transaction as the payment's own change.

Rules:

- A card payment is paid only when Stripe says so: a verified webhook or a
  reconciliation that re-fetches the PaymentIntent, never the browser. Every state
  change is a conditional UPDATE, so the same event five times, events out of order,
  or a webhook racing a reconciliation change the state (and call the handler) once.
- One PaymentIntent per payment, created and confirmed by our server with the
  PaymentMethod the browser made with Stripe.js; the browser only handles
  ``requires_action`` (3-D Secure). A new card attempt is a new payment.
- An invoice is paid when recorded money (checks, ACH...) reaches its amount.
- Refunds never exceed what was collected: the amount is reserved by a conditional
  UPDATE before Stripe is asked, with one idempotency key per refund.
- With no Stripe secret key (the embedded default) only invoices are offered.

This module is the domain's public surface: other domains and ``events_app.wiring`` import
from here. Each step lives in its own module: ``handlers`` (purposes), ``stripe_client``,
``card``, ``invoices``, ``checkout`` (invoice or card, as the buyer chose), ``refunds``,
``webhooks``, ``reconcile``, and ``ledger`` (the payment records, their guarded state
change, reads and the needs-attention flag).
"""

from __future__ import annotations

from events_app.payments.card import CardPaymentStarted, cancel_payment, refresh_card_payment, start_card_payment
from events_app.payments.checkout import Collection, check_payment_choice, collect
from events_app.payments.handlers import PaymentHandler, register_handler, unregister_handler
from events_app.payments.invoices import (
    INVOICE_SIGNING_PURPOSE,
    create_invoice,
    get_invoice,
    invoice_token,
    invoice_url,
    list_invoices,
    record_invoice_payment,
    void_invoice,
)
from events_app.payments.ledger import (
    Takings,
    get_payment,
    list_payments,
    live_payment_for,
    payments_for,
    resolve_attention,
    takings,
)
from events_app.payments.reconcile import ReconcileReport, reconcile
from events_app.payments.refunds import refund
from events_app.payments.stripe_client import card_payments_enabled
from events_app.payments.webhooks import handle_stripe_webhook

__all__ = [
    "INVOICE_SIGNING_PURPOSE",
    "CardPaymentStarted",
    "Collection",
    "PaymentHandler",
    "ReconcileReport",
    "Takings",
    "cancel_payment",
    "card_payments_enabled",
    "check_payment_choice",
    "collect",
    "create_invoice",
    "get_invoice",
    "get_payment",
    "handle_stripe_webhook",
    "invoice_token",
    "invoice_url",
    "list_invoices",
    "list_payments",
    "live_payment_for",
    "payments_for",
    "reconcile",
    "record_invoice_payment",
    "refresh_card_payment",
    "refund",
    "register_handler",
    "resolve_attention",
    "start_card_payment",
    "takings",
    "unregister_handler",
    "void_invoice",
]
