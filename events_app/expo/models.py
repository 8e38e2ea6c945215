"""Partners of the Partner Program, the expo floor plan and who occupies which booth.

A booth's occupancy lives on the booth row itself (``occupant_partner_id``,
``occupied_until``): one column can name one partner only, and every claim is a
conditional UPDATE of that row, so the database, not Python, decides who wins a race.
A claim counts while ``occupied_until`` is NULL (a booking) or in the future (a hold,
or a card checkout waiting for its payment): an expired hold frees the booth by time
alone. ``BoothHold`` and ``BoothBooking`` rows keep the story (who held what, when,
what was paid and refunded).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events_app.db import Base, ConferenceId, str_enum


class BoothKind(StrEnum):
    INLINE = "inline"
    CORNER = "corner"
    ISLAND = "island"


class AreaKind(StrEnum):
    AISLE = "aisle"
    STAGE = "stage"
    FOOD = "food"
    ENTRANCE = "entrance"
    LOUNGE = "lounge"
    SERVICE = "service"


class PointsReason(StrEnum):
    TIER = "tier"
    YEARS = "years"
    SPONSORSHIP = "sponsorship"
    ADJUSTMENT = "adjustment"


class HoldStatus(StrEnum):
    HELD = "held"  # live until expires_at; after that it simply does not count
    CHECKED_OUT = "checked_out"
    RELEASED = "released"


class BookingStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"  # card checkout started; occupies the booth until occupied_until
    INVOICED = "invoiced"  # reserved; firm once the invoice is paid
    CONFIRMED = "confirmed"
    LAPSED = "lapsed"  # the card payment did not arrive in time; the booth went back on sale
    CANCELLED = "cancelled"


class PaymentMethod(StrEnum):
    CARD = "card"
    INVOICE = "invoice"
    ASSIGNED = "assigned"  # placed by staff; billed outside the booth checkout


LIVE_BOOKING_STATUSES = (BookingStatus.PENDING_PAYMENT, BookingStatus.INVOICED, BookingStatus.CONFIRMED)


class PartnerTier(Base):
    """A level of the Partner Program; rank 1 is the best and books first."""

    __tablename__ = "expo_partner_tiers"

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int] = mapped_column(unique=True)
    points: Mapped[int] = mapped_column(default=0)


class BusinessCategory(Base):
    """What a partner sells; partners sharing an exclusive category are kept apart on the floor."""

    __tablename__ = "expo_business_categories"

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    exclusive: Mapped[bool] = mapped_column(default=False)


class PartnerCategory(Base):
    __tablename__ = "expo_partner_categories"
    __table_args__ = (UniqueConstraint("partner_id", "category_id"),)

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_partners.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_business_categories.id", ondelete="CASCADE"))


class Partner(Base):
    """An organization of the Partner Program; shared by all of the association's conferences."""

    __tablename__ = "expo_partners"

    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_partner_tiers.id"), index=True)
    website: Mapped[str] = mapped_column(String(300), default="")
    billing_email: Mapped[str] = mapped_column(String(320), default="")
    years_exhibited: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    tier: Mapped[PartnerTier] = relationship(lazy="joined", innerjoin=True)
    categories: Mapped[list[BusinessCategory]] = relationship(
        secondary="expo_partner_categories", lazy="selectin", order_by="BusinessCategory.name"
    )


class PartnerContact(Base):
    """Links a user of role partner to the partner they act for; one partner per user."""

    __tablename__ = "expo_partner_contacts"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_partners.id", ondelete="CASCADE"), index=True)


class PointsEntry(Base):
    """One line of a partner's priority-points ledger; the balance is their sum."""

    __tablename__ = "expo_points_entries"

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_partners.id", ondelete="CASCADE"), index=True)
    points: Mapped[int]
    reason: Mapped[PointsReason] = mapped_column(str_enum(PointsReason, "expo_points_reason"))
    note: Mapped[str] = mapped_column(String(500), default="")


class ExpoSettings(Base):
    """A conference's expo rules; a conference without a row uses the defaults here."""

    __tablename__ = "expo_settings"
    __table_args__ = (
        CheckConstraint("hold_minutes > 0", name="hold_minutes_positive"),
        CheckConstraint("max_live_holds > 0", name="max_live_holds_positive"),
        CheckConstraint("competitor_distance_ft >= 0", name="competitor_distance_not_negative"),
    )

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), unique=True)
    hold_minutes: Mapped[int] = mapped_column(default=30)
    max_live_holds: Mapped[int] = mapped_column(default=2)
    card_payment_minutes: Mapped[int] = mapped_column(default=15)
    competitor_distance_ft: Mapped[float] = mapped_column(Float, default=20.0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    extra_staff_price_cents: Mapped[int] = mapped_column(default=15000)
    # [{"cancel_before": iso datetime, "refund_percent": 0-100}, ...]
    refund_bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class BookingWindow(Base):
    """From ``opens_at`` on, partners of ``tier_id`` (or with at least ``min_points``) may book.

    A window with neither opens booking to every partner.
    """

    __tablename__ = "expo_booking_windows"

    conference_id: Mapped[ConferenceId]
    name: Mapped[str] = mapped_column(String(100))
    opens_at: Mapped[datetime]
    tier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("expo_partner_tiers.id", ondelete="CASCADE"))
    min_points: Mapped[int | None]


