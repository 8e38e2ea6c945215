"""Schedule releases: the working copy frozen into a numbered, public version with a changelog.

A release stores the exact ``events-app.schedule/1`` JSON that the public API, pages and
feeds serve, so nothing an organizer does between releases leaks out. Each run carries a
``sequence`` (raised when its time or place changes, or it is cancelled) and a
``revised_at`` (the release that last changed anything shown of it): calendar feeds use
them as SEQUENCE and LAST-MODIFIED. A run that was once released never disappears: when
it is removed, or its session cancelled or withdrawn, it stays as a cancelled tombstone.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import OrderedDict
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import AssociationGroup, Conference
from events_app.core.clock import now
from events_app.sessions import release_mail, service
from events_app.sessions.checks import check_schedule
from events_app.sessions.errors import NothingToRelease, ProgramNotPublished, ReleaseNotFound, ScheduleConflicts
from events_app.sessions.models import (
    ScheduleRelease,
    SessionStatus,
)
from events_app.sessions.schemas import (
    SCHEDULE_FORMAT,
    Change,
    ChangeKind,
    PendingChanges,
    RunPlace,
    Schedule,
    ScheduleConference,
    ScheduleGroup,
    ScheduleReleaseInfo,
    ScheduleRoom,
    ScheduleRun,
    ScheduleSession,
    ScheduleSessionSpeaker,
    ScheduleSpeaker,
    ScheduleTrack,
    ScheduleWarning,
)
from events_app.sessions.urls import conference_path, session_path, speaker_path
from events_app.settings import Settings

_Shown = TypeVar("_Shown", bound=msgspec.Struct)
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Schedule)
# Decoded releases by id: a release never changes, so a process keeps the last few it served.
_decoded: OrderedDict[uuid.UUID, Schedule] = OrderedDict()
_DECODED_KEEP = 16


# --- reading releases -----------------------------------------------------------------------------


async def latest_release(db: AsyncSession, *, conference: Conference) -> ScheduleRelease | None:
    query = (
        select(ScheduleRelease)
        .where(ScheduleRelease.conference_id == conference.id)
        .order_by(ScheduleRelease.number.desc())
        .limit(1)
    )
    return await db.scalar(query)


async def latest_release_number(db: AsyncSession, *, conference: Conference) -> int | None:
    query = (
        select(ScheduleRelease.number)
        .where(ScheduleRelease.conference_id == conference.id)
        .order_by(ScheduleRelease.number.desc())
        .limit(1)
    )
    return await db.scalar(query)


async def get_release(db: AsyncSession, *, conference: Conference, number: int) -> ScheduleRelease:
    release = await db.scalar(
        select(ScheduleRelease).where(ScheduleRelease.conference_id == conference.id, ScheduleRelease.number == number)
    )
    if release is None:
        raise ReleaseNotFound(f"There is no release {number} of this program.")
    return release


async def list_releases(db: AsyncSession, *, conference: Conference) -> list[ScheduleRelease]:
    query = (
        select(ScheduleRelease)
        .where(ScheduleRelease.conference_id == conference.id)
        .order_by(ScheduleRelease.number.desc())
    )
    return list(await db.scalars(query))


def decode_schedule(release: ScheduleRelease) -> Schedule:
    """The release's schedule as structs, decoded once per process."""
    if (cached := _decoded.get(release.id)) is not None:
        _decoded.move_to_end(release.id)
        return cached
    schedule = _decoder.decode(release.schedule)
    _decoded[release.id] = schedule
    while len(_decoded) > _DECODED_KEEP:
        _decoded.popitem(last=False)
    return schedule


async def published_schedule(db: AsyncSession, *, conference: Conference) -> Schedule | None:
    """What the public sees: the latest release, or None before the first one."""
    release = await latest_release(db, conference=conference)
    return decode_schedule(release) if release is not None else None


async def kept_published_schedule(
    db: AsyncSession, *, conference: Conference, cache: ConferenceCache
) -> Schedule | None:
    """``published_schedule``, kept per process: a release never changes, and the next one (a watched write)
    drops it in every process."""
    return await cache.value(
        ("published schedule", conference.id), lambda: published_schedule(db, conference=conference)
    )


