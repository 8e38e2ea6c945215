"""Personal agendas, seat-limited RSVPs and their waitlists.

An attendee reaches their agenda through a signed link (purpose ``program-agenda``)
carrying their id and the agenda's link version; raising the version revokes every
older link and feed subscription. Only released runs can be added.

Seats of a seat-limited run are a counter on the run changed only by conditional
UPDATEs (``seats_taken < seat_limit``), so two app processes never hand out one seat
twice. A seat that frees goes first to the next person waiting: they get an offer
(the seat stays held for them) and a mail, and have ``OFFER_WINDOW`` to confirm. An
offer that runs out lapses and the seat moves on; nothing needs a timer for that to be
right, because every RSVP, agenda view and session page first sweeps that run's
expired offers; each app process also sweeps every minute (core.rounds), so the next
person is mailed even when nobody opens a page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.mail import queue_mail
from events_app.core.signing import sign, unsign
from events_app.registration.models import Attendee, AttendeeStatus
from events_app.registration.service import get_attendee
from events_app.sessions.errors import (
    AgendaLinkRevoked,
    AgendaNotFound,
    NoOffer,
    RegistrationInactive,
    RunCancelled,
    RunNotFound,
)
from events_app.sessions.models import (
    Agenda,
    AgendaItem,
    ProgramSession,
    Rsvp,
    RsvpStatus,
    SessionRun,
)
from events_app.sessions.schemas import Change, Schedule, ScheduleRun, ScheduleSession
from events_app.settings import Settings

log = structlog.get_logger(__name__)

PURPOSE = "program-agenda"
OFFER_WINDOW = timedelta(hours=12)
# Attendees whose registration no longer stands cannot hold seats or change their agenda.
ACTIVE = (AttendeeStatus.CONFIRMED, AttendeeStatus.PENDING)


# --- links ----------------------------------------------------------------------------------------


def agenda_token(settings: Settings, agenda: Agenda) -> str:
    return sign(settings.secret_key, purpose=PURPOSE, payload=f"{agenda.attendee_id}.{agenda.link_version}")


def agenda_url(settings: Settings, conference: Conference, agenda: Agenda) -> str:
    return f"{settings.base_url}/c/{conference.slug}/agenda/{agenda_token(settings, agenda)}"


def agenda_feed_url(settings: Settings, conference: Conference, agenda: Agenda) -> str:
    return f"{agenda_url(settings, conference, agenda)}/agenda.ics"


async def agenda_for(db: AsyncSession, *, attendee: Attendee) -> Agenda:
    """The attendee's agenda, made on first use."""
    agenda = await db.scalar(select(Agenda).where(Agenda.attendee_id == attendee.id))
    if agenda is None:
        try:
            async with db.begin_nested():
                agenda = Agenda(attendee_id=attendee.id, conference_id=attendee.conference_id, changed_at=now())
                db.add(agenda)
        except IntegrityError:  # another request made it first; theirs is as good as ours
            agenda = await db.scalar(select(Agenda).where(Agenda.attendee_id == attendee.id))
            if agenda is None:
                raise
    return agenda


async def open_agenda(
    db: AsyncSession, *, conference: Conference, settings: Settings, token: str
) -> tuple[Agenda, Attendee]:
    """The agenda a link opens; a revoked, foreign or cancelled one is refused."""
    payload = unsign(settings.secret_key, purpose=PURPOSE, token=token)
    attendee_part, _, version = payload.partition(".")
    try:
        attendee_id, link_version = uuid.UUID(attendee_part), int(version)
    except ValueError as exc:
        raise AgendaNotFound("This agenda link is not valid.") from exc
    attendee = await db.get(Attendee, attendee_id)
    if attendee is None or attendee.conference_id != conference.id:
        raise AgendaNotFound("This agenda link is not valid.")
    agenda = await agenda_for(db, attendee=attendee)
    if agenda.link_version != link_version:
        raise AgendaLinkRevoked("This agenda link was replaced by a newer one.")
    return agenda, attendee


