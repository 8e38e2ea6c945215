"""HTTP API of conferences, association groups and member cities."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.pagination import OffsetPagination
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.service import Principal
from events_app.conferences import service
from events_app.conferences.models import AssociationGroup, Conference, GroupKind, MemberCity
from events_app.conferences.schemas import (
    CityIn,
    CityOut,
    CityPatch,
    ConferenceIn,
    ConferenceOut,
    ConferencePatch,
    GroupOut,
)
from events_app.core.pagination import Limit, Offset, page_of
from events_app.core.shapes import shaped

ORGANIZERS = allow()


def conference_out(conference: Conference) -> ConferenceOut:
    return shaped(ConferenceOut, conference, registration_open=service.registration_is_open(conference))


def group_out(group: AssociationGroup) -> GroupOut:
    return msgspec.convert(group, GroupOut, from_attributes=True)


def city_out(city: MemberCity) -> CityOut:
    return shaped(CityOut, city, email_domains=[d.domain for d in city.email_domains])


class ConferenceController(Controller):
    path = "/api/conferences"
    tags = ["Conferences"]

    @get("/", opt=PUBLIC, operation_id="listConferences")
    async def list_conferences(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal | None]
    ) -> list[ConferenceOut]:
        """Published conferences, newest first; organizers also see drafts."""
        conferences = await service.list_conferences(db_session, principal=principal)
        return [conference_out(c) for c in conferences]

    @post("/", opt=ORGANIZERS, operation_id="createConference")
    async def create_conference(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[ConferenceIn]
    ) -> ConferenceOut:
        """Creates a conference (a draft unless ``status`` says published)."""
        return conference_out(await service.create_conference(db_session, data=data))

    @get("/{slug:str}", opt=PUBLIC, operation_id="getConference")
    async def get_conference(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> ConferenceOut:
        """One conference by its conference.slug; a draft is found only by organizers."""
        return conference_out(conference)

    @patch("/{slug:str}", opt=ORGANIZERS, operation_id="updateConference")
    async def update_conference(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        data: JSONBody[ConferencePatch],
    ) -> ConferenceOut:
        """Changes the fields sent; publishing is ``{"status": "published"}``."""
        return conference_out(await service.update_conference(db_session, conference=conference, data=data))


class AssociationController(Controller):
    path = "/api"
    tags = ["Association"]

    @get("/association/groups", opt=PUBLIC, operation_id="listAssociationGroups")
    async def list_groups(
        self, db_session: NamedDependency[AsyncSession], kind: FromQuery[GroupKind | None] = None
    ) -> list[GroupOut]:
        """Regional divisions, municipal departments, diversity caucuses and policy committees."""
        return [group_out(g) for g in await service.list_groups(db_session, kind=kind)]

    @get("/cities", opt=PUBLIC, operation_id="listCities")
    async def list_cities(
        self,
        db_session: NamedDependency[AsyncSession],
        limit: Limit = 100,
        offset: Offset = 0,
        division_id: FromQuery[uuid.UUID | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=100, description="Part of a city's name.")] = None,
    ) -> OffsetPagination[CityOut]:
        """Member cities by name, optionally of one division or matching part of a name."""
        page = await service.list_cities(db_session, division_id=division_id, search=q, limit=limit, offset=offset)
        return page_of(page, city_out)

    @get("/cities/{city_id:uuid}", opt=PUBLIC, operation_id="getCity")
    async def get_city(self, db_session: NamedDependency[AsyncSession], city_id: FromPath[uuid.UUID]) -> CityOut:
        """One member city with its division and email domains."""
        return city_out(await service.get_city(db_session, city_id=city_id))

    @post("/cities", opt=ORGANIZERS, operation_id="createCity")
    async def create_city(self, db_session: NamedDependency[AsyncSession], data: JSONBody[CityIn]) -> CityOut:
        """Adds a member city; each email domain may belong to one city only."""
        return city_out(await service.create_city(db_session, data=data))

    @patch("/cities/{city_id:uuid}", opt=ORGANIZERS, operation_id="updateCity")
    async def update_city(
        self,
        db_session: NamedDependency[AsyncSession],
        city_id: FromPath[uuid.UUID],
        data: JSONBody[CityPatch],
    ) -> CityOut:
        """Changes a city: its name, division, email domains (replaced as a set) or good standing."""
        city = await service.get_city(db_session, city_id=city_id)
        return city_out(await service.update_city(db_session, city=city, data=data))
