"""Two-door conflicts: a badge admitted at two doors while one of them was offline.

Each is kept on the later admission's scan (``Scan.conflict``) and named with the
check-in it lost to, earliest door first. They stay on every door's page and on the
dashboard until a member of staff marks them seen.
"""

from __future__ import annotations

import uuid

from litestar.channels import ChannelsPlugin
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.checkin import live
from events_app.checkin.errors import ConflictNotFound
from events_app.checkin.models import Checkin, Scan
from events_app.checkin.schemas import ConflictOut, Conflicts
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.registration.models import Attendee

# A page and a dashboard show this many, oldest first, and say how many more wait.
SHOWN = 50


async def unseen(db: AsyncSession, *, conference: Conference) -> Conflicts:
    """The conflicts staff have not marked seen, oldest first."""
    waiting = (Scan.conference_id == conference.id, Scan.conflict.is_(True), Scan.conflict_seen_at.is_(None))
    rows = await db.execute(
        select(Scan, Checkin, Attendee)
        .join(Checkin, Checkin.attendee_id == Scan.attendee_id)
        .join(Attendee, Attendee.id == Scan.attendee_id)
        .where(*waiting)
        .order_by(Scan.scanned_at, Scan.id)
        .limit(SHOWN)
    )
    items = [
        ConflictOut(
            id=scan.id,
            attendee_id=attendee.id,
            name=attendee.full_name,
            first_station=checkin.station.name,
            first_at=checkin.checked_in_at,
            again_station=scan.station.name,
            again_at=scan.scanned_at,
        )
        for scan, checkin, attendee in rows
    ]
    total = await db.scalar(select(func.count()).select_from(Scan).where(*waiting))
    return Conflicts(items=items, total=total or 0)


async def mark_seen(
    db: AsyncSession, channels: ChannelsPlugin, *, conference: Conference, scan_id: uuid.UUID, actor: Principal
) -> None:
    """Takes a conflict off the pages and every open dashboard; marking it again (two staff at once) changes nothing."""
    scan = await db.scalar(
        select(Scan).where(Scan.id == scan_id, Scan.conference_id == conference.id, Scan.conflict.is_(True))
    )
    if scan is None:
        raise ConflictNotFound("No conflict of this conference has that id.")
    if scan.conflict_seen_at is None:
        scan.conflict_seen_at = now()
        await record(
            db,
            actor=actor,
            action="checkin.conflict_seen",
            subject_type="attendee",
            subject_id=scan.attendee_id or scan.id,
            conference_id=conference.id,
            station=scan.station.name,
        )
    await db.commit()
    live.publish_conflict_seen(channels, conference_id=conference.id, scan_id=scan_id)