async def require_published_schedule(db: AsyncSession, *, conference: Conference) -> tuple[ScheduleRelease, Schedule]:
    release = await latest_release(db, conference=conference)
    if release is None:
        raise ProgramNotPublished("The program of this conference has not been published yet.")
    return release, decode_schedule(release)


# --- building a release ---------------------------------------------------------------------------


def _digest(*parts: object) -> str:
    return hashlib.sha256(_encoder.encode(parts)).hexdigest()[:24]


class _Built(msgspec.Struct):
    schedule: Schedule
    digests: dict[str, str]
    changelog: list[Change]


async def _build(
    db: AsyncSession,
    *,
    conference: Conference,
    previous: ScheduleRelease | None,
    number: int,
    at: datetime,
) -> _Built:
    zone = ZoneInfo(conference.timezone)
    before = decode_schedule(previous) if previous is not None else None
    before_runs = {r.id: (s, r) for s in (before.sessions if before else []) for r in s.runs}
    before_digests = previous.digests if previous is not None else {}

    rooms = await service.list_rooms(db, conference=conference)
    room_by_id = {r.id: r for r in rooms}
    tracks = await service.list_tracks(db, conference=conference)
    speakers = {s.id: s for s in await service.list_speakers(db, conference=conference)}
    sessions = await service.list_sessions(db, conference=conference)

    digests: dict[str, str] = {}
    changelog: list[Change] = []
    published: list[ScheduleSession] = []
    used_speakers: set[uuid.UUID] = set()

    def place(run: ScheduleRun) -> RunPlace:
        return RunPlace(starts_at=run.starts_at, ends_at=run.ends_at, room=room_by_id[run.room_id].name)

    for session in sessions:
        live = session.status == SessionStatus.CONFIRMED
        speaker_names = [(speakers[link.speaker_id].name, link.role.value) for link in session.speakers]
        content = _digest(
            session.title, session.description, session.type.value, str(session.track_id), speaker_names,
            str(session.seat_limit), str(session.credit_hours), session.tags,
        )  # fmt: skip
        runs: list[ScheduleRun] = []
        for run in session.runs:
            scheduled = live and run.removed_at is None
            if not scheduled and run.id not in before_runs:
                continue  # never published: nothing for a calendar to cancel
            room = room_by_id[run.room_id]
            place_digest = _digest(run.starts_at.isoformat(), run.ends_at.isoformat(), str(run.room_id), scheduled)
            shown_digest = _digest(content, room.name, room.floor)
            old = before_runs.get(run.id)
            old_place, _, old_shown = before_digests.get(str(run.id), "||").partition("|")
            if old is None:
                sequence, revised = 0, at
            else:
                old_run = old[1]
                sequence = old_run.sequence + (1 if old_place != place_digest else 0)
                unchanged = old_place == place_digest and old_shown == shown_digest
                revised = old_run.revised_at if unchanged else at
            entry = ScheduleRun(
                id=run.id,
                room_id=run.room_id,
                starts_at=run.starts_at.astimezone(zone),
                ends_at=run.ends_at.astimezone(zone),
                status="scheduled" if scheduled else "cancelled",
                sequence=sequence,
                revised_at=revised,
            )
            runs.append(entry)
            digests[str(run.id)] = f"{place_digest}|{shown_digest}"
            kinds = _change_kinds(old[1] if old else None, entry)
            if kinds:
                changelog.append(
                    Change(
                        run_id=run.id,
                        session_id=session.id,
                        code=session.code,
                        title=session.title,
                        kinds=kinds,
                        before=place(old[1]) if old and old[1].room_id in room_by_id else None,
                        after=place(entry),
                    )
                )
        if not runs:
            continue
        used_speakers.update(link.speaker_id for link in session.speakers)
        published.append(
            _shown(
                ScheduleSession, session, status="confirmed" if live else "cancelled", tags=list(session.tags),
                url=session_path(conference, session.id), runs=runs,
                speakers=msgspec.convert(session.speakers, list[ScheduleSessionSpeaker], from_attributes=True),
            )
        )  # fmt: skip

    schedule = Schedule(
        format=SCHEDULE_FORMAT,
        conference=_shown(ScheduleConference, conference, url=conference_path(conference)),
        release=ScheduleReleaseInfo(number=number, released_at=at),
        # Sorted here, not by the database, so the bytes do not depend on its collation.
        rooms=msgspec.convert(
            sorted(rooms, key=lambda r: (r.position, r.name)), list[ScheduleRoom], from_attributes=True
        ),
        tracks=[ScheduleTrack(id=t.id, slug=t.slug, name=t.name, color=t.color, group=_group(g)) for t, g in tracks],
        speakers=[
            _shown(ScheduleSpeaker, s, url=speaker_path(conference, s.id))
            for s in sorted(speakers.values(), key=lambda s: s.name)
            if s.id in used_speakers
        ],
        sessions=published,
    )
    changelog.sort(key=lambda c: (c.after.starts_at if c.after else c.before.starts_at if c.before else at, c.code))
    return _Built(schedule=schedule, digests=digests, changelog=changelog)


