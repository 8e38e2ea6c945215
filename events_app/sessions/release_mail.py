"""Telling people what a release changed: each speaker about their sessions, each attendee about their agenda.

Only a release after the first mails anyone (the first one is news to everybody), and only
people with a changed run hear from it, once per release, with every change of theirs in
one mail. Times are written in the conference's time zone.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.core.mail import queue_mail
from events_app.registration.models import Attendee
from events_app.sessions.agenda_links import ACTIVE, agenda_url, mail_attendee
from events_app.sessions.models import Agenda, AgendaItem, ProgramSession, Speaker
from events_app.sessions.schemas import Change, RunPlace
from events_app.sessions.urls import speaker_url
from events_app.settings import Settings


def describe_change(change: Change, zone: ZoneInfo) -> str:
    """``C12 Title: moved from Wed Oct 6, 9:00 AM (Room A) to Wed Oct 6, 10:30 AM (Room B)``"""

    def at(p: RunPlace) -> str:
        return f"{p.starts_at.astimezone(zone):%a %b %-d, %-I:%M %p} ({p.room})"

    head = f"{change.code} {change.title}"
    if "new" in change.kinds and change.after:
        return f"{head}: new, {at(change.after)}"
    if "cancelled" in change.kinds:
        return f"{head}: cancelled" + (f" (was {at(change.before)})" if change.before else "")
    words = " and ".join("moved" if k == "moved" else "re-roomed" for k in change.kinds)
    if change.before and change.after:
        return f"{head}: {words} from {at(change.before)} to {at(change.after)}"
    return f"{head}: {words}"


def _lines(changes: Iterable[Change], zone: ZoneInfo) -> str:
    return "\n".join(f"- {describe_change(c, zone)}" for c in changes)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a release would mail: each speaker with their changes, and how many attendees."""

    speakers: list[tuple[Speaker, list[Change]]]
    attendees: int


async def _speakers_told(db: AsyncSession, changelog: Sequence[Change]) -> list[tuple[Speaker, list[Change]]]:
    """Each speaker with an address whose session changed, with the changes of their sessions, by name."""
    session_ids = {c.session_id for c in changelog}
    sessions = await db.scalars(select(ProgramSession).where(ProgramSession.id.in_(session_ids)))
    speakers_of: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for session in sessions:
        for link in session.speakers:
            speakers_of[link.speaker_id].append(session.id)
    speakers = await db.scalars(
        select(Speaker).where(Speaker.id.in_(speakers_of), Speaker.email.is_not(None)).order_by(Speaker.name)
    )
    return [(s, [c for c in changelog if c.session_id in speakers_of[s.id]]) for s in speakers]


async def _attendees_told(
    db: AsyncSession, conference: Conference, changelog: Sequence[Change]
) -> list[tuple[Attendee, Agenda, list[Change]]]:
    """Each active attendee with a changed run on their agenda, with those changes."""
    by_run = {c.run_id: c for c in changelog}
    if not by_run:
        return []
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
    return list(changes.values())


async def audience(
    db: AsyncSession, *, conference: Conference, first_release: bool, changelog: Sequence[Change]
) -> Audience:
    """Who releasing ``changelog`` would mail; nobody for the first release, as ``releases`` does."""
    if first_release or not changelog:
        return Audience(speakers=[], attendees=0)
    return Audience(
        speakers=await _speakers_told(db, changelog),
        attendees=len(await _attendees_told(db, conference, changelog)),
    )


async def mail_speakers(
    db: AsyncSession, *, conference: Conference, settings: Settings, number: int, changelog: Sequence[Change]
) -> None:
    """One mail per speaker (with an address) of a changed session, listing what changed for them."""
    zone = ZoneInfo(conference.timezone)
    for speaker, theirs in await _speakers_told(db, changelog):
        text = (
            f"Hello {speaker.name},\n\n"
            f"The program of {conference.name} has changed (release {number}). What changed for your sessions:\n\n"
            f"{_lines(theirs, zone)}\n\nTimes are in {conference.timezone}. Your speaker page: "
            f"{speaker_url(settings, conference, speaker.id)}\n"
        )
        await queue_mail(
            db, settings=settings, to=[speaker.email or ""], subject=f"{conference.name}: your sessions changed",
            text=text,
        )  # fmt: skip


async def mail_attendees(
    db: AsyncSession, *, conference: Conference, settings: Settings, number: int, changelog: Sequence[Change]
) -> int:
    """One mail per attendee with a changed run on their agenda, listing those changes; returns how many."""
    changes = await _attendees_told(db, conference, changelog)
    zone = ZoneInfo(conference.timezone)
    for attendee, agenda, theirs in changes:
        await mail_attendee(
            db, settings=settings, attendee=attendee, subject=f"{conference.name}: sessions on your agenda changed",
            body=(
                f"The program changed (release {number}). On your agenda:\n\n"
                f"{_lines(sorted(theirs, key=lambda c: c.code), zone)}\n\nTimes are in {conference.timezone}. "
                f"Your agenda: {agenda_url(settings, conference, agenda)}\n"
            ),
        )  # fmt: skip
    return len(changes)
