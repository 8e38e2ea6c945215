"""My agenda in the browser, through the signed link: see it, add, remove, confirm offers, subscribe, download.

Opening the link remembers it in this browser's session, so the program's session pages
can offer "add to my agenda". Asking for the link by email says nothing about who is
registered.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.registration.manage_links import manage_url
from events_app.registration.models import Order
from events_app.sessions import agenda, agenda_links, releases, seats
from events_app.sessions.agenda_links import LinkedAgenda
from events_app.sessions.dependencies import LINKED_AGENDA, remembered_link_key
from events_app.sessions.errors import RunNotFound
from events_app.sessions.feed_pages import feed_response
from events_app.sessions.feeds import agenda_feed
from events_app.sessions.pages import program_page
from events_app.sessions.urls import subscribe_links
from events_app.settings import Settings


class AgendaForm(msgspec.Struct):
    run_id: str = ""
    next: str = ""


class LinkRequestForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=320)] = ""


def _back(slug: str, token: str, target: str) -> str:
    """Only this conference's pages, so a form cannot bounce people elsewhere."""
    return target if target.startswith(f"/c/{slug}/") and "//" not in target else f"/c/{slug}/agenda/{token}"


def _agenda_change(action: Literal["add", "remove", "confirm"]) -> HTTPRouteHandler:
    """The form that adds a run to the agenda, takes it off, or confirms its offered seat; back to ``next``."""

    async def change(
        self: Controller,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        linked_agenda: NamedDependency[LinkedAgenda],
        data: URLEncodedBody[AgendaForm],
    ) -> Redirect:
        try:
            run_id = UUID(data.run_id)
        except ValueError as exc:
            raise RunNotFound("The program has no such session.") from exc
        owned, attendee = linked_agenda.agenda, linked_agenda.attendee
        if action == "remove":
            await agenda.remove_from_agenda(
                db_session, conference=conference, settings=settings, agenda=owned, attendee=attendee, run_id=run_id
            )
            notice = "removed"
        else:
            _, schedule = await releases.require_published_schedule(db_session, conference=conference)
            if action == "confirm":
                result = await agenda.confirm_offer(
                    db_session, conference=conference, settings=settings, agenda=owned, attendee=attendee,
                    run_id=run_id,
                )  # fmt: skip
            else:
                result = await agenda.add_to_agenda(
                    db_session, conference=conference, settings=settings, agenda=owned, attendee=attendee,
                    schedule=schedule, run_id=run_id,
                )  # fmt: skip
            notice = result.status
        target = _back(conference.slug, linked_agenda.token, data.next)
        return Redirect(f"{target}{'&' if '?' in target else '?'}notice={notice}", status_code=303)

    return post(f"/{{token:str}}/{action}", status_code=303)(change)


class AgendaPages(Controller):
    """My agenda through the signed link."""

    opt = PUBLIC
    include_in_schema = False
    path = "/c/{slug:str}/agenda"
    dependencies = LINKED_AGENDA

    @get("/", media_type=MediaType.HTML, name="agenda-request")
    async def request_form(self, conference: NamedDependency[Conference]) -> Template:
        return program_page("agenda_request", conference, None, sent=False)

    @post("/", media_type=MediaType.HTML, status_code=200)
    async def request_link(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[LinkRequestForm],
    ) -> Template:
        if "@" in data.email:
            await agenda_links.mail_agenda_links(db_session, conference=conference, settings=settings, email=data.email)
        return program_page("agenda_request", conference, None, sent=True)

    @get("/{token:str}", media_type=MediaType.HTML, name="my-agenda", opt=seats.SWEEPS_SEATS)
    async def my_agenda(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        linked_agenda: NamedDependency[LinkedAgenda],
        notice: FromQuery[str | None] = None,
    ) -> Template:
        owned, attendee, token = linked_agenda.agenda, linked_agenda.attendee, linked_agenda.token
        # Remember the link in this browser, so session pages can offer "add to my agenda".
        request.set_session({**request.session, remembered_link_key(conference.slug): token})
        schedule = await releases.published_schedule(db_session, conference=conference)
        view = await agenda.view_agenda(
            db_session, conference=conference, settings=settings, agenda=owned, attendee=attendee, schedule=schedule
        )
        feed = agenda_links.agenda_feed_url(settings, conference, owned)
        offered = {}
        if schedule is not None:
            for run_id, rsvp in view.rsvps.items():
                if rsvp.status.value in ("offered", "waiting"):
                    entry = next(((s, r) for s in schedule.sessions for r in s.runs if r.id == run_id), None)
                    if entry is not None:
                        offered[run_id] = (entry[0], entry[1], rsvp)
        # The buyer's agenda leads back to their order; another attendee's must not open it.
        order = await db_session.get_one(Order, attendee.order_id)
        buyer = order.buyer_email.lower() == attendee.email.lower()
        manage = manage_url(settings, conference=conference, order=order) if buyer else None
        return program_page(
            "agenda", conference, None, attendee=attendee, view=view, token=token, manage_url=manage,
            rooms={r.id: r for r in schedule.rooms} if schedule else {},
            clashing={e.run.id for pair in view.clashes for e in pair}, pending=offered,
            links=subscribe_links(feed, f"{conference.name}: my agenda"), notice=notice or "",
        )  # fmt: skip

    add = _agenda_change("add")
    remove = _agenda_change("remove")
    confirm = _agenda_change("confirm")

    @get("/{token:str}/agenda.ics", name="feed-agenda")
    async def feed(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference_cache: NamedDependency[ConferenceCache],
        conference: NamedDependency[Conference],
        token: FromPath[str],
    ) -> Response[bytes]:
        # The link is checked by the feed itself, which answers a current poll without opening the agenda.
        built = await agenda_feed(
            db_session, conference=conference, settings=settings, cache=conference_cache, token=token
        )
        return await feed_response(
            request, db_session, built, filename=f"{conference.slug}-my-agenda.ics", private=True
        )
