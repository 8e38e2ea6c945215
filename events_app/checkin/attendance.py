"""Session attendance and education credit.

A session-room station stands in one room; a scan there counts for the run of a session
in that room at the scan's time (doors open a quarter hour early). Entry makes one
attendance row per attendee and run (unique in the database, so a second entry says
``already_checked_in``); exit moves the leaving time forward only. Credit is earned when
minutes present reach the session's minimum presence (an organizer's rule per session,
by default three quarters of the run); an attendee who never scanned out is taken to have stayed to the end.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.checkin import people
from events_app.checkin.decisions import MESSAGES, Decision
from events_app.checkin.models import ScanKind, ScanResult, SessionAttendance, SessionCreditRule, Station, StationKind
from events_app.checkin.people import Holder
from events_app.checkin.schemas import CreditLine, CreditReport, FirstCheckin, RoomOccupancy, SessionRef
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.spreadsheet import csv_file
from events_app.db import insert_unless_taken
from events_app.sessions import service as program
from events_app.sessions.models import ProgramSession, Room, Rsvp, RsvpStatus, SessionRun

DOORS_OPEN_EARLY = timedelta(minutes=15)
DEFAULT_MINIMUM_SHARE = Decimal("0.75")


async def current_run(
    db: AsyncSession, *, room_id: uuid.UUID, at: datetime
) -> tuple[SessionRun, ProgramSession] | None:
    """The run in this room at ``at``: the one under way, else the next to start within the quarter hour."""
    rows = await db.execute(
        select(SessionRun, ProgramSession)
        .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
        .where(SessionRun.room_id == room_id, SessionRun.removed_at.is_(None))
        .where(SessionRun.starts_at <= at + DOORS_OPEN_EARLY, SessionRun.ends_at > at)
        .order_by(SessionRun.starts_at)
    )
    found = [(run, session) for run, session in rows]
    if not found:
        return None
    under_way = [pair for pair in found if pair[0].starts_at <= at]
    return under_way[-1] if under_way else found[0]


async def has_seat(db: AsyncSession, *, run: SessionRun, holder: Holder) -> bool:
    """Whether the attendee holds one of a seat-limited run's seats: a confirmed RSVP in the program."""
    held = await db.scalar(
        select(Rsvp.id).where(Rsvp.run_id == run.id, Rsvp.attendee_id == holder.id, Rsvp.status == RsvpStatus.CONFIRMED)
    )
    return held is not None


async def at_session_door(
    db: AsyncSession, *, conference: Conference, station: Station, holder: Holder, kind: ScanKind, at: datetime
) -> Decision:
    """Entry or exit at a session room's door."""
    if station.room_id is None:
        return Decision(ScanResult.INVALID, False, "This station is not tied to a room.", holder=holder)
    found = await current_run(db, room_id=station.room_id, at=at)
    if found is None:
        return Decision(
            ScanResult.NOT_REGISTERED_FOR_SESSION, False, "No session is running in this room now.", holder=holder
        )
    run, session = found
    ref = SessionRef(id=session.id, title=session.title)
    if kind == ScanKind.EXIT:
        await db.execute(
            update(SessionAttendance)
            .where(SessionAttendance.run_id == run.id, SessionAttendance.attendee_id == holder.id)
            .where((SessionAttendance.exited_at.is_(None)) | (SessionAttendance.exited_at < at))
            .values(exited_at=at)
        )
        return Decision(
            ScanResult.OK, True, f"Goodbye, {holder.badge_name}.", holder=holder, session=ref, session_id=session.id
        )
    if session.seat_limit is not None and not await has_seat(db, run=run, holder=holder):
        return Decision(
            ScanResult.NOT_REGISTERED_FOR_SESSION,
            False,
            MESSAGES[ScanResult.NOT_REGISTERED_FOR_SESSION],
            holder=holder,
            session=ref,
            session_id=session.id,
        )
    entered = await insert_unless_taken(
        db,
        SessionAttendance,
        {
            "id": uuid.uuid4(),
            "conference_id": conference.id,
            "session_id": session.id,
            "run_id": run.id,
            "attendee_id": holder.id,
            "station_id": station.id,
            "entered_at": at,
        },
    )
    if not entered:
        first = await db.scalar(
            select(SessionAttendance).where(
                SessionAttendance.run_id == run.id, SessionAttendance.attendee_id == holder.id
            )
        )
        return Decision(
            ScanResult.ALREADY_CHECKED_IN,
            False,
            "Already scanned into this session.",
            holder=holder,
            first=FirstCheckin(at=first.entered_at, station=station.name) if first else None,
            session=ref,
            session_id=session.id,
        )
    return Decision(
        ScanResult.OK, True, f"Welcome to {session.title}.", holder=holder, session=ref, session_id=session.id
    )


def minimum_minutes(run: SessionRun, rule: int | None) -> int:
    """The presence a run asks for credit: the session's own rule, else three quarters of its length."""
    if rule is not None:
        return rule
    length = Decimal((run.ends_at - run.starts_at).total_seconds()) / 60
    return int((length * DEFAULT_MINIMUM_SHARE).to_integral_value())


