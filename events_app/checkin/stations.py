"""Stations: the posts where badges are scanned (doors, session rooms, the desk, partner booths).

An organizer adds a station and equips a device with its token, shown once: a station token
limited to this conference, which scans, looks people up by name and keeps the offline copy,
and nothing else. Revoking it stops a lost phone at once; retiring a station takes it out of
use and keeps its scans on record. A scan is taken at the station of the
device's own token, or, for a signed-in person's device, at the one it names.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts import service as accounts
from events_app.accounts.models import Role
from events_app.accounts.service import IssuedToken, Principal
from events_app.audit.service import record
from events_app.checkin.errors import (
    StationElsewhere,
    StationMismatch,
    StationNameTaken,
    StationNeedsRoom,
    StationNotFound,
    StationRequired,
    StationRetired,
    StationRoomNotAllowed,
)
from events_app.checkin.models import Station, StationKind
from events_app.checkin.schemas import StationIn, StationOut, StationPatch
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.core.clock import now


def station_out(station: Station) -> StationOut:
    return msgspec.convert(station, StationOut, from_attributes=True)


async def record_station_change(
    db: AsyncSession, *, actor: Principal, station: Station, action: str, **details: Any
) -> None:
    """Audits ``station.{action}`` on the station, with ``details`` beside it."""
    await record(
        db,
        actor=actor,
        action=f"station.{action}",
        subject_type="station",
        subject_id=station.id,
        conference_id=station.conference_id,
        **details,
    )


async def _check_name_free(db: AsyncSession, conference: Conference, name: str, station_id: uuid.UUID | None) -> None:
    query = select(Station.id).where(Station.conference_id == conference.id, func.lower(Station.name) == name.lower())
    if station_id is not None:
        query = query.where(Station.id != station_id)
    if await db.scalar(query):
        raise StationNameTaken(f"A station named {name!r} already exists.")


def _check_room(kind: StationKind, room_id: uuid.UUID | None) -> None:
    if kind == StationKind.SESSION_ROOM and room_id is None:
        raise StationNeedsRoom("A session-room station needs the room it stands in (room_id).")
    if kind != StationKind.SESSION_ROOM and room_id is not None:
        raise StationRoomNotAllowed("Only a session-room station is tied to a room.")


async def create_station(
    db: AsyncSession, *, conference: Conference, data: StationIn, actor: Principal
) -> tuple[Station, IssuedToken]:
    """Adds a station and issues its device token (station role, this conference only), shown once."""
    name = data.name.strip()
    _check_room(data.kind, data.room_id)
    await _check_name_free(db, conference, name, None)
    station = Station(
        conference_id=conference.id, name=name, kind=data.kind, room_id=data.room_id, allow_unpaid=data.allow_unpaid
    )
    db.add(station)
    await db.flush()
    issued = await issue_device_token(db, conference=conference, station=station, actor=actor)
    await record_station_change(db, actor=actor, station=station, action="created", name=name, kind=str(data.kind))
    return station, issued


async def issue_device_token(
    db: AsyncSession, *, conference: Conference, station: Station, actor: Principal
) -> IssuedToken:
    """A new station-role token for this station's device (the caller has revoked any previous one)."""
    issued = await accounts.issue_token(
        db,
        user_id=actor.user_id,
        name=f"Station: {station.name} ({conference.slug})",
        role=Role.STATION,
        conference_id=conference.id,
    )
    station.token_id = issued.token.id
    await db.flush()
    return issued


async def list_stations(db: AsyncSession, *, conference: Conference) -> list[Station]:
    query = select(Station).where(Station.conference_id == conference.id).order_by(Station.kind, Station.name)
    return list(await db.scalars(query))


async def get_station(db: AsyncSession, *, conference: Conference, station_id: uuid.UUID) -> Station:
    station = await db.get(Station, station_id)
    if station is None or station.conference_id != conference.id:
        raise StationNotFound("No station of this conference has this id.")
    return station


async def update_station(
    db: AsyncSession, *, conference: Conference, station: Station, data: StationPatch, actor: Principal
) -> Station:
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        await _check_name_free(db, conference, changes["name"], station.id)
    _check_room(station.kind, changes.get("room_id", station.room_id))
    for key, value in changes.items():
        setattr(station, key, value)
    await db.flush()
    await record_station_change(
        db, actor=actor, station=station, action="updated", **{k: str(v) for k, v in changes.items()}
    )
    return station


async def revoke_station_token(db: AsyncSession, *, station: Station, actor: Principal) -> Station:
    """The station's device stops working at once (a lost phone); a new token can be issued later."""
    if station.token_id is not None:
        await accounts.revoke_token(db, token_id=station.token_id)
        station.token_id = None
        await db.flush()
        await record_station_change(db, actor=actor, station=station, action="token_revoked")
    return station


async def reissue_station_token(
    db: AsyncSession, *, conference: Conference, station: Station, actor: Principal
) -> IssuedToken:
    """Revokes the station's current token (if any) and issues a fresh one."""
    if station.retired:
        raise StationRetired("This station is retired.")
    if station.token_id is not None:
        await accounts.revoke_token(db, token_id=station.token_id)
    issued = await issue_device_token(db, conference=conference, station=station, actor=actor)
    await record_station_change(db, actor=actor, station=station, action="token_issued")
    return issued


async def retire_station(db: AsyncSession, *, station: Station, actor: Principal) -> Station:
    """Takes a station out of use; its scans stay in the record."""
    await revoke_station_token(db, station=station, actor=actor)
    if station.retired_at is None:
        station.retired_at = now()
        await db.flush()
        await record_station_change(db, actor=actor, station=station, action="retired")
    return station


# Built once: a door's every scan asks for its station, and building the query showed in the profile.
_BY_TOKEN = select(Station).where(Station.token_id == bindparam("token_id"))


async def station_for(
    db: AsyncSession,
    *,
    conference: Conference,
    principal: Principal,
    station_id: uuid.UUID | None,
    cache: ConferenceCache | None = None,
) -> Station:
    """The station a scan is taken at: the device token's own station, else the one named.

    A door's station is read from the process's ``cache`` when given: a door scans all day, and a
    station is changed (renamed, retired) through the ORM, which invalidates every process's copy.
    """
    if principal.token_id is not None:
        params = {"token_id": principal.token_id}
        own = (
            await cache.row(db, Station, key=principal.token_id, query=_BY_TOKEN, params=params)
            if cache is not None
            else await db.scalar(_BY_TOKEN, params)
        )
        if own is not None:
            if own.conference_id != conference.id:
                raise StationElsewhere("This device belongs to another conference's station.")
            if station_id is not None and station_id != own.id:
                raise StationMismatch("A station's device scans only for that station.")
            station_id = own.id
    if station_id is None:
        raise StationRequired("Say which station this scan is taken at (station_id).")
    station = await get_station(db, conference=conference, station_id=station_id)
    if station.retired:
        raise StationRetired("This station is retired.")
    return station
