"""HTTP API of an attendee's personal agenda, through their signed link (the link is the credential).

An attendee adds released runs, takes seats or waits in line, and confirms offered seats.
Organizers reissue a leaked link and door staff list a run's seats in ``controllers``.
"""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.conferences.models import Conference
from events_app.sessions import agenda, agenda_links, releases, seats
from events_app.sessions.agenda_links import LinkedAgenda
from events_app.sessions.dependencies import LINKED_AGENDA
from events_app.sessions.models import RsvpStatus
from events_app.sessions.schemas import (
    AddOut,
    AgendaEntryOut,
    AgendaItemIn,
    AgendaOut,
)
from events_app.settings import Settings


class AgendaController(Controller):
    """An attendee's personal agenda through their signed link (the link is the credential)."""

    path = "/api/conferences/{slug:str}/agenda/{token:str}"
    tags = ["Agenda"]
    opt = PUBLIC
    dependencies = LINKED_AGENDA

    @get("/", operation_id="getAgenda", opt=seats.SWEEPS_SEATS)
    async def get_agenda(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        linked_agenda: NamedDependency[LinkedAgenda],
    ) -> AgendaOut:
        """The attendee's agenda: released runs in time order, clashes, RSVPs, waitlist places and open offers."""
        attendee = linked_agenda.attendee
        schedule = await releases.published_schedule(db_session, conference=conference)
        view = await agenda.view_agenda(
            db_session, conference=conference, settings=settings, agenda=linked_agenda.agenda, attendee=attendee,
            schedule=schedule,
        )  # fmt: skip
        rooms = {r.id: r.name for r in schedule.rooms} if schedule else {}
        return AgendaOut(
            attendee=f"{attendee.first_name} {attendee.last_name}",
            entries=[
                AgendaEntryOut(
                    run_id=e.run.id,
                    session_id=e.session.id,
                    code=e.session.code,
                    title=e.session.title,
                    starts_at=e.run.starts_at,
                    ends_at=e.run.ends_at,
                    room=rooms.get(e.run.room_id, ""),
                    status=e.run.status,
                    rsvp=view.rsvps[e.run.id].status.value if e.run.id in view.rsvps else None,
                    seats_left=view.seats_left.get(e.run.id),
                )
                for e in view.entries
            ],
            clashes=[[a.run.id, b.run.id] for a, b in view.clashes],
            waitlists={str(run_id): position for run_id, position in view.positions.items()},
            offers={
                str(run_id): r.offer_expires_at
                for run_id, r in view.rsvps.items()
                if r.status == RsvpStatus.OFFERED and r.offer_expires_at is not None
            },
            feed_url=agenda_links.agenda_feed_url(settings, conference, linked_agenda.agenda),
        )

    @post("/items", operation_id="addToAgenda")
    async def add_item(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        linked_agenda: NamedDependency[LinkedAgenda],
        data: JSONBody[AgendaItemIn],
    ) -> AddOut:
        """Adds a released run; a seat-limited one takes a seat (``confirmed``) or joins its waitlist (``waiting``)."""
        _, schedule = await releases.require_published_schedule(db_session, conference=conference)
        result = await agenda.add_to_agenda(
            db_session, conference=conference, settings=settings, agenda=linked_agenda.agenda,
            attendee=linked_agenda.attendee, schedule=schedule, run_id=data.run_id,
        )  # fmt: skip
        return AddOut(status=result.status, position=result.position)

    @delete("/items/{run_id:uuid}", operation_id="removeFromAgenda")
    async def remove_item(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        linked_agenda: NamedDependency[LinkedAgenda],
        run_id: FromPath[uuid.UUID],
    ) -> None:
        """Takes a run off the agenda and gives back its seat or waitlist place; the next in line is offered it."""
        await agenda.remove_from_agenda(
            db_session, conference=conference, settings=settings, agenda=linked_agenda.agenda,
            attendee=linked_agenda.attendee, run_id=run_id,
        )  # fmt: skip

    @post("/items/{run_id:uuid}/confirm", operation_id="confirmSeatOffer")
    async def confirm(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        linked_agenda: NamedDependency[LinkedAgenda],
        run_id: FromPath[uuid.UUID],
    ) -> AddOut:
        """Takes a seat offered from the waitlist while the offer stands (409 ``no-offer`` after it ran out)."""
        result = await agenda.confirm_offer(
            db_session, conference=conference, settings=settings, agenda=linked_agenda.agenda,
            attendee=linked_agenda.attendee, run_id=run_id,
        )  # fmt: skip
        return AddOut(status=result.status, position=result.position)
