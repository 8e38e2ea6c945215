"""Organizers read the audit trail through the API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.pagination import OffsetPagination
from litestar.params import FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import allow
from events_app.audit import service
from events_app.core.pagination import Limit, Offset, page_of


class AuditEventOut(msgspec.Struct):
    id: uuid.UUID
    created_at: datetime
    conference_id: uuid.UUID | None
    actor_user_id: uuid.UUID | None
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]


class AuditController(Controller):
    path = "/api/audit"
    tags = ["Audit"]
    opt = allow()

    @get("/", operation_id="listAuditEvents")
    async def list_events(
        self,
        db_session: NamedDependency[AsyncSession],
        limit: Limit = 100,
        offset: Offset = 0,
        conference_id: FromQuery[uuid.UUID | None] = None,
        action: FromQuery[str | None] = None,
        subject_id: FromQuery[str | None] = None,
    ) -> OffsetPagination[AuditEventOut]:
        """Audited changes, newest first, filtered by conference, action or subject."""
        page = await service.list_events(
            db_session, conference_id=conference_id, action=action, subject_id=subject_id, limit=limit, offset=offset
        )
        return page_of(page, lambda event: msgspec.convert(event, AuditEventOut, from_attributes=True))
