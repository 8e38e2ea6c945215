"""The expo's refusals, each with a stable code; ``core.errors`` turns them into problem details.

::

    Conflict (409)
    ├── BoothTaken          someone else holds or has booked the booth
    ├── HoldLimitReached    the partner already holds as many booths as allowed
    ├── BookingNotOpen      the partner's booking window has not opened yet
    ├── CompetitorNearby    an exclusive-category competitor is too close
    └── HoldNotLive         the hold expired or ended before checkout
    NotFound (404)
    └── NotAPartnerContact  the user is not linked to an active partner: there is no "your partner"
"""

from __future__ import annotations

from events_app.core.errors import Conflict, NotFound


class BoothTaken(Conflict):
    code = "booth-taken"


class HoldLimitReached(Conflict):
    code = "hold-limit-reached"


class BookingNotOpen(Conflict):
    code = "booking-not-open"


class CompetitorNearby(Conflict):
    code = "competitor-nearby"


class HoldNotLive(Conflict):
    code = "hold-not-live"


class NotAPartnerContact(NotFound):
    code = "not-a-partner-contact"