def _require_active(attendee: Attendee) -> None:
    if attendee.status not in ACTIVE:
        raise RegistrationInactive("This registration is no longer active.")


async def issue_agenda_link(
    db: AsyncSession, *, conference: Conference, settings: Settings, attendee_id: uuid.UUID, actor: Principal | None
) -> str:
    """A fresh agenda link for an attendee; every older link (and calendar subscription) stops working."""
    attendee = await get_attendee(db, conference_id=conference.id, attendee_id=attendee_id)
    agenda = await agenda_for(db, attendee=attendee)
    await db.execute(
        update(Agenda)
        .where(Agenda.id == agenda.id)
        .values(link_version=Agenda.link_version + 1, revision=Agenda.revision + 1, changed_at=now())
    )
    await db.refresh(agenda)
    await record(
        db, actor=actor, action="program.agenda_link_reissued", subject_type="attendee", subject_id=attendee.id,
        conference_id=conference.id,
    )  # fmt: skip
    return agenda_url(settings, conference, agenda)


async def mail_agenda_links(db: AsyncSession, *, conference: Conference, settings: Settings, email: str) -> int:
    """Mails each active registration under ``email`` its agenda link; says nothing about who is registered."""
    attendees = await db.scalars(
        select(Attendee).where(
            Attendee.conference_id == conference.id,
            Attendee.email == email.strip().lower(),
            Attendee.status.in_(ACTIVE),
        )
    )
    sent = 0
    for attendee in attendees:
        agenda = await agenda_for(db, attendee=attendee)
        await queue_mail(
            db, settings=settings, to=[attendee.email], subject=f"{conference.name}: your agenda",
            text=(
                f"Hello {attendee.first_name},\n\nYour personal agenda for {conference.name}:\n"
                f"{agenda_url(settings, conference, agenda)}\n\nKeep this link to yourself: it opens your agenda.\n"
            ),
        )  # fmt: skip
        sent += 1
    return sent


async def _touch(db: AsyncSession, agenda: Agenda) -> None:
    await db.execute(
        update(Agenda).where(Agenda.id == agenda.id).values(revision=Agenda.revision + 1, changed_at=now())
    )
    await db.refresh(agenda)


# --- seats ----------------------------------------------------------------------------------------


