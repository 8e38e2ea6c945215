"""Conferences, the association's groups (divisions, departments, caucuses, committees) and member cities.

Every table of a later domain hangs off ``conferences.id``; the association's groups and
cities are shared by all of its conferences.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events_app.db import Base, str_enum


class ConferenceStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class GroupKind(StrEnum):
    DIVISION = "division"
    DEPARTMENT = "department"
    CAUCUS = "caucus"
    COMMITTEE = "committee"


class Conference(Base):
    __tablename__ = "conferences"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL "
            "OR registration_closes_at > registration_opens_at",
            name="registration_closes_after_open",
        ),
    )

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    venue_name: Mapped[str] = mapped_column(String(200))
    venue_address: Mapped[str] = mapped_column(String(400))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[ConferenceStatus] = mapped_column(
        str_enum(ConferenceStatus, "conference_status"), default=ConferenceStatus.DRAFT
    )
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    description: Mapped[str] = mapped_column(String(4000), default="")


class AssociationGroup(Base):
    """A regional division, municipal department, diversity caucus or policy committee."""

    __tablename__ = "association_groups"
    __table_args__ = (UniqueConstraint("kind", "slug"),)

    kind: Mapped[GroupKind] = mapped_column(str_enum(GroupKind, "group_kind"))
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))


class MemberCity(Base):
    """A city of the association; its officials get member rates while it is in good standing."""

    __tablename__ = "member_cities"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    division_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("association_groups.id"), index=True)
    in_good_standing: Mapped[bool] = mapped_column(default=True)

    division: Mapped[AssociationGroup] = relationship(lazy="joined", innerjoin=True)
    email_domains: Mapped[list[CityEmailDomain]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="CityEmailDomain.domain"
    )


class CityEmailDomain(Base):
    """A mail domain a city's officials use; one domain belongs to one city at most."""

    __tablename__ = "city_email_domains"

    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member_cities.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
