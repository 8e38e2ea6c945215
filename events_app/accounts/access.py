"""Who may use which route. Every route declares it; one app-wide guard enforces it.

A route says ``opt=PUBLIC`` or ``opt=allow(Role.STAFF, ...)``. Organizers may use every
route. API routes (``/api/``) take bearer tokens only; pages take the session cookie,
whose forms are CSRF-protected. A token scoped to one conference may read anything
public but use only that conference's routes (those with a ``{slug}`` of it).

Handlers take who is calling as dependencies: ``principal`` (``None`` for nobody, on public
routes) or ``actor`` (someone signed in, for the writes that are recorded against them).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import ROLE_WORDS, Role
from events_app.accounts.service import Principal, principal_for_session, principal_for_token
from events_app.accounts.web_sessions import SESSION_USER_KEY
from events_app.db import SAFE_METHODS, RequestSessions

ACCESS_KEY = "access"
PUBLIC: dict[str, Any] = {ACCESS_KEY: "public"}


def allow(*roles: Role) -> dict[str, Any]:
    """Route options letting these roles (and organizers) in."""
    return {ACCESS_KEY: frozenset({Role.ORGANIZER, *roles})}


def declared_access(handler: BaseRouteHandler) -> str | frozenset[Role] | None:
    if getattr(handler, "http_methods", None) == {"OPTIONS"}:
        return "public"  # Litestar's automatic OPTIONS answer tells only which methods exist
    value = handler.opt.get(ACCESS_KEY)
    return value if isinstance(value, str | frozenset) else None


def _db(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    # The request's own session, so a handler sees the same one (and commits what it changed).
    sessions: RequestSessions = connection.app.state["request_sessions"]
    return sessions.of(connection)


class PrincipalMiddleware(AbstractAuthenticationMiddleware):
    """Authentication: the bearer token on API routes, the session cookie on pages.

    It only finds out who is calling (``None`` for nobody); the guard decides what they may do.
    """

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        principal: Principal | None = None
        if connection.scope["path"].startswith("/api/"):
            scheme, _, secret = connection.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and secret:
                state = connection.app.state
                principal = await principal_for_token(
                    _db(connection), secret=secret.strip(), uses=state["token_uses"], cache=state["conference_cache"]
                )
        elif "session" in connection.scope and (user_id := connection.session.get(SESSION_USER_KEY)):
            principal = await principal_for_session(_db(connection), user_id=str(user_id))
        return AuthenticationResult(user=principal, auth=None)


def caller(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    principal = connection.scope.get("user")
    return principal if isinstance(principal, Principal) else None


async def enforce_access(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard: a route with no declaration is refused, so nothing is open by accident.

    A conference-scoped token's conference is checked by the ``conference`` dependency, which
    every ``{slug}`` route takes; elsewhere such a token may only read. It awaits nothing, but
    is a coroutine because Litestar hands a plain function guard to a worker thread on every
    request: the profile of the fastest routes had a sixth of their time in that hand-off.
    """
    access = declared_access(handler)
    if access == "public":
        return
    if not isinstance(access, frozenset):
        raise PermissionDeniedException("This route declares no access rule.")
    principal = caller(connection)
    if principal is None:
        raise NotAuthorizedException()
    if principal.role not in access:
        allowed = " and ".join(sorted(ROLE_WORDS[role][1] for role in access))
        raise PermissionDeniedException(f"This is for {allowed}; you are signed in as {principal.role_name}.")
    scoped = principal.conference_id is not None
    if scoped and "slug" not in connection.path_params and connection.scope.get("method", "GET") not in SAFE_METHODS:
        raise PermissionDeniedException("This token is limited to one conference.")


def provide_principal(request: Request[Any, Any, Any]) -> Principal | None:
    """Dependency: who is calling (None for an anonymous caller of a public route)."""
    return caller(request)


def provide_actor(principal: NamedDependency[Principal | None]) -> Principal:
    """Dependency: the signed-in caller a write is recorded against; nobody signed in is a 401."""
    if principal is None:
        raise NotAuthorizedException()
    return principal
