"""The program's working copy: rooms, tracks, speakers, sessions and runs, edited by organizers.

Times arrive either aware or naive; naive ones are read in the conference's time zone,
because that is how organizers think of a program ("Wednesday 9:00"). Everything is
stored in UTC. Nothing here is public: ``releases`` turns the working copy into what
the public sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, contains_eager

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.errors import CityNotFound
from events_app.conferences.models import AssociationGroup, Conference, GroupKind, MemberCity
from events_app.core.clock import now
from events_app.core.errors import NotFound
from events_app.db import Base
from events_app.sessions.errors import (
    BadCreditHours,
    DuplicateSpeaker,
    NotATrackGroup,
    RoomClosesBeforeOpen,
    RoomInUse,
    RoomNameTaken,
    RoomNotFound,
    RunEndsBeforeStart,
    RunNotFound,
    RunRemoved,
    SessionCodeTaken,
    SessionNotFound,
    SpeakerNotFound,
    TrackNotFound,
    TrackSlugTaken,
    WindowEndsBeforeStart,
)
from events_app.sessions.models import (
    ProgramSession,
    Room,
    SessionRun,
    SessionSpeaker,
    Speaker,
    SpeakerAvailability,
    Track,
)
from events_app.sessions.schemas import (
    RoomIn,
    RoomPatch,
    RunIn,
    RunPatch,
    SessionIn,
    SessionPatch,
    SpeakerIn,
    SpeakerLink,
    SpeakerPatch,
    TrackIn,
    TrackPatch,
    Window,
)

TRACK_GROUP_KINDS = (GroupKind.COMMITTEE, GroupKind.DEPARTMENT)
MAX_CREDIT_HOURS = Decimal(99)


def to_utc(value: datetime, timezone: str) -> datetime:
    """An aware UTC time; a naive ``value`` is a wall-clock time in ``timezone``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(UTC)


def _changes(data: msgspec.Struct) -> dict[str, object]:
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}


def _apply(thing: Base, changes: dict[str, object]) -> None:
    for key, value in changes.items():
        setattr(thing, key, value)


_Owned = TypeVar("_Owned", Room, Track, Speaker, ProgramSession)
# What the audit trail and the refusals call each part of the program.
_KINDS: dict[type[Base], str] = {
    Room: "room",
    Track: "track",
    Speaker: "speaker",
    ProgramSession: "session",
    SessionRun: "run",
}
_NOT_FOUND: dict[type[Base], type[NotFound]] = {
    Room: RoomNotFound,
    Track: TrackNotFound,
    Speaker: SpeakerNotFound,
    ProgramSession: SessionNotFound,
}


async def _list_owned(
    db: AsyncSession, model: type[_Owned], conference: Conference, *order: InstrumentedAttribute[Any]
) -> list[_Owned]:
    return list(await db.scalars(select(model).where(model.conference_id == conference.id).order_by(*order)))


async def get_owned(db: AsyncSession, model: type[_Owned], ident: uuid.UUID, *, conference: Conference) -> _Owned:
    """The room, track, speaker or session with this id, if it is ``conference``'s; another's is not found."""
    found = await db.get(model, ident)
    if found is None or found.conference_id != conference.id:
        raise _NOT_FOUND[model](f"This conference has no {_KINDS[model]} with this id.")
    return found


async def _save(
    db: AsyncSession, actor: Principal | None, conference: Conference, thing: Base, done: str, /, **about: object
) -> None:
    """Writes ``thing`` and audits it as ``program.<kind>.<done>`` (``program.room.created``...)."""
    kind = _KINDS[type(thing)]
    db.add(thing)
    await db.flush()
    await record(
        db, actor=actor, action=f"program.{kind}.{done}", subject_type=kind, subject_id=thing.id,
        conference_id=conference.id, **about,
    )  # fmt: skip


# --- rooms ----------------------------------------------------------------------------------------


def _check_room_hours(room: Room) -> None:
    if room.opens_at is not None and room.closes_at is not None and room.closes_at <= room.opens_at:
        raise RoomClosesBeforeOpen("A room must close after it opens.")


