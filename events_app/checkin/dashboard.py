"""The arrivals dashboard's figures: per 15 minutes, by registration type, by door, rooms now, and conflicts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import attendance, conflicts
from events_app.checkin.models import Checkin, Station
from events_app.checkin.people import INACTIVE_STATUSES
from events_app.checkin.schemas import Bucket, Count, DashboardOut
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.registration.models import Attendee, RegistrationType

BUCKET = timedelta(minutes=15)


def _bucket_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


async def build(db: AsyncSession, *, conference: Conference) -> DashboardOut:
    """The figures as they stand, with the conflicts to review; cheap enough to re-read on every live event."""
    registered = await db.scalar(
        select(func.count())
        .select_from(Attendee)
        .where(Attendee.conference_id == conference.id, Attendee.status.not_in(INACTIVE_STATUSES))
    )
    times = list(await db.scalars(select(Checkin.checked_in_at).where(Checkin.conference_id == conference.id)))
    counts: dict[datetime, int] = {}
    for moment in times:
        start = _bucket_start(moment)
        counts[start] = counts.get(start, 0) + 1
    buckets: list[Bucket] = []
    if counts:
        cursor, last = min(counts), max(counts)
        while cursor <= last:  # empty quarters shown as zero, so the bars read as a timeline
            buckets.append(Bucket(starts_at=cursor, arrivals=counts.get(cursor, 0)))
            cursor += BUCKET
    by_type = await db.execute(
        select(RegistrationType.name, func.count())
        .select_from(Checkin)
        .join(Attendee, Attendee.id == Checkin.attendee_id)
        .join(RegistrationType, RegistrationType.id == Attendee.registration_type_id)
        .where(Checkin.conference_id == conference.id)
        .group_by(RegistrationType.name)
        .order_by(func.count().desc(), RegistrationType.name)
    )
    by_door = await db.execute(
        select(Station.name, func.count())
        .select_from(Checkin)
        .join(Station, Station.id == Checkin.station_id)
        .where(Checkin.conference_id == conference.id)
        .group_by(Station.name)
        .order_by(func.count().desc(), Station.name)
    )
    return DashboardOut(
        registered=registered or 0,
        checked_in=len(times),
        arrivals=buckets[-32:],  # the last eight hours of arrivals
        by_registration_type=[Count(label=name, count=count) for name, count in by_type],
        by_door=[Count(label=name, count=count) for name, count in by_door],
        rooms=await attendance.occupancy(db, conference=conference, at=now()),
        conflicts=await conflicts.unseen(db, conference=conference),
        generated_at=now(),
    )


async def arrivals_on(db: AsyncSession, *, conference: Conference, day: date) -> int:
    """How many attendees first came in on ``day``, a day of the conference's own time zone."""
    zone = ZoneInfo(conference.timezone)
    start = datetime.combine(day, time(), zone)
    count = await db.scalar(
        select(func.count())
        .select_from(Checkin)
        .where(
            Checkin.conference_id == conference.id,
            Checkin.checked_in_at >= start,
            Checkin.checked_in_at < start + timedelta(days=1),
        )
    )
    return count or 0
