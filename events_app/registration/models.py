"""Registration types and their prices, promo codes, orders, attendees, waitlists and cancellation policies.

Seats are not counters: a seat is taken by an attendee who is confirmed, or who waits on
an order whose hold is live (a card order until ``Order.hold_expires_at``, an invoiced
order with no expiry), or by a live waitlist offer. Checkout locks the type's row and
counts, so an expired hold stops counting by time alone and two processes never oversell.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events_app.db import Base, ConferenceId, str_enum


class TypeKind(StrEnum):
    FULL = "full"
    ONE_DAY = "one_day"
    GUEST = "guest"
    SPEAKER_COMP = "speaker_comp"
    STAFF_COMP = "staff_comp"
    EXHIBITOR = "exhibitor"


# Comps are given, never bought: a code unlocks them. Exhibitor staff come from the expo.
COMP_KINDS = frozenset({TypeKind.SPEAKER_COMP, TypeKind.STAFF_COMP})


class Visibility(StrEnum):
    PUBLIC = "public"
    CODE_ONLY = "code_only"


class OrderStatus(StrEnum):
    PENDING = "pending"  # a card order waiting for its payment; seats held until hold_expires_at
    INVOICED = "invoiced"  # "invoice me": seats held with no expiry until paid or cancelled
    PAID = "paid"  # paid in full (or nothing to pay): attendees confirmed
    NEEDS_ATTENTION = "needs_attention"  # paid after the hold expired and the seats were gone
    EXPIRED = "expired"  # the hold ran out with no payment (set by the sweep; time alone already frees seats)
    CANCELLED = "cancelled"  # every attendee cancelled


class PaymentMethod(StrEnum):
    CARD = "card"
    INVOICE = "invoice"
    NONE = "none"  # nothing to pay: a 100% code, a comp, exhibitor staff


class OrderSource(StrEnum):
    ONLINE = "online"
    ORGANIZER = "organizer"
    EXPO = "expo"


class AttendeeStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    SUBSTITUTED = "substituted"


# Still registered: waiting for their payment, or confirmed.
LIVE_ATTENDEE = (AttendeeStatus.PENDING, AttendeeStatus.CONFIRMED)


class Rate(StrEnum):
    MEMBER = "member"
    NON_MEMBER = "non_member"


class DiscountKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # a seat is kept for them until offer_expires_at
    CLAIMED = "claimed"
    LAPSED = "lapsed"  # the offer ran out; the seat went to the next person
    WITHDRAWN = "withdrawn"


class RegistrationType(Base):
    """Something a person can be registered as, with its prices, window and optional capacity."""

    __tablename__ = "registration_types"
    __table_args__ = (
        UniqueConstraint("conference_id", "name"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("member_price_cents >= 0 AND non_member_price_cents >= 0", name="prices_not_negative"),
        CheckConstraint("kind <> 'one_day' OR valid_on IS NOT NULL", name="one_day_has_a_day"),
    )

    conference_id: Mapped[ConferenceId]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    kind: Mapped[TypeKind] = mapped_column(str_enum(TypeKind, "registration_type_kind"))
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, "registration_type_visibility"), default=Visibility.PUBLIC
    )
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    member_price_cents: Mapped[int]
    non_member_price_cents: Mapped[int]
    early_member_price_cents: Mapped[int | None]
    early_non_member_price_cents: Mapped[int | None]
    early_bird_until: Mapped[datetime | None]
    onsite_member_price_cents: Mapped[int | None]
    onsite_non_member_price_cents: Mapped[int | None]
    onsite_from: Mapped[datetime | None]
    capacity: Mapped[int | None]
    sale_starts_at: Mapped[datetime | None]
    sale_ends_at: Mapped[datetime | None]
    valid_on: Mapped[date | None]  # the day a one-day pass is good for
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped by every checkout of this type: the portable row lock that serialises capacity checks.
    lock_counter: Mapped[int] = mapped_column(default=0)


promo_code_types = Table(
    "promo_code_types",
    Base.metadata,
    Column("promo_code_id", ForeignKey("promo_codes.id", ondelete="CASCADE"), primary_key=True),
    Column("registration_type_id", ForeignKey("registration_types.id", ondelete="CASCADE"), primary_key=True),
)


class PromoCode(Base):
    """A discount (percent or fixed per attendee) limited to some types, uses and a window."""

    __tablename__ = "promo_codes"
    __table_args__ = (
        UniqueConstraint("conference_id", "code"),
        CheckConstraint(
            "(kind = 'percent' AND value BETWEEN 1 AND 100) OR (kind = 'fixed' AND value > 0)", name="value_in_range"
        ),
        CheckConstraint("max_uses IS NULL OR max_uses >= 0", name="max_uses_not_negative"),
    )

    conference_id: Mapped[ConferenceId]
    code: Mapped[str] = mapped_column(String(40))  # stored upper-case; people type it any way
    description: Mapped[str] = mapped_column(String(400), default="")
    kind: Mapped[DiscountKind] = mapped_column(str_enum(DiscountKind, "discount_kind"))
    value: Mapped[int]  # percent (1-100) or cents
    max_uses: Mapped[int | None]  # one use is one attendee discounted
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    lock_counter: Mapped[int] = mapped_column(default=0)

    # Empty means every type the code may apply to (public ones); code-only types must be listed.
    types: Mapped[list[RegistrationType]] = relationship(secondary=promo_code_types, lazy="selectin")


class Order(Base):
    """One buyer's purchase of one or more registrations; the server computes every amount."""

    __tablename__ = "registration_orders"
    __table_args__ = (
        CheckConstraint("total_cents >= 0 AND subtotal_cents >= 0 AND discount_cents >= 0", name="amounts"),
        UniqueConstraint("conference_id", "submission_key"),
        Index("ix_registration_orders_conference_id_status", "conference_id", "status"),
    )

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20), unique=True)  # what people quote on the phone
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_email: Mapped[str] = mapped_column(String(320), index=True)
    buyer_organization: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "registration_order_status"))
    source: Mapped[OrderSource] = mapped_column(str_enum(OrderSource, "registration_order_source"))
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "registration_payment_method"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    subtotal_cents: Mapped[int] = mapped_column(default=0)
    discount_cents: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int] = mapped_column(default=0)
    paid_cents: Mapped[int] = mapped_column(default=0)
    refunded_cents: Mapped[int] = mapped_column(default=0)
    promo_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("promo_codes.id", ondelete="SET NULL"))
    po_number: Mapped[str] = mapped_column(String(100), default="")
    hold_expires_at: Mapped[datetime | None]  # live card hold; None with status invoiced means no expiry
    paid_at: Mapped[datetime | None]
    attention_reason: Mapped[str] = mapped_column(String(500), default="")
    # Part of the signed manage link: raising it makes every earlier link stop working.
    manage_version: Mapped[int] = mapped_column(default=1)
    # The client's key for one checkout: the same form sent twice (a double click) makes one order.
    submission_key: Mapped[str | None] = mapped_column(String(64))

    attendees: Mapped[list[Attendee]] = relationship(
        lazy="selectin", order_by="Attendee.position", back_populates="order"
    )