async def _check_room_name_free(db: AsyncSession, conference: Conference, name: str, room_id: uuid.UUID | None) -> None:
    query = select(Room.id).where(Room.conference_id == conference.id, Room.name == name)
    if room_id is not None:
        query = query.where(Room.id != room_id)
    if await db.scalar(query):
        raise RoomNameTaken(f"This conference already has a room named {name!r}.")


async def list_rooms(db: AsyncSession, *, conference: Conference) -> list[Room]:
    return await _list_owned(db, Room, conference, Room.position, Room.name)


async def create_room(db: AsyncSession, *, conference: Conference, data: RoomIn, actor: Principal | None) -> Room:
    """Adds a room; names are unique within a conference."""
    await _check_room_name_free(db, conference, data.name, None)
    room = Room(conference_id=conference.id, **msgspec.structs.asdict(data))
    _check_room_hours(room)
    await _save(db, actor, conference, room, "created", name=room.name)
    return room


async def update_room(
    db: AsyncSession, *, conference: Conference, room: Room, data: RoomPatch, actor: Principal | None
) -> Room:
    changes = _changes(data)
    if "name" in changes:
        await _check_room_name_free(db, conference, str(changes["name"]), room.id)
    _apply(room, changes)
    _check_room_hours(room)
    await _save(db, actor, conference, room, "updated", fields=sorted(changes))
    return room


async def delete_room(db: AsyncSession, *, conference: Conference, room: Room, actor: Principal | None) -> None:
    """Removes a room no run names; a removed run still does, because a released calendar entry points at it."""
    runs = await db.scalar(select(func.count()).select_from(SessionRun).where(SessionRun.room_id == room.id))
    if runs:
        raise RoomInUse(f"{room.name} is the room of {runs} run(s), removed ones included; it stays.")
    await record(
        db, actor=actor, action="program.room.deleted", subject_type="room", subject_id=room.id,
        conference_id=conference.id, name=room.name,
    )  # fmt: skip
    await db.delete(room)
    await db.flush()


# --- tracks ---------------------------------------------------------------------------------------


async def _track_group(db: AsyncSession, group_id: uuid.UUID | None) -> AssociationGroup | None:
    if group_id is None:
        return None
    group = await db.get(AssociationGroup, group_id)
    if group is None or group.kind not in TRACK_GROUP_KINDS:
        raise NotATrackGroup("group_id must be a policy committee or a municipal department.")
    return group


async def list_tracks(db: AsyncSession, *, conference: Conference) -> list[tuple[Track, AssociationGroup | None]]:
    query = (
        select(Track, AssociationGroup)
        .outerjoin(AssociationGroup, AssociationGroup.id == Track.group_id)
        .where(Track.conference_id == conference.id)
        .order_by(Track.name)
    )
    return [(track, group) for track, group in (await db.execute(query))]


async def create_track(
    db: AsyncSession, *, conference: Conference, data: TrackIn, actor: Principal | None
) -> tuple[Track, AssociationGroup | None]:
    """Adds a track, optionally owned by a policy committee or municipal department."""
    group = await _track_group(db, data.group_id)
    if await db.scalar(select(Track.id).where(Track.conference_id == conference.id, Track.slug == data.slug)):
        raise TrackSlugTaken(f"This conference already has a track {data.slug!r}.")
    track = Track(conference_id=conference.id, **msgspec.structs.asdict(data))
    await _save(db, actor, conference, track, "created", slug=track.slug)
    return track, group


async def update_track(
    db: AsyncSession, *, conference: Conference, track: Track, data: TrackPatch, actor: Principal | None
) -> tuple[Track, AssociationGroup | None]:
    changes = _changes(data)
    if "group_id" in changes:
        await _track_group(db, data.group_id if isinstance(data.group_id, uuid.UUID) else None)
    _apply(track, changes)
    await _save(db, actor, conference, track, "updated", fields=sorted(changes))
    return track, await _track_group(db, track.group_id)


async def delete_track(db: AsyncSession, *, conference: Conference, track: Track, actor: Principal | None) -> int:
    """Removes a track; its sessions stay, without a track. Answers how many sessions lost it."""
    cleared = await db.execute(
        update(ProgramSession)
        .where(ProgramSession.track_id == track.id)
        .values(track_id=None)
        .execution_options(synchronize_session="fetch")
    )
    sessions = cleared.rowcount or 0  # type: ignore[attr-defined]
    await record(
        db, actor=actor, action="program.track.deleted", subject_type="track", subject_id=track.id,
        conference_id=conference.id, slug=track.slug, sessions=sessions,
    )  # fmt: skip
    await db.delete(track)
    await db.flush()
    return sessions


