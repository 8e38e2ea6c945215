"""The schedule grid of one day: rooms across, quarter hours down, each run placed where it falls.

Runs of one room that share a quarter hour (a double booking) share one cell, so the grid
never loses a run; the scheduling checks' findings are hung on the cells of the runs they name.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import ceil
from zoneinfo import ZoneInfo

from events_app.conferences.models import Conference
from events_app.sessions.models import ProgramSession, Room, SessionRun, SessionStatus, Speaker, Track
from events_app.sessions.schemas import ScheduleWarning

SLOT = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class PlacedRun:
    run: SessionRun
    session: ProgramSession
    starts: datetime
    ends: datetime
    speakers: list[str]
    track: Track | None


@dataclass(slots=True)
class Cell:
    """A room's runs from one quarter hour for ``rows`` quarter hours, with the findings about them."""

    runs: list[PlacedRun] = field(default_factory=list)
    rows: int = 1
    warnings: list[ScheduleWarning] = field(default_factory=list)

    @property
    def hard(self) -> bool:
        return any(w.hard for w in self.warnings)


@dataclass(frozen=True, slots=True)
class Row:
    at: datetime
    # One per room; None where a cell above reaches down over this quarter hour.
    cells: list[Cell | None]


@dataclass(frozen=True, slots=True)
class Grid:
    day: date
    days: list[date]
    rooms: list[Room]
    rows: list[Row]
    warnings: list[ScheduleWarning]


def _slots(moment: datetime, start: datetime, *, up: bool) -> int:
    quarters = (moment - start) / SLOT
    return ceil(quarters) if up else int(quarters)


def build_grid(
    *,
    conference: Conference,
    day: date | None,
    rooms: list[Room],
    tracks: list[Track],
    speakers: list[Speaker],
    sessions: list[ProgramSession],
    warnings: list[ScheduleWarning],
) -> Grid:
    """``day`` (the conference's first day when None or not a day of it) as rows of quarter hours."""
    zone = ZoneInfo(conference.timezone)
    names = {s.id: s.name for s in speakers}
    track_by_id = {t.id: t for t in tracks}
    placed: list[PlacedRun] = []
    for session in sessions:
        if session.status == SessionStatus.CANCELLED:
            continue
        for run in session.runs:
            if run.removed_at is None:
                placed.append(
                    PlacedRun(
                        run=run, session=session, starts=run.starts_at.astimezone(zone),
                        ends=run.ends_at.astimezone(zone), speakers=[names[x.speaker_id] for x in session.speakers],
                        track=track_by_id.get(session.track_id) if session.track_id else None,
                    )
                )  # fmt: skip
    span = (conference.ends_on - conference.starts_on).days + 1
    days = sorted({conference.starts_on + timedelta(days=n) for n in range(span)} | {p.starts.date() for p in placed})
    shown = day if day in days else days[0]
    todays = sorted((p for p in placed if p.starts.date() == shown), key=lambda p: (p.starts, p.session.code))
    by_run: dict[uuid.UUID, list[ScheduleWarning]] = defaultdict(list)
    for warning in warnings:
        for run_id in warning.run_ids:
            by_run[run_id].append(warning)
    todays_ids = {p.run.id for p in todays}
    day_warnings = [w for w in warnings if todays_ids.intersection(w.run_ids)]
    if not todays:
        return Grid(day=shown, days=days, rooms=rooms, rows=[], warnings=day_warnings)

    first = min(p.starts for p in todays)
    start = first.replace(minute=first.minute - first.minute % 15, second=0, microsecond=0)
    count = max(_slots(p.ends, start, up=True) for p in todays)
    grid: list[list[Cell | None]] = [[Cell() for _ in rooms] for _ in range(count)]
    column = {room.id: n for n, room in enumerate(rooms)}
    for room_id, room_runs in _by_room(todays).items():
        cell, top_of_cell, reach = Cell(), 0, -1
        for p in room_runs:
            top = _slots(p.starts, start, up=False)
            bottom = max(_slots(p.ends, start, up=True), top + 1)
            if top >= reach:  # clear of the cell above: a cell of its own
                cell, top_of_cell = Cell(), top
                grid[top][column[room_id]] = cell
            cell.runs.append(p)
            cell.warnings += [w for w in by_run.get(p.run.id, []) if w not in cell.warnings]
            reach = max(reach, bottom)
            cell.rows = reach - top_of_cell
    return Grid(day=shown, days=days, rooms=rooms, rows=_rows(grid, start), warnings=day_warnings)


def _by_room(runs: list[PlacedRun]) -> dict[uuid.UUID, list[PlacedRun]]:
    rooms: dict[uuid.UUID, list[PlacedRun]] = defaultdict(list)
    for p in runs:
        rooms[p.run.room_id].append(p)
    return rooms


def _rows(grid: list[list[Cell | None]], start: datetime) -> list[Row]:
    """Blanks out what each cell reaches over, so a table row has a ``<td>`` only where one begins."""
    for n, cells in enumerate(grid):
        for column, cell in enumerate(cells):
            if cell is not None and cell.runs:
                for below in range(n + 1, min(n + cell.rows, len(grid))):
                    grid[below][column] = None
    return [Row(at=start + n * SLOT, cells=cells) for n, cells in enumerate(grid)]