async def _take_seat(db: AsyncSession, run_id: uuid.UUID) -> bool:
    limit = select(ProgramSession.seat_limit).where(ProgramSession.id == SessionRun.session_id).scalar_subquery()
    taken = await db.execute(
        update(SessionRun)
        .where(SessionRun.id == run_id, SessionRun.seats_taken < limit)
        .values(seats_taken=SessionRun.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


async def _offer_next(db: AsyncSession, *, conference: Conference, settings: Settings, run_id: uuid.UUID) -> bool:
    """Offers a seat (already counted as taken) to the next person waiting; False when nobody waits."""
    moment = now()
    for _attempt in range(5):
        next_in_line = await db.scalar(
            select(Rsvp.id)
            .where(Rsvp.run_id == run_id, Rsvp.status == RsvpStatus.WAITING)
            .order_by(Rsvp.queued_at, Rsvp.id)
            .limit(1)
        )
        if next_in_line is None:
            return False
        offered = await db.execute(
            update(Rsvp)
            .where(Rsvp.id == next_in_line, Rsvp.status == RsvpStatus.WAITING)
            .values(status=RsvpStatus.OFFERED, offer_expires_at=moment + OFFER_WINDOW, updated_at=moment)
            .execution_options(synchronize_session=False)
        )
        if offered.rowcount == 1:  # type: ignore[attr-defined]
            await _mail_offer(db, conference=conference, settings=settings, rsvp_id=next_in_line)
            return True
        # Someone else took that person in the meantime; look again.
    return False


async def _give_back_seat(db: AsyncSession, run_id: uuid.UUID) -> None:
    await db.execute(
        update(SessionRun)
        .where(SessionRun.id == run_id, SessionRun.seats_taken > 0)
        .values(seats_taken=SessionRun.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


async def _free_seat(db: AsyncSession, *, conference: Conference, settings: Settings, run_id: uuid.UUID) -> None:
    """Hands a freed seat to the next person waiting (an offer), or back to the pool."""
    if not await _offer_next(db, conference=conference, settings=settings, run_id=run_id):
        await _give_back_seat(db, run_id)


async def _fill_from_waitlist(
    db: AsyncSession, *, conference: Conference, settings: Settings, run_id: uuid.UUID | None = None
) -> None:
    """Offers seats that are free while people wait (the organizer raised a seat limit, say)."""
    query = (
        select(SessionRun.id)
        .join(Rsvp, Rsvp.run_id == SessionRun.id)
        .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
        .where(
            ProgramSession.conference_id == conference.id,
            Rsvp.status == RsvpStatus.WAITING,
            SessionRun.seats_taken < ProgramSession.seat_limit,
        )
        .distinct()
    )
    if run_id is not None:
        query = query.where(SessionRun.id == run_id)
    for free_run in list(await db.scalars(query)):
        while await _take_seat(db, free_run):
            if not await _offer_next(db, conference=conference, settings=settings, run_id=free_run):
                await _give_back_seat(db, free_run)
                break


async def _mail_offer(db: AsyncSession, *, conference: Conference, settings: Settings, rsvp_id: uuid.UUID) -> None:
    rsvp = await db.get_one(Rsvp, rsvp_id, populate_existing=True)
    attendee = await db.get_one(Attendee, rsvp.attendee_id)
    run = await db.get_one(SessionRun, rsvp.run_id)
    session = await db.get_one(ProgramSession, run.session_id)
    agenda = await agenda_for(db, attendee=attendee)
    zone = ZoneInfo(conference.timezone)
    deadline = (rsvp.offer_expires_at or now()).astimezone(zone)
    await queue_mail(
        db, settings=settings, to=[attendee.email], subject=f"A seat opened: {session.title}",
        text=(
            f"Hello {attendee.first_name},\n\nA seat opened in {session.title} "
            f"({run.starts_at.astimezone(zone):%a %b %-d, %-I:%M %p}). It is kept for you until "
            f"{deadline:%a %b %-d, %-I:%M %p %Z}; confirm it on your agenda:\n"
            f"{agenda_url(settings, conference, agenda)}\n\n"
            "If you do not confirm by then, it goes to the next person.\n"
        ),
    )  # fmt: skip


async def sweep_offers(
    db: AsyncSession, *, conference: Conference, settings: Settings, run_id: uuid.UUID | None = None
) -> int:
    """Passes on the seats of offers that ran out and of registrations that no longer stand; returns how many.

    A cancelled or refunded attendee's seat frees itself here, so registration need not know about seats;
    seats free while people wait (a raised seat limit) are offered down the line as well.
    """
    moment = now()
    expired = (Rsvp.status == RsvpStatus.OFFERED) & (Rsvp.offer_expires_at <= moment)
    inactive = Rsvp.status.in_((RsvpStatus.CONFIRMED, RsvpStatus.OFFERED, RsvpStatus.WAITING)) & Rsvp.attendee_id.in_(
        select(Attendee.id).where(Attendee.conference_id == conference.id, Attendee.status.not_in(ACTIVE))
    )
    query = select(Rsvp.id, Rsvp.run_id, Rsvp.status).where(expired | inactive)
    if run_id is not None:
        query = query.where(Rsvp.run_id == run_id)
    else:
        query = (
            query.join(SessionRun, SessionRun.id == Rsvp.run_id)
            .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
            .where(ProgramSession.conference_id == conference.id)
        )
    passed_on = 0
    for rsvp_id, seat_run, status in (await db.execute(query)).all():
        lapses = status == RsvpStatus.OFFERED and await db.scalar(
            select(Rsvp.id).where(Rsvp.id == rsvp_id, Rsvp.offer_expires_at <= moment)
        )
        done = await db.execute(
            update(Rsvp)
            .where(Rsvp.id == rsvp_id, Rsvp.status == status)
            .values(status=RsvpStatus.LAPSED if lapses else RsvpStatus.CANCELLED, updated_at=moment)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1 and status != RsvpStatus.WAITING:  # type: ignore[attr-defined]
            passed_on += 1
            await _free_seat(db, conference=conference, settings=settings, run_id=seat_run)
    await _fill_from_waitlist(db, conference=conference, settings=settings, run_id=run_id)
    return passed_on


# --- the agenda -------------------------------------------------------------------------------------


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


def _find_run(schedule: Schedule, run_id: uuid.UUID) -> Entry | None:
    for session in schedule.sessions:
        for run in session.runs:
            if run.id == run_id:
                return Entry(session, run)
    return None


async def seats_left(db: AsyncSession, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Seats still free on each seat-limited run among ``run_ids``."""
    if not run_ids:
        return {}
    rows = await db.execute(
        select(SessionRun.id, ProgramSession.seat_limit, SessionRun.seats_taken)
        .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
        .where(SessionRun.id.in_(run_ids), ProgramSession.seat_limit.is_not(None))
    )
    return {run_id: max((limit or 0) - taken, 0) for run_id, limit, taken in rows.all()}


async def waitlist_position(db: AsyncSession, rsvp: Rsvp) -> int:
    ahead = await db.scalar(
        select(func.count())
        .select_from(Rsvp)
        .where(Rsvp.run_id == rsvp.run_id, Rsvp.status == RsvpStatus.WAITING, Rsvp.queued_at < rsvp.queued_at)
    )
    return (ahead or 0) + 1


async def view_agenda(
    db: AsyncSession, *, conference: Conference, settings: Settings, agenda: Agenda, attendee: Attendee,
    schedule: Schedule | None,
) -> AgendaView:  # fmt: skip
    """The attendee's agenda against the release: entries by time, clashes, RSVPs and waitlist places."""
    await sweep_offers(db, conference=conference, settings=settings)
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
        run_id: await waitlist_position(db, r) for run_id, r in rsvps.items() if r.status == RsvpStatus.WAITING
    }
    return AgendaView(
        attendee=attendee,
        agenda=agenda,
        entries=entries,
        withdrawn=withdrawn,
        rsvps=rsvps,
        positions=positions,
        seats_left=await seats_left(db, [e.run.id for e in entries] + list(rsvps)),
        clashes=clashes,
    )


@dataclass(frozen=True, slots=True)
class AddResult:
    """``added`` (no seats to count), ``confirmed`` (a seat is yours) or ``waiting`` (in line, ``position``)."""

    status: Literal["added", "confirmed", "waiting"]
    position: int | None = None


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

    await sweep_offers(db, conference=conference, settings=settings, run_id=run_id)
    rsvp = await db.scalar(select(Rsvp).where(Rsvp.run_id == run_id, Rsvp.attendee_id == attendee.id))
    if rsvp is not None and rsvp.status == RsvpStatus.CONFIRMED:
        await _put_on_agenda(db, agenda, run_id)
        return AddResult("confirmed")
    if rsvp is not None and rsvp.status == RsvpStatus.OFFERED:
        return await confirm_offer(
            db, conference=conference, settings=settings, agenda=agenda, attendee=attendee, run_id=run_id
        )
    if rsvp is not None and rsvp.status == RsvpStatus.WAITING:
        return AddResult("waiting", await waitlist_position(db, rsvp))
    # Nobody may jump the line: with people waiting, a newcomer waits too.
    line = await db.scalar(
        select(func.count())
        .select_from(Rsvp)
        .where(Rsvp.run_id == run_id, Rsvp.status.in_((RsvpStatus.WAITING, RsvpStatus.OFFERED)))
    )
    seated = not line and await _take_seat(db, run_id)
    status = RsvpStatus.CONFIRMED if seated else RsvpStatus.WAITING
    moment = now()
    if rsvp is None:
        rsvp = Rsvp(run_id=run_id, attendee_id=attendee.id, status=status, queued_at=moment)
        db.add(rsvp)
    else:
        rsvp.status, rsvp.queued_at, rsvp.offer_expires_at = status, moment, None
    await db.flush()
    await record(
        db, actor=None, action="program.rsvp", subject_type="run", subject_id=run_id, conference_id=conference.id,
        attendee_id=str(attendee.id), status=status.value,
    )  # fmt: skip
    if seated:
        await _put_on_agenda(db, agenda, run_id)
        return AddResult("confirmed")
    return AddResult("waiting", await waitlist_position(db, rsvp))


async def confirm_offer(
    db: AsyncSession, *, conference: Conference, settings: Settings, agenda: Agenda, attendee: Attendee,
    run_id: uuid.UUID,
) -> AddResult:  # fmt: skip
    """Takes the seat offered to the attendee, if the offer still stands."""
    _require_active(attendee)
    await sweep_offers(db, conference=conference, settings=settings, run_id=run_id)
    confirmed = await db.execute(
        update(Rsvp)
        .where(Rsvp.run_id == run_id, Rsvp.attendee_id == attendee.id, Rsvp.status == RsvpStatus.OFFERED)
        .values(status=RsvpStatus.CONFIRMED, offer_expires_at=None, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    if confirmed.rowcount != 1:  # type: ignore[attr-defined]
        raise NoOffer("There is no seat offer for you on this session (it may have run out).")
    await _put_on_agenda(db, agenda, run_id)
    await record(
        db, actor=None, action="program.offer_confirmed", subject_type="run", subject_id=run_id,
        conference_id=conference.id, attendee_id=str(attendee.id),
    )  # fmt: skip
    return AddResult("confirmed")


async def remove_from_agenda(
    db: AsyncSession,
    *,
    conference: Conference,
    settings: Settings,
    agenda: Agenda,
    attendee: Attendee,
    run_id: uuid.UUID,
) -> None:
    """Takes a run off the agenda and gives back its seat (or place in line); the next person is offered it."""
    item = await db.scalar(select(AgendaItem).where(AgendaItem.agenda_id == agenda.id, AgendaItem.run_id == run_id))
    if item is not None and item.removed_at is None:
        item.removed_at = now()
        await db.flush()
        await _touch(db, agenda)
    moment = now()
    for held, frees_seat in ((RsvpStatus.CONFIRMED, True), (RsvpStatus.OFFERED, True), (RsvpStatus.WAITING, False)):
        given_back = await db.execute(
            update(Rsvp)
            .where(Rsvp.run_id == run_id, Rsvp.attendee_id == attendee.id, Rsvp.status == held)
            .values(status=RsvpStatus.CANCELLED, offer_expires_at=None, updated_at=moment)
            .execution_options(synchronize_session=False)
        )
        if given_back.rowcount == 1:  # type: ignore[attr-defined]
            if frees_seat:
                await _free_seat(db, conference=conference, settings=settings, run_id=run_id)
            await record(
                db, actor=None, action="program.rsvp_cancelled", subject_type="run", subject_id=run_id,
                conference_id=conference.id, attendee_id=str(attendee.id), was=held.value,
            )  # fmt: skip
            break


async def run_rsvps(
    db: AsyncSession, *, conference: Conference, settings: Settings, run_id: uuid.UUID
) -> tuple[SessionRun, int | None, list[tuple[Rsvp, Attendee]]]:
    """A run's live RSVPs (seated, offered, waiting) in line order, for organizers and door staff."""
    row = (
        await db.execute(
            select(SessionRun, ProgramSession.seat_limit)
            .join(ProgramSession, ProgramSession.id == SessionRun.session_id)
            .where(SessionRun.id == run_id, ProgramSession.conference_id == conference.id)
        )
    ).first()
    if row is None:
        raise RunNotFound("This conference has no run with this id.")
    await sweep_offers(db, conference=conference, settings=settings, run_id=run_id)
    await db.refresh(row[0])
    live = (RsvpStatus.CONFIRMED, RsvpStatus.OFFERED, RsvpStatus.WAITING)
    rsvps = (
        await db.execute(
            select(Rsvp, Attendee)
            .join(Attendee, Attendee.id == Rsvp.attendee_id)
            .where(Rsvp.run_id == run_id, Rsvp.status.in_(live))
            .order_by(Rsvp.queued_at, Rsvp.id)
        )
    ).all()
    return row[0], row[1], [(rsvp, attendee) for rsvp, attendee in rsvps]


# --- the periodic sweep ----------------------------------------------------------------------------


async def sweep_once(engine: AsyncEngine, settings: Settings) -> int:
    """One sweep of every conference with seats in play, each in its own transaction; returns seats passed on."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as db:
        conference_ids = list(
            await db.scalars(
                select(ProgramSession.conference_id)
                .join(SessionRun, SessionRun.session_id == ProgramSession.id)
                .join(Rsvp, Rsvp.run_id == SessionRun.id)
                .where(Rsvp.status.in_((RsvpStatus.OFFERED, RsvpStatus.WAITING, RsvpStatus.CONFIRMED)))
                .distinct()
            )
        )
    passed_on = 0
    for conference_id in conference_ids:
        async with sessions() as db, db.begin():
            conference = await db.get_one(Conference, conference_id)
            passed_on += await sweep_offers(db, conference=conference, settings=settings)
    return passed_on


# --- telling attendees about a release -------------------------------------------------------------


async def mail_attendees_about_release(
    db: AsyncSession, *, conference: Conference, settings: Settings, number: int, changelog: Sequence[Change]
) -> int:
    """One mail per attendee with a changed run on their agenda, listing those changes."""
    from events_app.sessions.releases import describe_change

    by_run = {c.run_id: c for c in changelog}
    if not by_run:
        return 0
    rows = await db.execute(
        select(Attendee, Agenda, AgendaItem.run_id)
        .join(Agenda, Agenda.attendee_id == Attendee.id)
        .join(AgendaItem, AgendaItem.agenda_id == Agenda.id)
        .where(
            AgendaItem.run_id.in_(by_run),
            AgendaItem.removed_at.is_(None),
            Attendee.conference_id == conference.id,
            Attendee.status.in_(ACTIVE),
        )
        .order_by(Attendee.id)
    )
    changes: dict[uuid.UUID, tuple[Attendee, Agenda, list[Change]]] = {}
    for attendee, agenda, run_id in rows.all():
        changes.setdefault(attendee.id, (attendee, agenda, []))[2].append(by_run[run_id])
    zone = ZoneInfo(conference.timezone)
    for attendee, agenda, theirs in changes.values():
        lines = "\n".join(f"- {describe_change(c, zone)}" for c in sorted(theirs, key=lambda c: c.code))
        await queue_mail(
            db, settings=settings, to=[attendee.email], subject=f"{conference.name}: sessions on your agenda changed",
            text=(
                f"Hello {attendee.first_name},\n\nThe program changed (release {number}). On your agenda:\n\n"
                f"{lines}\n\nTimes are in {conference.timezone}. Your agenda: "
                f"{agenda_url(settings, conference, agenda)}\n"
            ),
        )  # fmt: skip
    return len(changes)
