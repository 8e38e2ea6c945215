"""The program's two numbers on the back-office dashboard, counted without building a release.

``releases.pending_changes`` builds the whole next release and runs every scheduling check
to say what would change (hundreds of milliseconds on the annual conference); the dashboard
only shows how many runs would change and how many hard conflicts block a release. Both are
counted here from a few columns of the runs: the conflicts by a sweep over their times, the
changes by comparing each run's place with the latest release. They agree with ``pending_changes`` by
construction (tests hold them to it): a change is a run that would appear as new, cancelled,
moved or re-roomed, a hard conflict a room or speaker in two places among confirmed sessions.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.sessions.models import ProgramSession, SessionRun, SessionSpeaker, SessionStatus
from events_app.sessions.releases import decode_schedule, latest_release


@dataclass(frozen=True, slots=True)
class ProgramCounts:
    sessions: int
    unpublished_changes: int
    hard_conflicts: int


def _overlapping_pairs(spans: list[tuple[datetime, datetime]]) -> int:
    """How many pairs of these (start, end) spans overlap, by a sweep over start times."""
    pairs = 0
    ends: list[datetime] = []
    for starts_at, ends_at in sorted(spans):
        ends = [end for end in ends if end > starts_at]
        pairs += len(ends)
        ends.append(ends_at)
    return pairs


async def _hard_conflicts(db: AsyncSession, *, conference: Conference) -> int:
    """Overlapping pairs of live runs of confirmed sessions in one room, plus those per shared speaker."""
    rows = await db.execute(
        select(SessionRun.session_id, SessionRun.room_id, SessionRun.starts_at, SessionRun.ends_at)
        .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
        .where(
            ProgramSession.conference_id == conference.id,
            ProgramSession.status == SessionStatus.CONFIRMED,
            SessionRun.removed_at.is_(None),
        )
    )
    by_room: dict[uuid.UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    by_session: dict[uuid.UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    for session_id, room_id, starts_at, ends_at in rows:
        by_room[room_id].append((starts_at, ends_at))
        by_session[session_id].append((starts_at, ends_at))
    links = await db.execute(
        select(SessionSpeaker.speaker_id, SessionSpeaker.session_id).where(
            SessionSpeaker.session_id.in_(list(by_session))
        )
    )
    by_speaker: dict[uuid.UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    for speaker_id, session_id in links:
        by_speaker[speaker_id].extend(by_session[session_id])
    return sum(_overlapping_pairs(spans) for spans in [*by_room.values(), *by_speaker.values()])


async def _unpublished_changes(db: AsyncSession, *, conference: Conference) -> int:
    """Runs whose place or being on differs from the latest release (every run is new before the first)."""
    previous = await latest_release(db, conference=conference)
    before = {
        run.id: run for session in (decode_schedule(previous).sessions if previous else []) for run in session.runs
    }
    rows = await db.execute(
        select(SessionRun.id, SessionRun.starts_at, SessionRun.ends_at, SessionRun.room_id, SessionRun.removed_at)
        .add_columns(ProgramSession.status)
        .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
        .where(ProgramSession.conference_id == conference.id)
    )
    changed = 0
    for run_id, starts_at, ends_at, room_id, removed_at, status in rows:
        on = status == SessionStatus.CONFIRMED and removed_at is None
        old = before.get(run_id)
        was_on = old is not None and old.status == "scheduled"
        moved = on and old is not None and (old.starts_at, old.ends_at, old.room_id) != (starts_at, ends_at, room_id)
        changed += on != was_on or moved
    return changed


async def program_counts(db: AsyncSession, *, conference: Conference) -> ProgramCounts:
    """Sessions in the working copy, runs a release would change, and hard conflicts blocking it."""
    sessions = await db.scalar(select(func.count()).where(ProgramSession.conference_id == conference.id))
    return ProgramCounts(
        sessions=sessions or 0,
        unpublished_changes=await _unpublished_changes(db, conference=conference),
        hard_conflicts=await _hard_conflicts(db, conference=conference),
    )
