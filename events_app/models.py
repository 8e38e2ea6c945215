"""Every domain's models, imported so ``Base.metadata`` holds the whole schema (for Alembic and tests)."""

from events_app.accounts.models import ApiToken, User
from events_app.audit.models import AuditEvent
from events_app.checkin.models import BadgeKey, Checkin, Scan, SessionAttendance, SessionCreditRule, Station
from events_app.conferences.models import AssociationGroup, CityEmailDomain, Conference, MemberCity
from events_app.core.mail import OutboxMail
from events_app.db import Base
from events_app.payments.models import Invoice, InvoicePayment, InvoiceSeries, Payment, Refund, StripeEvent
from events_app.registration.models import (
    Attendee,
    CancellationPolicy,
    Order,
    PromoCode,
    RegistrationType,
    WaitlistEntry,
)

__all__ = [
    "ApiToken",
    "AssociationGroup",
    "Attendee",
    "AuditEvent",
    "BadgeKey",
    "Base",
    "CancellationPolicy",
    "Checkin",
    "CityEmailDomain",
    "Conference",
    "Invoice",
    "InvoicePayment",
    "InvoiceSeries",
    "MemberCity",
    "Order",
    "OutboxMail",
    "Payment",
    "PromoCode",
    "Refund",
    "RegistrationType",
    "Scan",
    "SessionAttendance",
    "SessionCreditRule",
    "Station",
    "StripeEvent",
    "User",
    "WaitlistEntry",
]
