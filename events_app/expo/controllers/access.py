"""Who may use the expo's routes, named once for its controllers and pages (organizers may use all)."""

from __future__ import annotations

from events_app.accounts.access import allow
from events_app.accounts.models import Role

ORGANIZERS = allow()
STAFF = allow(Role.STAFF)
PARTNERS = allow(Role.PARTNER)
STAFF_OR_PARTNERS = allow(Role.STAFF, Role.PARTNER)
