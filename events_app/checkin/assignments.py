"""Who staffs which station: an organizer puts on-site staff at stations, and each of them can then
equip their own phone for those stations from their staff home, with no organizer at their side.

Equipping issues the station a fresh device token (station role: it scans at this station and
nothing more), recorded against the staff member; the station's previous device stops working.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role, User
from events_app.accounts.service import IssuedToken, Principal, user_by_email
from events_app.checkin import stations
from events_app.checkin.errors import StaffMemberNotFound, StationNotAssigned
from events_app.checkin.models import Station, StationAssignment
from events_app.conferences.models import Conference


@dataclass(frozen=True, slots=True)
class Post:
    """A station someone was put at, with its conference."""

    station: Station
    conference: Conference


async def assign(db: AsyncSession, *, station: Station, email: str, actor: Principal) -> User:
    """Puts the on-site staff member with this email at the station (again: nothing changes)."""
    user = await user_by_email(db, email=email)
    if user is None or not user.active or user.role != Role.STAFF:
        raise StaffMemberNotFound(f"No active on-site staff account has the email {email.strip()!r}.")
    try:
        async with db.begin_nested():
            db.add(StationAssignment(station_id=station.id, user_id=user.id))
    except IntegrityError:
        return user  # already there: the unique pair says so, no read-then-write
    await stations.record_station_change(
        db, actor=actor, station=station, action="staff_assigned", staff_email=user.email
    )
    return user


async def unassign(db: AsyncSession, *, station: Station, user_id: uuid.UUID, actor: Principal) -> None:
    user = await db.get(User, user_id)
    at_station = StationAssignment.station_id == station.id
    removed = await db.execute(delete(StationAssignment).where(at_station, StationAssignment.user_id == user_id))
    if user is not None and removed.rowcount:  # type: ignore[attr-defined]
        await stations.record_station_change(
            db, actor=actor, station=station, action="staff_unassigned", staff_email=user.email
        )


async def staff_at(db: AsyncSession, *, station_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[User]]:
    """Each station's assigned staff, by name."""
    rows = await db.execute(
        select(StationAssignment.station_id, User)
        .join(User, User.id == StationAssignment.user_id)
        .where(StationAssignment.station_id.in_(station_ids))
        .order_by(User.name)
    )
    found: dict[uuid.UUID, list[User]] = {station_id: [] for station_id in station_ids}
    for station_id, user in rows:
        found[station_id].append(user)
    return found


async def posts_of(db: AsyncSession, *, user_id: uuid.UUID) -> list[Post]:
    """The stations in use this person was put at, soonest conference first."""
    rows = await db.execute(
        select(Station, Conference)
        .join(StationAssignment, StationAssignment.station_id == Station.id)
        .join(Conference, Conference.id == Station.conference_id)
        .where(StationAssignment.user_id == user_id, Station.retired_at.is_(None))
        .order_by(Conference.starts_on, Conference.name, Station.name)
    )
    return [Post(station=station, conference=conference) for station, conference in rows]


async def equip_own_device(
    db: AsyncSession, *, conference: Conference, station: Station, actor: Principal
) -> IssuedToken:
    """Staff make their device the station's scanner, if an organizer put them there (organizers: any)."""
    if actor.role != Role.ORGANIZER:
        assigned = await db.scalar(
            select(StationAssignment.id).where(
                StationAssignment.station_id == station.id, StationAssignment.user_id == actor.user_id
            )
        )
        if assigned is None:
            raise StationNotAssigned("An organizer has not put you at this station.")
    return await stations.reissue_station_token(db, conference=conference, station=station, actor=actor)
