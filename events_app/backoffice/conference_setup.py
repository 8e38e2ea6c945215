"""The back office's conference set-up: a new conference (a draft), its details, and publishing it.

The conferences' service keeps no audit of its own (the API's callers are tokens and scripts),
so these pages record each change in the audit log themselves.
"""

from __future__ import annotations

from litestar import Controller, MediaType, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import allow
from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.backoffice.forms import (
    ConferenceForm,
    conference_form,
    conference_in,
    conference_patch,
    office_page,
    save_or_refuse,
)
from events_app.conferences import service as conferences
from events_app.conferences.models import Conference, ConferenceStatus
from events_app.conferences.schemas import ConferencePatch

ORGANIZERS = allow()
DONE = {
    "created": "The conference is created as a draft: only organizers see it until it is published.",
    "details": "The details are saved.",
    "published": "The conference is published: everyone sees it, and registration opens as set.",
}


def _form_page(
    principal: Principal, form: ConferenceForm, *, conference: Conference | None = None, error: str = "", done: str = ""
) -> Template:
    return office_page(
        "conference", principal, conference, error=error, section="details", form=form, done=DONE.get(done, "")
    )


async def _audit(db: AsyncSession, actor: Principal, conference: Conference, action: str) -> None:
    await record(
        db, actor=actor, action=f"conference.{action}", subject_type="conference", subject_id=conference.id,
        conference_id=conference.id, slug=conference.slug,
    )  # fmt: skip


class NewConference(Controller):
    path = "/office/conferences"
    include_in_schema = False

    @get("/new", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-new-conference")
    async def new(self, actor: NamedDependency[Principal]) -> Template:
        return _form_page(actor, ConferenceForm())

    @post("/", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def create(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        data: URLEncodedBody[ConferenceForm],
    ) -> Template | Redirect:
        """Creates the conference as a draft; its slug is in every address that belongs to it from now on."""

        async def create() -> Conference:
            conference = await conferences.create_conference(db_session, data=conference_in(data))
            await _audit(db_session, actor, conference, "created")
            return conference

        async def refused(error: str, _status: int) -> Template:
            return _form_page(actor, data, error=error)

        def created(conference: Conference) -> str:
            return f"/office/c/{conference.slug}/details?done=created"

        return await save_or_refuse(db_session, create, then=created, refused=refused)


class ConferenceDetails(Controller):
    path = "/office/c/{slug:str}"
    include_in_schema = False

    @get("/details", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-conference-details")
    async def details(
        self,
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        return _form_page(actor, conference_form(conference), conference=conference, done=done)

    @post("/details", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[ConferenceForm],
    ) -> Template | Redirect:
        """Saves the name, venue, dates, registration times and whether invoiced members get in."""

        async def save() -> None:
            await conferences.update_conference(db_session, conference=conference, data=conference_patch(data))
            await _audit(db_session, actor, conference, "updated")

        async def refused(error: str, _status: int) -> Template:
            data.slug = conference.slug
            return _form_page(actor, data, conference=conference, error=error)

        then = f"/office/c/{conference.slug}/details?done=details"
        return await save_or_refuse(db_session, save, then=then, refused=refused, shown=(conference,))

    @post("/publish", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def publish(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Redirect:
        """Makes a draft visible to everyone; publishing again changes nothing."""
        if conference.status == ConferenceStatus.DRAFT:
            published = ConferencePatch(status=ConferenceStatus.PUBLISHED)
            await conferences.update_conference(db_session, conference=conference, data=published)
            await _audit(db_session, actor, conference, "published")
            await db_session.commit()
        return Redirect(f"/office/c/{conference.slug}/details?done=published", status_code=303)
