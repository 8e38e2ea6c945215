"""Rules for conferences, the association's groups and member cities.

A draft conference is invisible to everyone but organizers. Registration is open only
between its open and close times. A city's member status comes from its email domains:
an official's address decides which city (if any) vouches for them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from litestar.pagination import OffsetPagination
from sqlalchemy import Select, bindparam, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.errors import (
    BadTimezone,
    CityNameTaken,
    CityNotFound,
    ConferenceNotFound,
    DomainTaken,
    DuplicateDomain,
    EndsBeforeStart,
    NotADivision,
    RegistrationClosesBeforeOpen,
    SlugTaken,
)
from events_app.conferences.models import (
    AssociationGroup,
    CityEmailDomain,
    Conference,
    ConferenceStatus,
    GroupKind,
    MemberCity,
)
from events_app.conferences.schemas import CityIn, CityPatch, ConferenceIn, ConferencePatch
from events_app.core.clock import now
from events_app.core.pagination import paginate


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadTimezone(f"{name!r} is not an IANA time zone such as America/Los_Angeles.") from exc


def _check_dates(conference: Conference) -> None:
    if conference.ends_on < conference.starts_on:
        raise EndsBeforeStart("A conference cannot end before it starts.")
    opens, closes = conference.registration_opens_at, conference.registration_closes_at
    if opens is not None and closes is not None and closes <= opens:
        raise RegistrationClosesBeforeOpen("Registration must close after it opens.")


def registration_is_open(conference: Conference, *, at: datetime | None = None) -> bool:
    moment = at or now()
    opens, closes = conference.registration_opens_at, conference.registration_closes_at
    return (
        conference.status == ConferenceStatus.PUBLISHED
        and (opens is None or opens <= moment)
        and (closes is None or moment < closes)
    )


async def create_conference(db: AsyncSession, *, data: ConferenceIn) -> Conference:
    """Adds a conference; its slug becomes part of every address that belongs to it."""
    _check_timezone(data.timezone)
    if await db.scalar(select(Conference.id).where(Conference.slug == data.slug)):
        raise SlugTaken(f"The slug {data.slug!r} is already used by another conference.")
    conference = Conference(**msgspec.structs.asdict(data))
    _check_dates(conference)
    db.add(conference)
    await db.flush()
    return conference


async def update_conference(db: AsyncSession, *, conference: Conference, data: ConferencePatch) -> Conference:
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "timezone" in changes:
        _check_timezone(changes["timezone"])
    for key, value in changes.items():
        setattr(conference, key, value)
    _check_dates(conference)
    await db.flush()
    return conference


def visible_to(conference: Conference, principal: Principal | None) -> bool:
    """The one rule for drafts: a draft exists only for organizers and for tokens issued for it.

    A token scoped to this conference (a station's scanner, a partner's token) may see it
    while it is being set up; anyone else, signed in or not, finds nothing there.
    """
    if conference.status != ConferenceStatus.DRAFT:
        return True
    if principal is None:
        return False
    if principal.conference_id is not None:
        return principal.conference_id == conference.id
    return principal.role == Role.ORGANIZER


async def list_conferences(db: AsyncSession, *, principal: Principal | None) -> list[Conference]:
    """The conferences ``principal`` may see, newest first."""
    query = select(Conference).order_by(Conference.starts_on.desc(), Conference.name)
    return [c for c in await db.scalars(query) if visible_to(c, principal)]


async def find_conference(db: AsyncSession, *, slug: str) -> Conference:
    """The conference with this slug whatever its status: for the command line and background work.

    Requests get their conference from the ``conference`` dependency, which applies ``visible_to``.
    """
    conference = await db.scalar(select(Conference).where(Conference.slug == slug))
    if conference is None:
        raise ConferenceNotFound(f"There is no conference at {slug!r}.")
    return conference


async def list_groups(db: AsyncSession, *, kind: GroupKind | None = None) -> list[AssociationGroup]:
    query = select(AssociationGroup).order_by(AssociationGroup.kind, AssociationGroup.name)
    if kind is not None:
        query = query.where(AssociationGroup.kind == kind)
    return list(await db.scalars(query))


async def _division(db: AsyncSession, division_id: uuid.UUID) -> AssociationGroup:
    group = await db.get(AssociationGroup, division_id)
    if group is None or group.kind != GroupKind.DIVISION:
        raise NotADivision("division_id must be the id of a regional division.")
    return group


async def _check_domains_free(db: AsyncSession, domains: list[str], *, city_id: uuid.UUID | None) -> None:
    if len(set(domains)) != len(domains):
        raise DuplicateDomain("An email domain is listed twice.")
    query = select(CityEmailDomain.domain).where(CityEmailDomain.domain.in_(domains))
    if city_id is not None:
        query = query.where(CityEmailDomain.city_id != city_id)
    if taken := list(await db.scalars(query)):
        raise DomainTaken(f"Already used by another city: {', '.join(sorted(taken))}.")


async def _check_city_name_free(db: AsyncSession, name: str, *, city_id: uuid.UUID | None) -> None:
    query = select(MemberCity.id).where(func.lower(MemberCity.name) == name.lower())
    if city_id is not None:
        query = query.where(MemberCity.id != city_id)
    if await db.scalar(query):
        raise CityNameTaken(f"A city named {name!r} already exists.")


async def create_city(db: AsyncSession, *, data: CityIn) -> MemberCity:
    await _division(db, data.division_id)
    await _check_city_name_free(db, data.name, city_id=None)
    domains = [d.lower() for d in data.email_domains]
    await _check_domains_free(db, domains, city_id=None)
    city = MemberCity(
        name=data.name,
        division_id=data.division_id,
        in_good_standing=data.in_good_standing,
        email_domains=[CityEmailDomain(domain=d) for d in domains],
    )
    db.add(city)
    await db.flush()
    await db.refresh(city, ["division"])
    return city


async def update_city(db: AsyncSession, *, city: MemberCity, data: CityPatch) -> MemberCity:
    if data.division_id is not msgspec.UNSET:
        await _division(db, data.division_id)
        city.division_id = data.division_id
    if data.name is not msgspec.UNSET:
        await _check_city_name_free(db, data.name, city_id=city.id)
        city.name = data.name
    if data.in_good_standing is not msgspec.UNSET:
        city.in_good_standing = data.in_good_standing
    if data.email_domains is not msgspec.UNSET:
        domains = [d.lower() for d in data.email_domains]
        await _check_domains_free(db, domains, city_id=city.id)
        # Replace the set in two steps so a domain kept across the edit never clashes with itself.
        await db.execute(delete(CityEmailDomain).where(CityEmailDomain.city_id == city.id))
        await db.flush()
        db.expire(city, ["email_domains"])
        db.add_all(CityEmailDomain(city_id=city.id, domain=d) for d in domains)
    await db.flush()
    await db.refresh(city, ["division", "email_domains"])
    return city


async def get_city(db: AsyncSession, *, city_id: uuid.UUID) -> MemberCity:
    city = await db.get(MemberCity, city_id)
    if city is None:
        raise CityNotFound("No member city has this id.")
    return city


def _cities_query(*, division_id: uuid.UUID | None, search: str | None) -> Select[MemberCity]:
    query = select(MemberCity).order_by(MemberCity.name)
    if division_id is not None:
        query = query.where(MemberCity.division_id == division_id)
    if search:
        query = query.where(func.lower(MemberCity.name).contains(search.lower(), autoescape=True))
    return query


async def list_cities(
    db: AsyncSession, *, division_id: uuid.UUID | None, search: str | None, limit: int, offset: int
) -> OffsetPagination[MemberCity]:
    return await paginate(db, _cities_query(division_id=division_id, search=search), limit=limit, offset=offset)


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


async def city_for_email(db: AsyncSession, *, email: str) -> MemberCity | None:
    """The city whose email domain this address uses, good standing or not (callers decide)."""
    if not (domain := email_domain(email)):
        return None
    return await db.scalar(select(MemberCity).join(CityEmailDomain).where(CityEmailDomain.domain == domain))


@dataclass(frozen=True, slots=True)
class CityLookup:
    """The member cities a group of people name (by id) or write from (by email domain), good standing or not."""

    by_id: dict[uuid.UUID, MemberCity]
    by_domain: dict[str, MemberCity]

    def named(self, city_id: uuid.UUID) -> MemberCity:
        if (city := self.by_id.get(city_id)) is None:
            raise CityNotFound("No member city has this id.")
        return city

    def for_email(self, email: str) -> MemberCity | None:
        return self.by_domain.get(email_domain(email))


@dataclass(frozen=True, slots=True)
class CitySearch:
    """The cities to find for a group of people: those they name by id and those their email domains belong to.

    Its rows (a city and the domain that found it, or none) are read alone by ``look_up_cities`` or ride on
    another read, as checkout's on its types. A city's own domain list and division are never read with them:
    a price needs only the city.
    """

    domains: frozenset[str]
    ids: frozenset[uuid.UUID]

    @classmethod
    def of(cls, *, emails: Iterable[str], city_ids: Iterable[uuid.UUID]) -> CitySearch:
        return cls(frozenset(d for d in map(email_domain, emails) if d), frozenset(city_ids))

    @staticmethod
    def query() -> Select[MemberCity, str | None]:
        """The search, one statement for every group (run it with ``params``): building it per search cost more
        CPU than running it."""
        return _CITY_SEARCH

    @property
    def params(self) -> dict[str, list[str] | list[uuid.UUID]]:
        return {"city_domains": list(self.domains), "city_ids": list(self.ids)}

    def found(self, rows: Iterable[tuple[MemberCity | None, str | None]]) -> CityLookup:
        lookup = CityLookup({}, {})
        for city, domain in rows:
            if city is not None and city.id in self.ids:
                lookup.by_id[city.id] = city
            if city is not None and domain in self.domains:
                lookup.by_domain[domain] = city
        return lookup


_CITY_SEARCH = (
    select(MemberCity, CityEmailDomain.domain)
    .outerjoin(CityEmailDomain, CityEmailDomain.city_id == MemberCity.id)
    .where(
        or_(
            CityEmailDomain.domain.in_(bindparam("city_domains", expanding=True)),
            MemberCity.id.in_(bindparam("city_ids", expanding=True)),
        )
    )
)


async def look_up_cities(db: AsyncSession, *, emails: Iterable[str], city_ids: Iterable[uuid.UUID]) -> CityLookup:
    """Every city a group of people name or write from, in one statement however many they are."""
    search = CitySearch.of(emails=emails, city_ids=city_ids)
    query = search.query().options(raiseload(MemberCity.division), raiseload(MemberCity.email_domains))
    return search.found((city, domain) for city, domain in await db.execute(query, search.params))