def _shown(struct: type[_Shown], source: object, **computed: Any) -> _Shown:
    """``struct`` filled from ``source``'s attributes of the same names, and from ``computed`` for the others."""
    fields = struct.__struct_fields__
    return struct(**{name: computed[name] if name in computed else getattr(source, name) for name in fields})


def _group(group: AssociationGroup | None) -> ScheduleGroup | None:
    return msgspec.convert(group, ScheduleGroup, from_attributes=True) if group is not None else None


def _change_kinds(old: ScheduleRun | None, new: ScheduleRun) -> list[ChangeKind]:
    was_on = old is not None and old.status == "scheduled"
    is_on = new.status == "scheduled"
    if is_on and not was_on:
        return ["new"]
    if was_on and not is_on:
        return ["cancelled"]
    if not is_on or old is None:
        return []
    kinds: list[ChangeKind] = []
    if (old.starts_at, old.ends_at) != (new.starts_at, new.ends_at):
        kinds.append("moved")
    if old.room_id != new.room_id:
        kinds.append("re-roomed")
    return kinds


async def pending_changes(db: AsyncSession, *, conference: Conference, settings: Settings) -> PendingChanges:
    """What releasing now would change, with the scheduling checks, without publishing anything."""
    previous = await latest_release(db, conference=conference)
    number = (previous.number + 1) if previous else 1
    built = await _build(db, conference=conference, previous=previous, number=number, at=now())
    warnings = await check_schedule(db, conference=conference)
    return PendingChanges(based_on=previous.number if previous else None, changelog=built.changelog, warnings=warnings)


async def release_schedule(
    db: AsyncSession, *, conference: Conference, settings: Settings, actor: Principal | None, note: str = ""
) -> tuple[ScheduleRelease, list[ScheduleWarning]]:
    """Publishes the working copy as the next numbered release and tells speakers and attendees what changed.

    Refused while a room or a speaker is in two places at once, and when nothing changed.
    Two organizers releasing at once cannot both get one number: it is unique per conference.
    """
    warnings = await check_schedule(db, conference=conference)
    if hard := [w for w in warnings if w.hard]:
        raise ScheduleConflicts(
            f"The program has {len(hard)} hard conflict(s): " + " ".join(w.message for w in hard[:5]),
            conflicts=[msgspec.to_builtins(w) for w in hard],
        )
    previous = await latest_release(db, conference=conference)
    number = (previous.number + 1) if previous else 1
    at = now()
    built = await _build(db, conference=conference, previous=previous, number=number, at=at)
    if previous is not None:
        # Same bytes but for the release stamp: nothing a reader of the program would notice changed.
        unchanged = msgspec.structs.replace(built.schedule, release=decode_schedule(previous).release)
        if _encoder.encode(unchanged) == previous.schedule:
            raise NothingToRelease("Nothing changed since the last release.")
    release = ScheduleRelease(
        conference_id=conference.id,
        number=number,
        note=note,
        released_by=actor.email if actor else "system",
        schedule=_encoder.encode(built.schedule),
        changelog=msgspec.to_builtins(built.changelog),
        digests=built.digests,
    )
    db.add(release)
    await db.flush()
    await record(
        db, actor=actor, action="program.released", subject_type="release", subject_id=release.id,
        conference_id=conference.id, number=number, changes=len(built.changelog),
    )  # fmt: skip
    if previous is not None and built.changelog:
        await release_mail.mail_speakers(
            db, conference=conference, settings=settings, number=number, changelog=built.changelog
        )
        await release_mail.mail_attendees(
            db, conference=conference, settings=settings, number=number, changelog=built.changelog
        )
    return release, [w for w in warnings if not w.hard]
