"""The audit log pages: a conference's trail, and the association's whole trail (users, tokens, cities, billing).

Both filter by action (or every action of a kind), by who did it, by the kind of record and
the record itself, and by the days it happened on, counted in the conference's time zone (UTC
for the whole trail, which spans conferences in different zones).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, MediaType, Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit import service as audit
from events_app.backoffice.pages import ORGANIZERS
from events_app.conferences.models import Conference
from events_app.core.pagination import PAGE_SIZE, Offset, page_links

WHOLE_TRAIL_ZONE = "UTC"


def _day(text: str) -> date | None:
    """A date filter as typed; one that is not a date filters nothing (the field shows it back as typed)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


async def audit_page(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    *,
    conference: Conference | None,
    principal: Principal,
    offset: int,
) -> Template:
    """The trail's page: its entries and filter choices, from the query string as the filter form sends it."""
    typed = {
        k: request.query_params.get(k, "").strip()[:320] for k in ("action", "who", "subject", "kind", "from", "to")
    }
    zone = ZoneInfo(conference.timezone if conference else WHOLE_TRAIL_ZONE)
    first, last = _day(typed["from"]), _day(typed["to"])
    conference_id: uuid.UUID | None = conference.id if conference else None
    page = await audit.list_events(
        db,
        conference_id=conference_id,
        action=typed["action"] or None,
        subject_id=typed["subject"] or None,
        actor=typed["who"] or None,
        subject_type=typed["kind"] or None,
        since=datetime.combine(first, time(), zone) if first else None,
        before=datetime.combine(last + timedelta(days=1), time(), zone) if last else None,
        limit=PAGE_SIZE,
        offset=offset,
    )
    actions = await audit.actions_recorded(db, conference_id=conference_id)
    context = {
        "principal": principal,
        "conference": conference,
        "zone": zone.key,
        "page": page,
        "links": page_links(request.url.path, request.query_params, total=page.total, offset=offset),
        "filters": typed,
        "actions": actions,
        "kinds": sorted({a.partition(".")[0] + "." for a in actions}),
        "subject_types": await audit.subject_types_recorded(db, conference_id=conference_id),
    }
    return Template("backoffice/audit.html", context=context)


class AssociationAudit(Controller):
    path = "/office/audit"
    include_in_schema = False

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-whole-audit")
    async def whole_trail(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        offset: Offset = 0,
    ) -> Template:
        """Every audited change of every conference and of the association itself, newest first."""
        return await audit_page(db_session, request, conference=None, principal=actor, offset=offset)


class ConferenceAudit(Controller):
    path = "/office/c/{slug:str}/audit"
    include_in_schema = False

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-audit")
    async def conference_trail(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        offset: Offset = 0,
    ) -> Template:
        """The conference's audit trail, newest first."""
        return await audit_page(db_session, request, conference=conference, principal=actor, offset=offset)
