"""Demo stations: two entrances, the registration desk, the expo hall door and a door per session room.

Stations are made without device tokens: an organizer equips a phone or laptop from the
Stations page ("Open scanner on this device"), which issues the token there and then.
"""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin.models import Station, StationKind
from events_app.conferences.models import Conference
from events_app.conferences.seed import DEMO_SLUG
from events_app.sessions.models import Room

DOORS = (
    ("North lobby", StationKind.ENTRANCE, False),
    ("South lobby", StationKind.ENTRANCE, False),
    ("Registration desk", StationKind.REGISTRATION_DESK, True),
)
SESSION_ROOM_DOORS = 6  # the busiest rooms get a door scanner; the rest are counted by hand


async def seed(db: AsyncSession, *, rng: random.Random) -> None:
    conference = await db.scalar(select(Conference).where(Conference.slug == DEMO_SLUG))
    if conference is None:
        return
    existing = set(await db.scalars(select(Station.name).where(Station.conference_id == conference.id)))
    for name, kind, allow_unpaid in DOORS:
        if name not in existing:
            db.add(Station(conference_id=conference.id, name=name, kind=kind, allow_unpaid=allow_unpaid))
    rooms = await db.scalars(
        select(Room)
        .where(Room.conference_id == conference.id, Room.off_site.is_(False))
        .order_by(Room.position, Room.name)
        .limit(SESSION_ROOM_DOORS)
    )
    for room in rooms:
        name = f"{room.name} door"
        if name not in existing:
            db.add(Station(conference_id=conference.id, name=name, kind=StationKind.SESSION_ROOM, room_id=room.id))
    await db.flush()
