"""Request and response shapes of conferences, association groups and member cities."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from events_app.conferences.models import ConferenceStatus, GroupKind

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=80)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Domain = Annotated[
    str, msgspec.Meta(pattern=r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$", max_length=253)
]


class ConferenceIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    name: Name
    timezone: Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["America/Los_Angeles"])]
    venue_name: Name
    venue_address: Annotated[str, msgspec.Meta(min_length=1, max_length=400)]
    starts_on: date
    ends_on: date
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    description: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    status: ConferenceStatus = ConferenceStatus.DRAFT
    # Whether member-city officials on an invoiced order get in before the check arrives.
    admit_invoiced_members: bool = False


class ConferencePatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent are changed; ``null`` clears an optional registration date."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    timezone: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | msgspec.UnsetType = msgspec.UNSET
    venue_name: Name | msgspec.UnsetType = msgspec.UNSET
    venue_address: Annotated[str, msgspec.Meta(min_length=1, max_length=400)] | msgspec.UnsetType = msgspec.UNSET
    starts_on: date | msgspec.UnsetType = msgspec.UNSET
    ends_on: date | msgspec.UnsetType = msgspec.UNSET
    registration_opens_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    registration_closes_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    description: Annotated[str, msgspec.Meta(max_length=4000)] | msgspec.UnsetType = msgspec.UNSET
    status: ConferenceStatus | msgspec.UnsetType = msgspec.UNSET
    admit_invoiced_members: bool | msgspec.UnsetType = msgspec.UNSET


class ConferenceOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    timezone: str
    venue_name: str
    venue_address: str
    starts_on: date
    ends_on: date
    status: ConferenceStatus
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    registration_open: bool
    description: str
    admit_invoiced_members: bool


class GroupOut(msgspec.Struct):
    id: uuid.UUID
    kind: GroupKind
    slug: str
    name: str


class CityIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    division_id: uuid.UUID
    email_domains: list[Domain] = []
    in_good_standing: bool = True


class CityPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    division_id: uuid.UUID | msgspec.UnsetType = msgspec.UNSET
    email_domains: list[Domain] | msgspec.UnsetType = msgspec.UNSET
    in_good_standing: bool | msgspec.UnsetType = msgspec.UNSET


class CityOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    division: GroupOut
    email_domains: list[str]
    in_good_standing: bool
