"""Who may use which route. Every route declares it; one app-wide guard enforces it.

A route says ``opt=PUBLIC`` or ``opt=allow(Role.STAFF, ...)``. Organizers may use every
route. API routes (``/api/``) take bearer tokens only; pages take the session cookie,
whose forms are CSRF-protected. A token scoped to one conference may read anything
public but use only that conference's routes (those with a ``{slug}`` of it).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role
from events_app.accounts.service import Principal, principal_for_session, principal_for_token
from events_app.conferences.models import Conference

ACCESS_KEY = "access"
PUBLIC: dict[str, Any] = {ACCESS_KEY: "public"}
SESSION_USER_KEY = "user_id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def allow(*roles: Role) -> dict[str, Any]:
    """Route options letting these roles (and organizers) in."""
    return {ACCESS_KEY: frozenset({Role.ORGANIZER, *roles})}


def declared_access(handler: BaseRouteHandler) -> str | frozenset[Role] | None:
    if getattr(handler, "http_methods", None) == {"OPTIONS"}:
        return "public"  # Litestar's automatic OPTIONS answer tells only which methods exist
    value = handler.opt.get(ACCESS_KEY)
    return value if isinstance(value, str | frozenset) else None


def _db(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    config = connection.app.state["db_config"]
    session: AsyncSession = config.provide_session(connection.app.state, connection.scope)
    return session


async def resolve_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """Reads the bearer token on API routes and the session cookie on pages; caches it in the scope."""
    if "principal" in connection.scope:
        cached = connection.scope["principal"]  # type: ignore[typeddict-item]
        return cached if isinstance(cached, Principal) else None
    principal: Principal | None = None
    if connection.url.path.startswith("/api/"):
        scheme, _, secret = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secret:
            principal = await principal_for_token(_db(connection), secret=secret.strip())
    elif "session" in connection.scope and (user_id := connection.session.get(SESSION_USER_KEY)):
        principal = await principal_for_session(_db(connection), user_id=str(user_id))
    connection.scope["principal"] = principal  # type: ignore[typeddict-unknown-key]
    return principal


async def _token_may_use_conference(connection: ASGIConnection[Any, Any, Any, Any], principal: Principal) -> bool:
    slug = connection.path_params.get("slug")
    if slug is None:
        return connection.scope.get("method", "GET") in SAFE_METHODS
    conference_id = await _db(connection).scalar(select(Conference.id).where(Conference.slug == slug))
    return conference_id is None or conference_id == principal.conference_id


async def enforce_access(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard: a route with no declaration is refused, so nothing is open by accident."""
    access = declared_access(handler)
    if access == "public":
        await resolve_principal(connection)
        return
    if not isinstance(access, frozenset):
        raise PermissionDeniedException("This route declares no access rule.")
    principal = await resolve_principal(connection)
    if principal is None:
        raise NotAuthorizedException()
    if principal.role not in access:
        raise PermissionDeniedException(f"A {principal.role} may not use this.")
    if principal.conference_id is not None and not await _token_may_use_conference(connection, principal):
        raise PermissionDeniedException("This token is limited to another conference.")


def provide_principal(request: Request[Any, Any, Any]) -> Principal | None:
    """Dependency: the caller the guard resolved (None on public routes for anonymous callers)."""
    principal = request.scope.get("principal")
    return principal if isinstance(principal, Principal) else None
