"""An attendee's agenda record and the signed link that opens it.

The link is the credential: it is signed (purpose ``program-agenda``) and carries the
attendee's id and the agenda's link version, so raising the version revokes every older
link and every calendar subscription made from one. An agenda is made on first use.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.mail import queue_mail
from events_app.core.signing import sign, unsign
from events_app.db import insert_unless_taken
from events_app.registration.mail import AttendeeLink
from events_app.registration.models import Attendee, AttendeeStatus
from events_app.registration.service import get_attendee
from events_app.sessions.errors import AgendaLinkRevoked, AgendaNotFound
from events_app.sessions.models import FIRST_LINK_VERSION, Agenda
from events_app.sessions.urls import conference_url
from events_app.settings import Settings

PURPOSE = "program-agenda"
# Attendees whose registration no longer stands cannot hold seats or change their agenda.
ACTIVE = (AttendeeStatus.CONFIRMED, AttendeeStatus.PENDING)


@dataclass(frozen=True, slots=True)
class LinkedAgenda:
    """The agenda a link opened, whose it is, and the link's token."""

    agenda: Agenda
    attendee: Attendee
    token: str


def agenda_token(settings: Settings, agenda: Agenda) -> str:
    return sign(settings.secret_key, purpose=PURPOSE, payload=f"{agenda.attendee_id}.{agenda.link_version}")


def agenda_url(settings: Settings, conference: Conference, agenda: Agenda) -> str:
    return f"{conference_url(settings, conference)}/agenda/{agenda_token(settings, agenda)}"


def agenda_feed_url(settings: Settings, conference: Conference, agenda: Agenda) -> str:
    return f"{agenda_url(settings, conference, agenda)}/agenda.ics"


async def agenda_for(db: AsyncSession, *, attendee: Attendee) -> Agenda:
    """The attendee's agenda, made on first use."""
    mine = select(Agenda).where(Agenda.attendee_id == attendee.id)
    agenda = await db.scalar(mine)
    if agenda is None:
        # One statement and no savepoint, which a read outside a transaction (PostgreSQL) could not take. When
        # another request made it first, theirs is as good as ours.
        values = {"attendee_id": attendee.id, "conference_id": attendee.conference_id, "changed_at": now()}
        await insert_unless_taken(db, Agenda, values)
        agenda = (await db.scalars(mine)).one()
    return agenda


async def agenda_page_link(
    db: AsyncSession, *, settings: Settings, conference: Conference, attendee: Attendee
) -> Sequence[AttendeeLink]:
    """The attendee's agenda, for their mails and the order's manage page (registration's link hook)."""
    if attendee.status not in ACTIVE:
        return []
    if inspect(attendee).has_identity:
        agenda = await agenda_for(db, attendee=attendee)
    else:
        # Being registered now, so no link of theirs was ever revoked: the first one opens the agenda
        # made on first use, and a whole order's mails cost no agenda reads or writes.
        agenda = Agenda(attendee_id=attendee.id, link_version=FIRST_LINK_VERSION)
    return [AttendeeLink("Agenda", agenda_url(settings, conference, agenda))]


@dataclass(frozen=True, slots=True)
class AgendaLink:
    """What a link we signed says: whose agenda it opens, and the link version it was made at."""

    attendee_id: uuid.UUID
    version: int

    def require_current(self, link_version: int) -> None:
        """Refuses the link once the agenda's link version has moved past it (a newer link replaced it)."""
        if link_version != self.version:
            raise AgendaLinkRevoked("This agenda link was replaced by a newer one.")


def read_agenda_link(settings: Settings, token: str) -> AgendaLink:
    """The link in ``token``, if we signed it; whether it is still current is the agenda's to say."""
    payload = unsign(settings.secret_key, purpose=PURPOSE, token=token)
    attendee_part, _, version = payload.partition(".")
    try:
        return AgendaLink(attendee_id=uuid.UUID(attendee_part), version=int(version))
    except ValueError as exc:
        raise AgendaNotFound("This agenda link is not valid.") from exc


async def open_agenda(db: AsyncSession, *, conference: Conference, settings: Settings, token: str) -> LinkedAgenda:
    """The agenda a link opens; a replaced or foreign link is refused. An attendee whose registration was
    cancelled still reads their agenda (and its feed), but may no longer change it."""
    link = read_agenda_link(settings, token)
    attendee = await db.get(Attendee, link.attendee_id)
    if attendee is None or attendee.conference_id != conference.id:
        raise AgendaNotFound("This agenda link is not valid.")
    agenda = await agenda_for(db, attendee=attendee)
    link.require_current(agenda.link_version)
    return LinkedAgenda(agenda=agenda, attendee=attendee, token=token)


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


async def mail_attendee(db: AsyncSession, *, settings: Settings, attendee: Attendee, subject: str, body: str) -> None:
    """A mail to an attendee about their agenda: ``body`` follows the greeting and carries the link."""
    await queue_mail(
        db, settings=settings, to=[attendee.email], subject=subject, text=f"Hello {attendee.first_name},\n\n{body}"
    )


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
        await mail_attendee(
            db, settings=settings, attendee=attendee, subject=f"{conference.name}: your agenda",
            body=(
                f"Your personal agenda for {conference.name}:\n{agenda_url(settings, conference, agenda)}\n\n"
                "Keep this link to yourself: it opens your agenda.\n"
            ),
        )  # fmt: skip
        sent += 1
    return sent
