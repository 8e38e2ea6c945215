"""The refusals of users and API tokens::

Invalid (422)
├── PasswordTooShort
├── TokenRoleNotAllowed   a token's role may not be above its user's
└── TokenExpiryInPast
NotFound (404)
├── UserNotFound
└── TokenNotFound
Conflict (409)
└── EmailTaken
"""

from __future__ import annotations

from events_app.core.errors import Conflict, Invalid, NotFound


class PasswordTooShort(Invalid):
    """A password needs at least 10 characters."""

    code = "password-too-short"


class TokenRoleNotAllowed(Invalid):
    """A token may act in its user's role or a lower one."""

    code = "token-role-not-allowed"


class TokenExpiryInPast(Invalid):
    code = "token-expiry-in-past"


class UserNotFound(NotFound):
    code = "user-not-found"


class TokenNotFound(NotFound):
    code = "token-not-found"


class EmailTaken(Conflict):
    """Another user signs in with this email."""

    code = "email-taken"
