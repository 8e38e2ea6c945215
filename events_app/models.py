"""Every domain's models, imported so ``Base.metadata`` holds the whole schema (for Alembic and tests)."""

from events_app.accounts.models import ApiToken, User
from events_app.audit.models import AuditEvent
from events_app.conferences.models import AssociationGroup, CityEmailDomain, Conference, MemberCity
from events_app.core.mail import OutboxMail
from events_app.db import Base
from events_app.expo.models import (
    BadgePurchase,
    BookingWindow,
    Booth,
    BoothBooking,
    BoothHold,
    BoothStaffMember,
    BusinessCategory,
    ExpoSettings,
    FloorArea,
    Hall,
    Lead,
    Partner,
    PartnerCategory,
    PartnerContact,
    PartnerTier,
    PointsEntry,
)
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
    "BadgePurchase",
    "Base",
    "BookingWindow",
    "Booth",
    "BoothBooking",
    "BoothHold",
    "BoothStaffMember",
    "BusinessCategory",
    "CancellationPolicy",
    "CityEmailDomain",
    "Conference",
    "ExpoSettings",
    "FloorArea",
    "Hall",
    "Invoice",
    "InvoicePayment",
    "InvoiceSeries",
    "Lead",
    "MemberCity",
    "Order",
    "OutboxMail",
    "Partner",
    "PartnerCategory",
    "PartnerContact",
    "PartnerTier",
    "Payment",
    "PointsEntry",
    "PromoCode",
    "Refund",
    "RegistrationType",
    "StripeEvent",
    "User",
    "WaitlistEntry",
]
