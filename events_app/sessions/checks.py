"""Scheduling checks: what collides with what in the working copy.

Organizers get every finding as a warning that names the runs involved. Only *hard*
conflicts, a room or a speaker in two places at once among confirmed sessions, block a
release; the rest (availability, conference days, room hours, seats above capacity,
travel time to and from off-site tours) are for a person to judge.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.sessions.models import (
    ProgramSession,
    Room,
    SessionRun,
    SessionSpeaker,
    SessionStatus,
    Speaker,
    SpeakerAvailability,
)
from events_app.sessions.schemas import ScheduleWarning

# Buses to and from off-site tours need this long between a speaker's commitments.
TRAVEL_TIME = timedelta(minutes=45)


@dataclass(frozen=True, slots=True)
class _Run:
    id: uuid.UUID
    code: str
    title: str
    confirmed: bool
    seat_limit: int | None
    room: Room
    starts_at: datetime
    ends_at: datetime


def _fmt(run: _Run, zone: ZoneInfo) -> str:
    start = run.starts_at.astimezone(zone)
    return f"{run.code} ({start:%a %-I:%M %p}-{run.ends_at.astimezone(zone):%-I:%M %p}, {run.room.name})"


def _overlaps(runs: list[_Run]) -> list[tuple[_Run, _Run]]:
    """Every overlapping pair, by a sweep over start times."""
    ordered = sorted(runs, key=lambda r: (r.starts_at, r.ends_at))
    pairs: list[tuple[_Run, _Run]] = []
    active: list[_Run] = []
    for run in ordered:
        active = [a for a in active if a.ends_at > run.starts_at]
        pairs.extend((a, run) for a in active)
        active.append(run)
    return pairs


async def check_schedule(db: AsyncSession, *, conference: Conference) -> list[ScheduleWarning]:
    """Every scheduling problem among draft and confirmed sessions' runs."""
    zone = ZoneInfo(conference.timezone)
    rooms = {r.id: r for r in await db.scalars(select(Room).where(Room.conference_id == conference.id))}
    rows = await db.execute(
        select(SessionRun, ProgramSession.code, ProgramSession.title, ProgramSession.status, ProgramSession.seat_limit)
        .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
        .where(
            ProgramSession.conference_id == conference.id,
            ProgramSession.status != SessionStatus.CANCELLED,
            SessionRun.removed_at.is_(None),
        )
    )
    runs: dict[uuid.UUID, _Run] = {}
    session_of: dict[uuid.UUID, uuid.UUID] = {}
    for row, code, title, status, seat_limit in rows:
        runs[row.id] = _Run(
            row.id, code, title, status == SessionStatus.CONFIRMED, seat_limit, rooms[row.room_id],
            row.starts_at, row.ends_at,
        )  # fmt: skip
        session_of[row.id] = row.session_id

    warnings: list[ScheduleWarning] = []

    def warn(code: str, hard: bool, message: str, *involved: _Run) -> None:
        warnings.append(
            ScheduleWarning(
                code=code,
                hard=hard and all(r.confirmed for r in involved),
                message=message,
                run_ids=[r.id for r in involved],
                session_codes=sorted({r.code for r in involved}),
            )
        )

    by_room: dict[uuid.UUID, list[_Run]] = defaultdict(list)
    for run in runs.values():
        by_room[run.room.id].append(run)
    for room_runs in by_room.values():
        for a, b in _overlaps(room_runs):
            warn(
                "room-double-booked",
                True,
                f"{a.room.name} is double-booked: {_fmt(a, zone)} and {_fmt(b, zone)}.",
                a,
                b,
            )

    speakers = {s.id: s for s in await db.scalars(select(Speaker).where(Speaker.conference_id == conference.id))}
    windows: dict[uuid.UUID, list[SpeakerAvailability]] = defaultdict(list)
    for window in await db.scalars(select(SpeakerAvailability).where(SpeakerAvailability.speaker_id.in_(speakers))):
        windows[window.speaker_id].append(window)
    runs_of_session: dict[uuid.UUID, list[_Run]] = defaultdict(list)
    for run_id, session_id in session_of.items():
        runs_of_session[session_id].append(runs[run_id])
    by_speaker: dict[uuid.UUID, list[_Run]] = defaultdict(list)
    links = await db.scalars(select(SessionSpeaker).where(SessionSpeaker.session_id.in_(runs_of_session)))
    for link in links:
        by_speaker[link.speaker_id].extend(runs_of_session[link.session_id])

    for speaker_id, speaker_runs in by_speaker.items():
        name = speakers[speaker_id].name
        for a, b in _overlaps(speaker_runs):
            warn(
                "speaker-double-booked",
                True,
                f"{name} is in two places at once: {_fmt(a, zone)} and {_fmt(b, zone)}.",
                a,
                b,
            )
        if own := windows.get(speaker_id):
            for run in speaker_runs:
                if not any(w.starts_at <= run.starts_at and run.ends_at <= w.ends_at for w in own):
                    warn("speaker-unavailable", False, f"{name} is not available for {_fmt(run, zone)}.", run)
        ordered = sorted(speaker_runs, key=lambda r: r.starts_at)
        for a, b in pairwise(ordered):
            if (a.room.off_site or b.room.off_site) and a.room.id != b.room.id:
                gap = b.starts_at - a.ends_at
                if timedelta(0) <= gap < TRAVEL_TIME:
                    minutes = int(gap.total_seconds() // 60)
                    warn(
                        "travel-time", False,
                        f"{name} has {minutes} minutes to get from {_fmt(a, zone)} to {_fmt(b, zone)}; "
                        f"an off-site trip needs {int(TRAVEL_TIME.total_seconds() // 60)}.",
                        a, b,
                    )  # fmt: skip

    for run in runs.values():
        start, end = run.starts_at.astimezone(zone), run.ends_at.astimezone(zone)
        if start.date() < conference.starts_on or end.date() > conference.ends_on:
            warn("outside-conference-days", False, f"{_fmt(run, zone)} is outside the conference's days.", run)
        room = run.room
        opens_late = room.opens_at is not None and start.time() < room.opens_at
        closes_early = room.closes_at is not None and (end.date() > start.date() or end.time() > room.closes_at)
        if opens_late or closes_early:
            hours = f"{room.opens_at or '00:00'}-{room.closes_at or '24:00'}"
            warn("outside-room-hours", False, f"{_fmt(run, zone)} is outside {room.name}'s hours ({hours}).", run)
        if run.seat_limit is not None and room.capacity is not None and run.seat_limit > room.capacity:
            warn(
                "seats-above-capacity", False,
                f"{run.code} offers {run.seat_limit} seats but {room.name} holds {room.capacity}.", run,
            )  # fmt: skip
    return warnings
