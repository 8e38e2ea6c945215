"""The public start page (published conferences) and each conference's home page."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NoRouteMatchFoundException
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.service import Principal
from events_app.conferences import service
from events_app.conferences.models import Conference
from events_app.core.clock import now


class ConferenceLink(msgspec.Struct):
    label: str
    href: str
    hint: str


# A conference's parts, each shown once its domain serves a page under this route name.
PARTS = (
    ("conference-register", "Register", "Member and non-member rates, group orders"),
    ("conference-program", "Program", "Sessions, speakers and your agenda"),
    ("conference-expo", "Expo", "Floor plan and partner booths"),
    ("conference-feeds", "Calendar feeds", "Subscribe in your calendar app"),
    ("cfp-call", "Call for proposals", "Propose a session to a policy committee"),
)


def _links(request: Request[Any, Any, Any], slug: str) -> list[ConferenceLink]:
    links = []
    for route_name, label, hint in PARTS:
        try:
            href = request.app.route_reverse(route_name, slug=slug)
        except NoRouteMatchFoundException:
            continue
        links.append(ConferenceLink(label=label, href=href, hint=hint))
    return links


class ConferencePages(Controller):
    opt = PUBLIC
    include_in_schema = False

    @get("/", media_type=MediaType.HTML)
    async def index(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal | None]
    ) -> Template:
        conferences = await service.list_conferences(db_session, principal=principal)
        return Template("conferences/index.html", context={"conferences": conferences, "principal": principal})

    @get("/c/{slug:str}", media_type=MediaType.HTML, name="conference-home")
    async def home(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Template:
        context = {
            "conference": conference,
            "registration_open": service.registration_is_open(conference),
            "now": now(),
            "links": _links(request, conference.slug),
            "principal": principal,
        }
        return Template("conferences/home.html", context=context)
