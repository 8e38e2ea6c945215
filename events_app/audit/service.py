"""Recording and reading the audit trail.

``record`` is called by services in the same transaction as the change it describes,
so the trail and the data never disagree.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar.pagination import OffsetPagination
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.models import AuditEvent
from events_app.core.pagination import paginate
from events_app.db import table_of


def _entry(
    actor: Principal | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | str,
    conference_id: uuid.UUID | None,
    details: dict[str, Any],
) -> dict[str, Any]:
    return {
        "conference_id": conference_id,
        "actor_user_id": actor.user_id if actor else None,
        "actor": actor.email if actor else "system",
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "details": details,
    }


async def record(
    db: AsyncSession,
    *,
    actor: Principal | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | str,
    conference_id: uuid.UUID | None = None,
    **details: Any,
) -> AuditEvent:
    """Adds one entry, e.g. ``action="booth.released"``; ``actor=None`` means the system itself."""
    event = AuditEvent(**_entry(actor, action, subject_type, subject_id, conference_id, details))
    # Written with the change's own rows at their flush: many entries in one request cost one INSERT.
    db.add(event)
    return event


_INSERT_ENTRY = insert(table_of(AuditEvent))


async def record_now(
    db: AsyncSession,
    *,
    actor: Principal | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | str,
    conference_id: uuid.UUID | None = None,
    **details: Any,
) -> None:
    """Inserts one entry at once, as ``record`` would at the flush, for a hot request that writes nothing else
    through the unit of work (a door's scan): its commit then has nothing to flush. The entry's actor and
    conference must already be written (a Core INSERT does not autoflush)."""
    await db.execute(_INSERT_ENTRY, _entry(actor, action, subject_type, subject_id, conference_id, details))


async def list_events(
    db: AsyncSession,
    *,
    conference_id: uuid.UUID | None,
    action: str | None,
    subject_id: str | None,
    limit: int,
    offset: int,
    actor: str | None = None,
    subject_type: str | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
) -> OffsetPagination[AuditEvent]:
    """Entries newest first; ``action`` ending in a dot (``invoice.``) matches every action of that kind.

    ``since`` and ``before`` bound when the entry was recorded (``before`` excluded).
    """
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc())
    if conference_id is not None:
        query = query.where(AuditEvent.conference_id == conference_id)
    if action is not None:
        of_kind = AuditEvent.action.startswith(action, autoescape=True)
        query = query.where(of_kind if action.endswith(".") else AuditEvent.action == action)
    if actor is not None:
        query = query.where(func.lower(AuditEvent.actor).contains(actor.strip().lower(), autoescape=True))
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    if subject_type is not None:
        query = query.where(AuditEvent.subject_type == subject_type)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if before is not None:
        query = query.where(AuditEvent.created_at < before)
    return await paginate(db, query, limit=limit, offset=offset)


async def trail_of(db: AsyncSession, *, subject_ids: list[uuid.UUID]) -> list[AuditEvent]:
    """Everything recorded about these records (an order, its attendees, its payments), oldest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.subject_id.in_([str(i) for i in subject_ids]))
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    return list(await db.scalars(query))


async def actions_recorded(db: AsyncSession, *, conference_id: uuid.UUID | None) -> list[str]:
    """The distinct actions a conference's trail holds (``None``: the whole trail), for a filter's choices."""
    query = select(AuditEvent.action).distinct()
    if conference_id is not None:
        query = query.where(AuditEvent.conference_id == conference_id)
    return sorted(await db.scalars(query))


async def subject_types_recorded(db: AsyncSession, *, conference_id: uuid.UUID | None) -> list[str]:
    """The kinds of record a trail names (order, invoice, member_city...), for a filter's choices."""
    query = select(AuditEvent.subject_type).distinct()
    if conference_id is not None:
        query = query.where(AuditEvent.conference_id == conference_id)
    return sorted(await db.scalars(query))
