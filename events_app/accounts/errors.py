"""The refusals of users and API tokens::

Invalid (422)
├── PasswordTooShort
├── TokenRoleNotAllowed   a token's role may not be above its user's
├── TokenExpiryInPast
├── RoleNotForPeople      a station is a device: no user has its role
└── OwnAccount            an organizer cannot deactivate themselves
NotFound (404)
├── UserNotFound
└── TokenNotFound
Conflict (409)
└── EmailTaken
TooMany (429)
└── TooManySignIns        wrong passwords for this account, or from this address, too often
"""

from __future__ import annotations

from events_app.core.errors import Conflict, Invalid, NotFound, TooMany


class PasswordTooShort(Invalid):
    """A password needs at least 10 characters."""

    code = "password-too-short"


class TokenRoleNotAllowed(Invalid):
    """A token may act in its user's role or a lower one."""

    code = "token-role-not-allowed"


class TokenExpiryInPast(Invalid):
    code = "token-expiry-in-past"


class RoleNotForPeople(Invalid):
    """Station tokens belong to scanning devices; a person signs in as organizer, staff or partner."""

    code = "role-not-for-people"


class OwnAccount(Invalid):
    """Deactivating oneself would lock out the one organizer who could undo it."""

    code = "own-account"


class UserNotFound(NotFound):
    code = "user-not-found"


class TokenNotFound(NotFound):
    code = "token-not-found"


class EmailTaken(Conflict):
    """Another user signs in with this email."""

    code = "email-taken"


class TooManySignIns(TooMany):
    """Too many wrong passwords for this account or from this address: wait ``retry_after`` seconds."""

    code = "too-many-sign-ins"
