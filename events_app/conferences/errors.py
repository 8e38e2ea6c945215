"""The refusals of conferences, the association's groups and member cities::

NotFound (404)
├── ConferenceNotFound    no conference at that address (or a draft the caller may not see)
└── CityNotFound
Invalid (422)
├── BadTimezone           not an IANA time zone
├── EndsBeforeStart
├── RegistrationClosesBeforeOpen
├── NotADivision          a city's division must be a regional division
├── DuplicateDomain       one email domain listed twice
├── CityImportUnreadable  not a UTF-8 CSV file with the name and division columns
└── CityImportFailed      some rows of a city import are wrong (listed by line); nothing was written
Conflict (409)
├── SlugTaken
├── DomainTaken           the email domain belongs to another city
└── CityNameTaken
"""

from __future__ import annotations

from events_app.core.errors import Conflict, Invalid, NotFound


class ConferenceNotFound(NotFound):
    code = "conference-not-found"


class CityNotFound(NotFound):
    code = "city-not-found"


class BadTimezone(Invalid):
    code = "bad-timezone"


class EndsBeforeStart(Invalid):
    code = "ends-before-start"


class RegistrationClosesBeforeOpen(Invalid):
    code = "registration-closes-before-open"


class NotADivision(Invalid):
    code = "not-a-division"


class DuplicateDomain(Invalid):
    code = "duplicate-domain"


class SlugTaken(Conflict):
    code = "slug-taken"


class DomainTaken(Conflict):
    code = "domain-taken"


class CityNameTaken(Conflict):
    code = "city-name-taken"


class CityImportUnreadable(Invalid):
    code = "city-import-unreadable"


class CityImportFailed(Invalid):
    code = "city-import-failed"