class Attendee(Base):
    """A person registered for a conference: their badge, their city and what they need."""

    __tablename__ = "attendees"
    __table_args__ = (
        Index("ix_attendees_registration_type_id_status", "registration_type_id", "status"),
        Index("ix_attendees_conference_id_email", "conference_id", "email"),
        CheckConstraint("price_cents >= 0 AND discount_cents >= 0 AND discount_cents <= price_cents", name="price"),
    )

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"))
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registration_orders.id", ondelete="CASCADE"), index=True)
    registration_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registration_types.id"))
    position: Mapped[int] = mapped_column(default=0)  # order within its order, as the buyer listed them
    status: Mapped[AttendeeStatus] = mapped_column(str_enum(AttendeeStatus, "attendee_status"))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    badge_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200), default="")
    organization: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320))
    city_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member_cities.id", ondelete="SET NULL"), index=True)
    city_name: Mapped[str] = mapped_column(String(200), default="")  # as typed, for non-member cities
    rate: Mapped[Rate] = mapped_column(str_enum(Rate, "attendee_rate"))
    rate_note: Mapped[str] = mapped_column(String(300), default="")  # why a member rate was not given
    price_cents: Mapped[int] = mapped_column(default=0)
    discount_cents: Mapped[int] = mapped_column(default=0)
    refunded_cents: Mapped[int] = mapped_column(default=0)
    promo_code_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("promo_codes.id", ondelete="SET NULL"), index=True
    )
    primary_attendee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("attendees.id", ondelete="SET NULL"))
    replaces_attendee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("attendees.id", ondelete="SET NULL"))
    # Check-in signs badges with it; cancel, refund, substitution and a lost badge raise it.
    badge_version: Mapped[int] = mapped_column(default=1)
    consent_to_share_contact: Mapped[bool] = mapped_column(default=False)
    dietary_needs: Mapped[str] = mapped_column(String(500), default="")
    accessibility_needs: Mapped[str] = mapped_column(String(500), default="")
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="attendees", lazy="raise")
    registration_type: Mapped[RegistrationType] = relationship(lazy="joined", innerjoin=True)

    @property
    def amount_cents(self) -> int:
        return self.price_cents - self.discount_cents

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def type_name(self) -> str:
        return self.registration_type.name


class WaitlistEntry(Base):
    """A person waiting for a sold-out type; offered a seat by mail in turn, for a limited time."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        Index("ix_waitlist_entries_registration_type_id_status", "registration_type_id", "status"),
        # One live place in line per person and type.
        Index(
            "uq_waitlist_entries_live_email",
            "registration_type_id",
            "email",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'offered')"),
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
    )

    conference_id: Mapped[ConferenceId]
    registration_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registration_types.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    status: Mapped[WaitlistStatus] = mapped_column(
        str_enum(WaitlistStatus, "waitlist_status"), default=WaitlistStatus.WAITING
    )
    offered_at: Mapped[datetime | None]
    offer_expires_at: Mapped[datetime | None]
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("registration_orders.id", ondelete="SET NULL"))


class CancellationPolicy(Base):
    """Per conference: full refund until one date, a fee until another, nothing after; substitution deadline."""

    __tablename__ = "cancellation_policies"
    __table_args__ = (
        CheckConstraint(
            "(fee_kind = 'percent' AND fee_value BETWEEN 0 AND 100) OR (fee_kind = 'fixed' AND fee_value >= 0)",
            name="fee_in_range",
        ),
    )

    conference_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), unique=True)
    full_refund_until: Mapped[datetime | None]
    partial_refund_until: Mapped[datetime | None]
    fee_kind: Mapped[DiscountKind] = mapped_column(str_enum(DiscountKind, "cancellation_fee_kind"))
    fee_value: Mapped[int] = mapped_column(default=0)  # percent kept, or cents kept per attendee
    substitution_until: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(String(2000), default="")


class OrderNote(Base):
    """What staff wrote down about an order (a phone call, a promise): kept, never edited."""

    __tablename__ = "registration_order_notes"

    conference_id: Mapped[ConferenceId]
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registration_orders.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(320))
    text: Mapped[str] = mapped_column(String(4000))
