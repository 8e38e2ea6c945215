"""An attendee's personal agenda: what is on it, its clashes, and adding or taking off a run.

Only released runs can be added. A run without a seat limit simply goes on the agenda; a
seat-limited one goes on it with a seat, or its RSVP waits in line (``seats``). The agenda's
``revision`` rises with every change, so its calendar feed knows when to rebuild; a run
taken off stays as a withdrawn item, which the feed shows as cancelled. Who may open an
agenda is the signed link's business (``agenda_links``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.registration.models import Attendee
from events_app.sessions import seats
from events_app.sessions.agenda_links import ACTIVE
from events_app.sessions.errors import RegistrationInactive, RunCancelled, RunNotFound
from events_app.sessions.models import Agenda, AgendaItem, ProgramSession, Rsvp, RsvpStatus, SessionRun
from events_app.sessions.schemas import Schedule, ScheduleRun, ScheduleSession
from events_app.settings import Settings


@dataclass(frozen=True, slots=True)
class Entry:
    session: ScheduleSession
    run: ScheduleRun


@dataclass
class AgendaView:
    attendee: Attendee
    agenda: Agenda
    entries: list[Entry]
    # Runs taken off the agenda (still in the release): their calendars show them cancelled.
    withdrawn: list[tuple[Entry, datetime]]
    rsvps: dict[uuid.UUID, Rsvp]
    positions: dict[uuid.UUID, int]
    seats_left: dict[uuid.UUID, int]
    clashes: list[tuple[Entry, Entry]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AddResult:
    """``added`` (no seats to count), ``confirmed`` (a seat is yours) or ``waiting`` (in line, ``position``)."""

    status: Literal["added", "confirmed", "waiting"]
    position: int | None = None


def _find_run(schedule: Schedule, run_id: uuid.UUID) -> Entry | None:
    for session in schedule.sessions:
        for run in session.runs:
            if run.id == run_id:
                return Entry(session, run)
    return None


def _require_active(attendee: Attendee) -> None:
    if attendee.status not in ACTIVE:
        raise RegistrationInactive("This registration is no longer active.")


async def _touch(db: AsyncSession, agenda: Agenda) -> None:
    await db.execute(
        update(Agenda).where(Agenda.id == agenda.id).values(revision=Agenda.revision + 1, changed_at=now())
    )
    await db.refresh(agenda)


async def _put_on_agenda(db: AsyncSession, agenda: Agenda, run_id: uuid.UUID) -> None:
    item = await db.scalar(select(AgendaItem).where(AgendaItem.agenda_id == agenda.id, AgendaItem.run_id == run_id))
    if item is None:
        db.add(AgendaItem(agenda_id=agenda.id, run_id=run_id))
    elif item.removed_at is not None:
        item.removed_at = None
    else:
        return
    await db.flush()
    await _touch(db, agenda)


async def view_agenda(
    db: AsyncSession, *, conference: Conference, settings: Settings, agenda: Agenda, attendee: Attendee,
    schedule: Schedule | None,
) -> AgendaView:  # fmt: skip
    """The attendee's agenda against the release: entries by time, clashes, RSVPs and waitlist places."""
    await seats.sweep_offers(db, conference=conference, settings=settings)
    items = list(await db.scalars(select(AgendaItem).where(AgendaItem.agenda_id == agenda.id)))
    rsvps = {r.run_id: r for r in await db.scalars(select(Rsvp).where(Rsvp.attendee_id == attendee.id))}
    entries: list[Entry] = []
    withdrawn: list[tuple[Entry, datetime]] = []
    for item in items:
        entry = _find_run(schedule, item.run_id) if schedule else None
        if entry is None:
            continue
        if item.removed_at is None:
            entries.append(entry)
        else:
            withdrawn.append((entry, item.removed_at))
    entries.sort(key=lambda e: (e.run.starts_at, e.session.code))
    live = [e for e in entries if e.run.status == "scheduled"]
    clashes = [
        (a, b)
        for i, a in enumerate(live)
        for b in live[i + 1 :]
        if a.run.starts_at < b.run.ends_at and b.run.starts_at < a.run.ends_at
    ]
    positions = {
        run_id: await seats.waitlist_position(db, r) for run_id, r in rsvps.items() if r.status == RsvpStatus.WAITING
    }
    return AgendaView(
        attendee=attendee,
        agenda=agenda,
        entries=entries,
        withdrawn=withdrawn,
        rsvps=rsvps,
        positions=positions,
        seats_left=await seats.seats_left(db, [e.run.id for e in entries] + list(rsvps)),
        clashes=clashes,
    )


async def add_to_agenda(
    db: AsyncSession, *, conference: Conference, settings: Settings, agenda: Agenda, attendee: Attendee,
    schedule: Schedule, run_id: uuid.UUID,
) -> AddResult:  # fmt: skip
    """Puts a released run on the agenda; a seat-limited one needs a seat, else it joins the waitlist."""
    _require_active(attendee)
    entry = _find_run(schedule, run_id)
    if entry is None:
        raise RunNotFound("The program has no such session.")
    if entry.run.status != "scheduled":
        raise RunCancelled("This session is cancelled.")
    limited = await db.scalar(
        select(ProgramSession.seat_limit)
        .join(SessionRun, SessionRun.session_id == ProgramSession.id)
        .where(SessionRun.id == run_id)
    )
    if limited is None:
        await _put_on_agenda(db, agenda, run_id)
        return AddResult("added")
    rsvp = await seats.request_seat(db, conference=conference, settings=settings, attendee=attendee, run_id=run_id)
    if rsvp.status == RsvpStatus.OFFERED:
        return await confirm_offer(
            db, conference=conference, settings=settings, agenda=agenda, attendee=attendee, run_id=run_id
        )
    if rsvp.status == RsvpStatus.WAITING:
        return AddResult("waiting", await seats.waitlist_position(db, rsvp))
    await _put_on_agenda(db, agenda, run_id)
    return AddResult("confirmed")


async def confirm_offer(
    db: AsyncSession, *, conference: Conference, settings: Settings, agenda: Agenda, attendee: Attendee,
    run_id: uuid.UUID,
) -> AddResult:  # fmt: skip
    """Takes the seat offered to the attendee, if the offer still stands, and puts the run on the agenda."""
    _require_active(attendee)
    await seats.take_offer(db, conference=conference, settings=settings, attendee=attendee, run_id=run_id)
    await _put_on_agenda(db, agenda, run_id)
    return AddResult("confirmed")


async def remove_from_agenda(
    db: AsyncSession, *, conference: Conference, settings: Settings, agenda: Agenda, attendee: Attendee,
    run_id: uuid.UUID,
) -> None:  # fmt: skip
    """Takes a run off the agenda and gives back its seat (or place in line); the next person is offered it."""
    item = await db.scalar(select(AgendaItem).where(AgendaItem.agenda_id == agenda.id, AgendaItem.run_id == run_id))
    if item is not None and item.removed_at is None:
        item.removed_at = now()
        await db.flush()
        await _touch(db, agenda)
    await seats.give_up_seat(db, conference=conference, settings=settings, attendee=attendee, run_id=run_id)
