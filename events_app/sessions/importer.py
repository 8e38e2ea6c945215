"""Bulk import of rooms, speakers and sessions from CSV or JSON: all or nothing.

Every row is read and checked first, and any error is reported with its section and row
number (the line of a CSV file, counting the header as 1; the position in a JSON list,
from 1); only a file without errors writes anything. Importing the same file again
changes nothing: rooms are matched by name, speakers by email (else name), sessions by
code. The runs of an imported session are matched to its existing runs in time order, so
a moved run keeps its id (and its calendar UID).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.models import Conference, MemberCity
from events_app.core.clock import now
from events_app.sessions.errors import ImportFailed, ImportNotUtf8, ImportUnknownSection, ImportUnreadable
from events_app.sessions.models import ProgramSession, Room, SessionRun, SessionSpeaker, Speaker, SpeakerRole, Track
from events_app.sessions.schemas import ImportIn, ImportResult, RoomRow, RowError, SessionRow, SpeakerRow
from events_app.sessions.service import MAX_CREDIT_HOURS, to_utc

Section = Literal["rooms", "speakers", "sessions"]
SECTIONS: tuple[Section, ...] = ("rooms", "speakers", "sessions")
ROW_TYPES: dict[Section, type[msgspec.Struct]] = {"rooms": RoomRow, "speakers": SpeakerRow, "sessions": SessionRow}
# Called after each row is written: (section, rows of it written so far).
Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class ProgramFile:
    document: ImportIn
    # CSV rows are numbered as lines of the file (the header is line 1); JSON rows from 1.
    csv_rows: bool


def read_document(data: bytes, *, filename: str = "", kind: Section | None = None) -> ProgramFile:
    """Reads a JSON document ``{"rooms": [...], "speakers": [...], "sessions": [...]}`` or one CSV section.

    A CSV file holds one section, named by ``kind`` or by the file's name (``rooms.csv``).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportNotUtf8("The file is not UTF-8 text.") from exc
    if filename.lower().endswith(".json") or (not filename and text.lstrip().startswith("{")):
        try:
            return ProgramFile(msgspec.convert(json.loads(text), ImportIn), csv_rows=False)
        except (ValueError, msgspec.ValidationError) as exc:
            raise ImportUnreadable(f"The JSON document cannot be read: {exc}") from exc
    section = kind or next((s for s in SECTIONS if s in filename.lower().rsplit("/", 1)[-1]), None)
    if section is None:
        raise ImportUnknownSection("Say which section a CSV file holds: rooms, speakers or sessions.")
    rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(io.StringIO(text))]
    # Empty CSV cells mean "not given", so the field's default applies.
    cleaned = [{k: v for k, v in row.items() if v != ""} for row in rows]
    return ProgramFile(ImportIn(**{section: cleaned}), csv_rows=True)


def _lenient_times(raw: Any) -> Any:
    """Spreadsheets write ``2027-10-06 09:00``; RFC 3339 wants ``2027-10-06T09:00:00``."""
    if isinstance(raw, dict):
        for key in ("starts_at", "ends_at"):
            if isinstance(value := raw.get(key), str):
                # An unreadable time is left for msgspec to report with its row number.
                with contextlib.suppress(ValueError):
                    raw = {**raw, key: datetime.fromisoformat(value.strip()).isoformat()}
    return raw


def _split_people(value: str) -> list[tuple[str, SpeakerRole]]:
    people = []
    for part in value.split(";"):
        name, _, role = part.strip().rpartition(":") if ":" in part else (part.strip(), "", "")
        if name.strip():
            people.append((name.strip(), SpeakerRole(role.strip().lower()) if role.strip() else SpeakerRole.PRESENTER))
    return people