# --- speakers -------------------------------------------------------------------------------------


def _windows(conference: Conference, windows: Iterable[Window]) -> list[SpeakerAvailability]:
    result = []
    for window in windows:
        starts, ends = to_utc(window.starts_at, conference.timezone), to_utc(window.ends_at, conference.timezone)
        if ends <= starts:
            raise WindowEndsBeforeStart("An availability window must end after it starts.")
        result.append(SpeakerAvailability(starts_at=starts, ends_at=ends))
    return result


async def _check_city(db: AsyncSession, city_id: uuid.UUID | None) -> None:
    if city_id is not None and await db.get(MemberCity, city_id) is None:
        raise CityNotFound("city_id is not the id of a member city.")


async def list_speakers(db: AsyncSession, *, conference: Conference) -> list[Speaker]:
    return await _list_owned(db, Speaker, conference, Speaker.name)


async def create_speaker(
    db: AsyncSession, *, conference: Conference, data: SpeakerIn, actor: Principal | None
) -> Speaker:
    await _check_city(db, data.city_id)
    fields = msgspec.structs.asdict(data)
    fields["availability"] = _windows(conference, data.availability)
    speaker = Speaker(conference_id=conference.id, **fields)
    await _save(db, actor, conference, speaker, "created", name=speaker.name)
    return speaker


async def update_speaker(
    db: AsyncSession, *, conference: Conference, speaker: Speaker, data: SpeakerPatch, actor: Principal | None
) -> Speaker:
    changes = _changes(data)
    if "city_id" in changes:
        await _check_city(db, data.city_id if isinstance(data.city_id, uuid.UUID) else None)
    if isinstance(data.availability, list):
        changes["availability"] = _windows(conference, data.availability)
    _apply(speaker, changes)
    await _save(db, actor, conference, speaker, "updated", fields=sorted(changes))
    return speaker


# --- sessions and runs ----------------------------------------------------------------------------


async def _check_track(db: AsyncSession, conference: Conference, track_id: uuid.UUID | None) -> None:
    if track_id is not None:
        await get_owned(db, Track, track_id, conference=conference)


async def _speaker_links(
    db: AsyncSession, conference: Conference, links: Sequence[SpeakerLink]
) -> list[SessionSpeaker]:
    ids = [link.speaker_id for link in links]
    if len(set(ids)) != len(ids):
        raise DuplicateSpeaker("A speaker is listed twice on this session.")
    if ids:
        found = set(
            await db.scalars(select(Speaker.id).where(Speaker.id.in_(ids), Speaker.conference_id == conference.id))
        )
        if missing := [str(i) for i in ids if i not in found]:
            raise SpeakerNotFound(f"No speaker of this conference has the id {', '.join(missing)}.")
    return [SessionSpeaker(speaker_id=link.speaker_id, role=link.role, position=n) for n, link in enumerate(links)]


async def _run_values(
    db: AsyncSession, conference: Conference, room_id: uuid.UUID, starts_at: datetime, ends_at: datetime
) -> tuple[uuid.UUID, datetime, datetime]:
    await get_owned(db, Room, room_id, conference=conference)
    starts, ends = to_utc(starts_at, conference.timezone), to_utc(ends_at, conference.timezone)
    if ends <= starts:
        raise RunEndsBeforeStart("A run must end after it starts.")
    return room_id, starts, ends


def _check_credits(hours: Decimal) -> None:
    if not (0 <= hours <= MAX_CREDIT_HOURS) or hours.as_tuple().exponent < -2:  # type: ignore[operator]
        raise BadCreditHours("credit_hours must be between 0 and 99 with at most two decimals.")


async def list_sessions(db: AsyncSession, *, conference: Conference) -> list[ProgramSession]:
    return await _list_owned(db, ProgramSession, conference, ProgramSession.code)


