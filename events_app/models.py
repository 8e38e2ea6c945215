"""Every domain's models, imported so ``Base.metadata`` holds the whole schema (for Alembic and tests)."""

from events_app.accounts.models import ApiToken, User
from events_app.audit.models import AuditEvent
from events_app.checkin.models import BadgeKey, Checkin, Scan, SessionAttendance, Station
from events_app.conferences.models import AssociationGroup, CityEmailDomain, Conference, MemberCity
from events_app.core.mail import OutboxMail
from events_app.db import Base

__all__ = [
    "ApiToken",
    "AssociationGroup",
    "AuditEvent",
    "BadgeKey",
    "Base",
    "Checkin",
    "CityEmailDomain",
    "Conference",
    "MemberCity",
    "OutboxMail",
    "Scan",
    "SessionAttendance",
    "Station",
    "User",
]