async def import_program(
    db: AsyncSession,
    *,
    conference: Conference,
    document: ImportIn,
    actor: Principal | None,
    csv_rows: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Checks every row, then writes them all, or raises ``Invalid`` listing each bad row and writes nothing."""
    errors: list[RowError] = []
    first_row = 2 if csv_rows else 1
    parsed: dict[Section, list[tuple[int, Any]]] = {s: [] for s in SECTIONS}
    for section in SECTIONS:
        for offset, raw in enumerate(getattr(document, section)):
            row_number = first_row + offset
            try:
                parsed[section].append(
                    (row_number, msgspec.convert(_lenient_times(raw), ROW_TYPES[section], strict=False))
                )
            except msgspec.ValidationError as exc:
                errors.append(RowError(section=section, row=row_number, message=str(exc)))

    rooms = {r.name: r for r in await db.scalars(select(Room).where(Room.conference_id == conference.id))}
    speakers = list(await db.scalars(select(Speaker).where(Speaker.conference_id == conference.id)))
    tracks = {t.slug: t for t in await db.scalars(select(Track).where(Track.conference_id == conference.id))}
    cities = {name.lower(): city_id for city_id, name in (await db.execute(select(MemberCity.id, MemberCity.name)))}
    room_names = set(rooms) | {row.name for _, row in parsed["rooms"]}
    speaker_keys = {k for s in speakers for k in (s.email or "", s.name) if k}
    seen: set[str] = set()
    for number, row in parsed["rooms"]:
        if row.name in seen:
            errors.append(RowError(section="rooms", row=number, message=f"The room {row.name!r} is listed twice."))
        seen.add(row.name)
        if row.opens_at and row.closes_at and row.closes_at <= row.opens_at:
            errors.append(RowError(section="rooms", row=number, message="The room closes before it opens."))
    for number, row in parsed["speakers"]:
        speaker_keys.update(k for k in (row.email or "", row.name) if k)
        if row.city and row.city.lower() not in cities:
            errors.append(RowError(section="speakers", row=number, message=f"No member city is named {row.city!r}."))
    runs_by_code: dict[str, list[tuple[int, SessionRow]]] = defaultdict(list)
    for number, row in parsed["sessions"]:
        runs_by_code[row.code].append((number, row))
        problems = []
        if row.room not in room_names:
            problems.append(f"no room is named {row.room!r}")
        if row.track and row.track not in tracks:
            problems.append(f"no track is called {row.track!r}")
        if not (0 <= row.credit_hours <= MAX_CREDIT_HOURS):
            problems.append("credit_hours must be between 0 and 99")
        if to_utc(row.ends_at, conference.timezone) <= to_utc(row.starts_at, conference.timezone):
            problems.append("it ends before it starts")
        try:
            for name, _role in _split_people(row.speakers):
                if name not in speaker_keys:
                    problems.append(f"no speaker is named {name!r}")
        except ValueError:
            problems.append(
                f"a speaker role in {row.speakers!r} is not one of {', '.join(r.value for r in SpeakerRole)}"
            )
        errors.extend(RowError(section="sessions", row=number, message=p[0].upper() + p[1:] + ".") for p in problems)
    for code, rows in runs_by_code.items():
        first = rows[0][1]
        for number, row in rows[1:]:
            if (row.title, row.type, row.track, row.speakers) != (first.title, first.type, first.track, first.speakers):
                errors.append(
                    RowError(
                        section="sessions",
                        row=number,
                        message=f"Runs of {code} disagree on title, type, track or speakers.",
                    )
                )
    if errors:
        raise ImportFailed(
            f"The import has {len(errors)} error(s); nothing was imported.",
            errors=[msgspec.to_builtins(e) for e in sorted(errors, key=lambda e: (SECTIONS.index(e.section), e.row))],
        )

    def tick(section: str, count: int) -> None:
        if progress is not None:
            progress(section, count)

    for count, (_, row) in enumerate(parsed["rooms"], 1):
        room = rooms.get(row.name)
        if room is None:
            room = rooms[row.name] = Room(id=uuid.uuid4(), conference_id=conference.id)
            db.add(room)
        for key, value in msgspec.structs.asdict(row).items():
            setattr(room, key, value)
        tick("rooms", count)
    by_key: dict[str, Speaker] = {}
    for speaker in speakers:
        by_key.setdefault(speaker.name, speaker)
        if speaker.email:
            by_key[speaker.email] = speaker
    for count, (_, row) in enumerate(parsed["speakers"], 1):
        found = (by_key.get(row.email) if row.email else None) or by_key.get(row.name)
        if found is None:
            found = Speaker(id=uuid.uuid4(), conference_id=conference.id, availability=[])
            db.add(found)
        speaker = found
        fields = msgspec.structs.asdict(row)
        city = fields.pop("city")
        for key, value in fields.items():
            setattr(speaker, key, value)
        speaker.city_id = cities.get(city.lower()) if city else None
        by_key[row.name] = speaker
        if row.email:
            by_key[row.email] = speaker
        tick("speakers", count)
    await db.flush()

    existing = {
        s.code: s
        for s in await db.scalars(
            select(ProgramSession).where(
                ProgramSession.conference_id == conference.id, ProgramSession.code.in_(runs_by_code)
            )
        )
    }
    run_count = 0
    for count, (code, rows) in enumerate(runs_by_code.items(), 1):
        first = rows[0][1]
        session = existing.get(code)
        if session is None:
            session = ProgramSession(id=uuid.uuid4(), conference_id=conference.id, code=code, runs=[], speakers=[])
            db.add(session)
        session.title, session.type, session.description = first.title, first.type, first.description
        session.track_id = tracks[first.track].id if first.track else None
        session.seat_limit, session.credit_hours, session.status = first.seat_limit, first.credit_hours, first.status
        session.tags = [t.strip() for t in first.tags.split(",") if t.strip()]
        links = [(by_key[name].id, role) for name, role in _split_people(first.speakers)]
        if [(x.speaker_id, x.role) for x in session.speakers] != links:
            session.speakers.clear()
            await db.flush()
            session.speakers.extend(
                SessionSpeaker(speaker_id=sid, role=role, position=n) for n, (sid, role) in enumerate(links)
            )
        live = [r for r in session.runs if r.removed_at is None]
        wanted = sorted(rows, key=lambda x: x[1].starts_at.isoformat())
        for index, (_, row) in enumerate(wanted):
            starts, ends = to_utc(row.starts_at, conference.timezone), to_utc(row.ends_at, conference.timezone)
            room_id = rooms[row.room].id
            if index < len(live):
                live[index].starts_at, live[index].ends_at, live[index].room_id = starts, ends, room_id
            else:
                session.runs.append(SessionRun(room_id=room_id, starts_at=starts, ends_at=ends))
            run_count += 1
        for extra in live[len(wanted) :]:
            extra.removed_at = now()
        tick("sessions", count)
    await db.flush()
    result = ImportResult(
        rooms=len(parsed["rooms"]), speakers=len(parsed["speakers"]), sessions=len(runs_by_code), runs=run_count
    )
    await record(
        db, actor=actor, action="program.imported", subject_type="conference", subject_id=conference.id,
        conference_id=conference.id, **msgspec.to_builtins(result),
    )  # fmt: skip
    return result