class Hall(Base):
    __tablename__ = "expo_halls"
    __table_args__ = (UniqueConstraint("conference_id", "code"),)

    conference_id: Mapped[ConferenceId]
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    width_ft: Mapped[float] = mapped_column(Float)
    depth_ft: Mapped[float] = mapped_column(Float)


class Booth(Base):
    """A bookable space; ``shape`` is a polygon in feet ([[x, y], ...]) from the hall's top-left corner."""

    __tablename__ = "expo_booths"
    __table_args__ = (
        UniqueConstraint("conference_id", "code"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        # A booking never carries an expiry; a hold always does.
        CheckConstraint("booking_id IS NULL OR hold_id IS NULL", name="hold_or_booking"),
        CheckConstraint("occupant_partner_id IS NOT NULL OR occupied_until IS NULL", name="expiry_needs_occupant"),
    )

    conference_id: Mapped[ConferenceId]
    hall_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_halls.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    shape: Mapped[list[list[float]]] = mapped_column(JSON)
    width_ft: Mapped[float] = mapped_column(Float)
    depth_ft: Mapped[float] = mapped_column(Float)
    area_sqft: Mapped[float] = mapped_column(Float)
    kind: Mapped[BoothKind] = mapped_column(str_enum(BoothKind, "expo_booth_kind"))
    price_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Occupancy: the one place that says who has this booth.
    occupant_partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("expo_partners.id"), index=True)
    occupied_until: Mapped[datetime | None]
    # The current claim's record; plain columns, not foreign keys, so the tables do not form a
    # cycle that SQLite's migrations cannot create.
    hold_id: Mapped[uuid.UUID | None]
    booking_id: Mapped[uuid.UUID | None]

    @property
    def size(self) -> str:
        """Depth by width, as trade shows say it: a 10x20 is 10 ft deep along a 20 ft aisle frontage."""
        return f"{self.depth_ft:g}x{self.width_ft:g}"


class FloorArea(Base):
    """A part of a hall nobody books: aisles, the stage, the food court, entrances."""

    __tablename__ = "expo_floor_areas"

    hall_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_halls.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AreaKind] = mapped_column(str_enum(AreaKind, "expo_area_kind"))
    label: Mapped[str] = mapped_column(String(100), default="")
    shape: Mapped[list[list[float]]] = mapped_column(JSON)


class BoothHold(Base):
    """A partner's claim on a booth for a few minutes while they check out."""

    __tablename__ = "expo_booth_holds"
    __table_args__ = (Index("ix_expo_booth_holds_partner_status", "partner_id", "status"),)

    conference_id: Mapped[ConferenceId]
    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_booths.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_partners.id", ondelete="CASCADE"))
    held_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime]
    status: Mapped[HoldStatus] = mapped_column(str_enum(HoldStatus, "expo_hold_status"), default=HoldStatus.HELD)
    ended_at: Mapped[datetime | None]


class BoothBooking(Base):
    """A partner's booking of a booth: what it cost, how it is paid, and whether it still stands."""

    __tablename__ = "expo_booth_bookings"

    conference_id: Mapped[ConferenceId]
    booth_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_booths.id", ondelete="RESTRICT"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_partners.id", ondelete="CASCADE"), index=True)
    hold_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("expo_booth_holds.id", ondelete="SET NULL"))
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, "expo_booking_status"))
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "expo_payment_method"))
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    paid_cents: Mapped[int] = mapped_column(default=0)
    refunded_cents: Mapped[int] = mapped_column(default=0)
    payment_id: Mapped[str] = mapped_column(String(100), default="")
    # A card checkout keeps the booth until then; NULL for invoiced, confirmed and assigned bookings.
    pay_by: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")

    booth: Mapped[Booth] = relationship(lazy="joined", innerjoin=True, foreign_keys=[booth_id])
    partner: Mapped[Partner] = relationship(lazy="joined", innerjoin=True)


class PurchaseStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"


class BadgePurchase(Base):
    """Exhibitor badges bought beyond what a booth includes; they count once paid."""

    __tablename__ = "expo_badge_purchases"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_booth_bookings.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int]
    unit_price_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PurchaseStatus] = mapped_column(str_enum(PurchaseStatus, "expo_purchase_status"))
    payment_id: Mapped[str] = mapped_column(String(100), default="")


class BoothStaffMember(Base):
    """A person a partner names to work its booth; registered as an exhibitor attendee with their own badge."""

    __tablename__ = "expo_booth_staff"
    __table_args__ = (UniqueConstraint("booking_id", "email"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_booth_bookings.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_partners.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320))
    title: Mapped[str] = mapped_column(String(200), default="")


class Lead(Base):
    """An attendee a partner's staff scanned at the booth; one per partner and attendee, updated by rescans."""

    __tablename__ = "expo_leads"
    __table_args__ = (
        UniqueConstraint("partner_id", "attendee_id"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
    )

    conference_id: Mapped[ConferenceId]
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expo_partners.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    scanned_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scanned_by: Mapped[str] = mapped_column(String(200))
    first_scanned_at: Mapped[datetime]
    scanned_at: Mapped[datetime]
    scans: Mapped[int] = mapped_column(default=1)
    notes: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None]