async def set_credit_rule(
    db: AsyncSession, *, conference: Conference, session_id: uuid.UUID, minutes: int | None, actor: Principal
) -> int | None:
    """Sets (or with ``None`` clears) a session's minimum presence for credit."""
    await program.get_owned(db, ProgramSession, session_id, conference=conference)
    rule = await db.scalar(select(SessionCreditRule).where(SessionCreditRule.session_id == session_id))
    if minutes is None:
        if rule is not None:
            await db.delete(rule)
    elif rule is None:
        db.add(SessionCreditRule(conference_id=conference.id, session_id=session_id, minimum_presence_minutes=minutes))
    else:
        rule.minimum_presence_minutes = minutes
    await db.flush()
    await record(
        db,
        actor=actor,
        action="credit.rule_set",
        subject_type="session",
        subject_id=session_id,
        conference_id=conference.id,
        minimum_presence_minutes=minutes,
    )
    return minutes


def minutes_present(row: SessionAttendance, run: SessionRun, *, at: datetime) -> int:
    """Minutes inside during the run; no exit scan means until the end (or until ``at``, if sooner)."""
    start = max(row.entered_at, run.starts_at)
    end = min(row.exited_at or run.ends_at, run.ends_at, at)
    return max(0, round((end - start).total_seconds() / 60))


async def _reports(
    db: AsyncSession, *, conference: Conference, attendee_ids: list[uuid.UUID] | None
) -> list[CreditReport]:
    query = (
        select(SessionAttendance, SessionRun, ProgramSession)
        .join(SessionRun, SessionRun.id == SessionAttendance.run_id)
        .join(ProgramSession, ProgramSession.id == SessionAttendance.session_id)
        .where(SessionAttendance.conference_id == conference.id)
        .order_by(SessionRun.starts_at)
    )
    if attendee_ids is not None:
        query = query.where(SessionAttendance.attendee_id.in_(attendee_ids))
    lines: dict[uuid.UUID, list[CreditLine]] = {}
    rules: dict[uuid.UUID, int] = {
        session_id: minutes
        for session_id, minutes in await db.execute(
            select(SessionCreditRule.session_id, SessionCreditRule.minimum_presence_minutes).where(
                SessionCreditRule.conference_id == conference.id
            )
        )
    }
    moment = now()
    for row, run, session in await db.execute(query):
        present = minutes_present(row, run, at=moment)
        needed = minimum_minutes(run, rules.get(session.id))
        lines.setdefault(row.attendee_id, []).append(
            CreditLine(
                session_id=session.id,
                session=session.title,
                starts_at=run.starts_at,
                minutes_present=present,
                minimum_minutes=needed,
                credit_hours=float(session.credit_hours),
                earned=present >= needed and session.credit_hours > 0,
            )
        )
    # The conference-wide report reads only those who attended something, not all two thousand registered.
    wanted = attendee_ids if attendee_ids is not None else list(lines)
    holders = await people.holders(db, conference_id=conference.id, attendee_ids=wanted)
    return [
        CreditReport(
            attendee_id=h.id,
            name=h.name,
            lines=lines.get(h.id, []),
            total_hours=float(sum(Decimal(str(line.credit_hours)) for line in lines.get(h.id, []) if line.earned)),
        )
        for h in holders
        if attendee_ids is not None or h.id in lines
    ]


async def credit_report(db: AsyncSession, *, conference: Conference, holder: Holder) -> CreditReport:
    """One attendee's sessions, minutes present and credit earned."""
    [report] = await _reports(db, conference=conference, attendee_ids=[holder.id])
    return report


async def conference_reports(db: AsyncSession, *, conference: Conference) -> list[CreditReport]:
    """Every attendee who attended at least one session."""
    return await _reports(db, conference=conference, attendee_ids=None)


async def report_csv(reports: list[CreditReport]) -> str:
    header = [
        "attendee_id",
        "name",
        "session",
        "starts_at",
        "minutes_present",
        "minimum_minutes",
        "credit_hours",
        "earned",
    ]
    rows: list[tuple[object, ...]] = []
    for report in reports:
        rows.extend(
            (
                report.attendee_id, report.name, line.session, line.starts_at.isoformat(), line.minutes_present,
                line.minimum_minutes, f"{line.credit_hours:g}", "yes" if line.earned else "no",
            )
            for line in report.lines
        )  # fmt: skip
        rows.append((report.attendee_id, report.name, "TOTAL", "", "", "", f"{report.total_hours:g}", ""))
    return await csv_file(header, rows)


async def occupancy(db: AsyncSession, *, conference: Conference, at: datetime) -> list[RoomOccupancy]:
    """For each room with a session-room station: the run now and how many are inside (entered, not left)."""
    rooms = list(
        await db.scalars(
            select(Room)
            .where(Room.id.in_(select(Station.room_id).where(
                Station.conference_id == conference.id, Station.kind == StationKind.SESSION_ROOM
            )))
            .order_by(Room.name)
        )
    )  # fmt: skip
    result = []
    for room in rooms:
        found = await current_run(db, room_id=room.id, at=at)
        present = 0
        title = None
        if found is not None:
            run, session = found
            title = session.title
            rows = await db.scalars(
                select(SessionAttendance.id).where(
                    SessionAttendance.run_id == run.id, SessionAttendance.exited_at.is_(None)
                )
            )
            present = len(list(rows))
        result.append(RoomOccupancy(room_id=room.id, room=room.name, session=title, present=present))
    return result
