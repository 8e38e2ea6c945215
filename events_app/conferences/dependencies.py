"""The ``conference`` of a request, resolved once from the ``{slug}`` in its address.

Every route under ``/api/conferences/{slug}`` and ``/c/{slug}`` takes its conference from
here, so one rule decides who finds a draft (``service.visible_to``) and one place keeps a
conference-scoped token to its own conference. Domains build their own providers on it
(the partner, booking, order or station named in the address). The row comes from the
process's copy (``cache``) when it is current, so most requests read no conference row.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import declared_access
from events_app.accounts.service import Principal
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.errors import ConferenceNotFound
from events_app.conferences.models import Conference
from events_app.conferences.service import visible_to


async def provide_conference(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    db_session: NamedDependency[AsyncSession],
    principal: NamedDependency[Principal | None],
) -> Conference:
    """The conference at ``{slug}``; a draft the caller may not see answers as if it did not exist."""
    cache: ConferenceCache = request.app.state.conference_cache
    conference = await cache.get(db_session, slug=slug)
    if conference is None or not visible_to(conference, principal):
        raise ConferenceNotFound(f"There is no conference at {slug!r}.")
    scoped_elsewhere = principal is not None and principal.conference_id not in (None, conference.id)
    if scoped_elsewhere and declared_access(request.route_handler) != "public":
        raise PermissionDeniedException("This token is limited to another conference.")
    return conference
