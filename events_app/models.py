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
from events_app.sessions.models import (
    Agenda,
    AgendaItem,
    FeedCache,
    ProgramSession,
    Room,
    Rsvp,
    ScheduleRelease,
    SessionRun,
    SessionSpeaker,
    Speaker,
    SpeakerAvailability,
    Track,
)

__all__ = [
    "Agenda",
    "AgendaItem",
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
    "FeedCache",
    "Invoice",
    "InvoicePayment",
    "InvoiceSeries",
    "MemberCity",
    "Order",
    "OutboxMail",
    "Payment",
    "ProgramSession",
    "PromoCode",
    "Refund",
    "RegistrationType",
    "Room",
    "Rsvp",
    "Scan",
    "ScheduleRelease",
    "SessionAttendance",
    "SessionCreditRule",
    "SessionRun",
    "SessionSpeaker",
    "Speaker",
    "SpeakerAvailability",
    "Station",
    "StripeEvent",
    "Track",
    "User",
    "WaitlistEntry",
]