async def create_session(
    db: AsyncSession, *, conference: Conference, data: SessionIn, actor: Principal | None
) -> ProgramSession:
    """Adds a session with its speakers and runs; its code is unique within the conference."""
    if await db.scalar(
        select(ProgramSession.id).where(ProgramSession.conference_id == conference.id, ProgramSession.code == data.code)
    ):
        raise SessionCodeTaken(f"This conference already has a session {data.code!r}.")
    await _check_track(db, conference, data.track_id)
    _check_credits(data.credit_hours)
    speakers = await _speaker_links(db, conference, data.speakers)
    runs = []
    for run in data.runs:
        room_id, starts, ends = await _run_values(db, conference, run.room_id, run.starts_at, run.ends_at)
        runs.append(SessionRun(room_id=room_id, starts_at=starts, ends_at=ends))
    fields = msgspec.structs.asdict(data)
    fields.update(speakers=speakers, runs=runs)
    session = ProgramSession(conference_id=conference.id, **fields)
    await _save(db, actor, conference, session, "created", code=session.code)
    return session


async def update_session(
    db: AsyncSession, *, conference: Conference, session: ProgramSession, data: SessionPatch, actor: Principal | None
) -> ProgramSession:
    changes = _changes(data)
    if "track_id" in changes:
        await _check_track(db, conference, data.track_id if isinstance(data.track_id, uuid.UUID) else None)
    if isinstance(data.credit_hours, Decimal):
        _check_credits(data.credit_hours)
    if isinstance(data.speakers, list):
        links = await _speaker_links(db, conference, data.speakers)
        session.speakers.clear()
        await db.flush()  # the old links go before the new ones meet the unique constraint
        changes["speakers"] = links
    _apply(session, changes)
    await _save(db, actor, conference, session, "updated", fields=sorted(changes))
    return session


async def get_run(db: AsyncSession, *, conference: Conference, run_id: uuid.UUID) -> SessionRun:
    """A run of one of the conference's sessions, with its ``session`` loaded."""
    run = await db.scalar(
        select(SessionRun)
        .join(SessionRun.session)
        .options(contains_eager(SessionRun.session))
        .where(SessionRun.id == run_id, ProgramSession.conference_id == conference.id)
    )
    if run is None:
        raise RunNotFound("This conference has no run with this id.")
    return run


async def add_run(
    db: AsyncSession, *, conference: Conference, session: ProgramSession, data: RunIn, actor: Principal | None
) -> ProgramSession:
    """Schedules the session once more (a tour on a second day); the new run gets its own id."""
    room_id, starts, ends = await _run_values(db, conference, data.room_id, data.starts_at, data.ends_at)
    run = SessionRun(session_id=session.id, room_id=room_id, starts_at=starts, ends_at=ends)
    added = {"code": session.code, "starts_at": starts.isoformat(), "room_id": str(room_id)}
    await _save(db, actor, conference, run, "added", **added)
    await db.refresh(session, ["runs"])
    return session


async def update_run(
    db: AsyncSession, *, conference: Conference, run: SessionRun, data: RunPatch, actor: Principal | None
) -> ProgramSession:
    """Moves a run in time or to another room; its id (and so its calendar UID) stays; answers its session."""
    session = await db.get_one(ProgramSession, run.session_id)
    if run.removed_at is not None:
        raise RunRemoved("This run was removed; add a new run instead.")
    room_id, starts, ends = await _run_values(
        db,
        conference,
        data.room_id if isinstance(data.room_id, uuid.UUID) else run.room_id,
        data.starts_at if isinstance(data.starts_at, datetime) else run.starts_at,
        data.ends_at if isinstance(data.ends_at, datetime) else run.ends_at,
    )
    before = {"starts_at": run.starts_at.isoformat(), "room_id": str(run.room_id)}
    run.room_id, run.starts_at, run.ends_at = room_id, starts, ends
    after = {"starts_at": starts.isoformat(), "room_id": str(room_id)}
    await _save(db, actor, conference, run, "updated", code=session.code, before=before, after=after)
    await db.refresh(session, ["runs"])
    return session


async def remove_run(
    db: AsyncSession, *, conference: Conference, run: SessionRun, actor: Principal | None
) -> ProgramSession:
    """Takes a run off the program; it stays on record so the next release can cancel it in calendars."""
    session = await db.get_one(ProgramSession, run.session_id)
    if run.removed_at is None:
        run.removed_at = now()
        await _save(db, actor, conference, run, "removed", code=session.code)
    await db.refresh(session, ["runs"])
    return session
