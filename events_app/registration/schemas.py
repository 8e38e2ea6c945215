"""Request and response shapes of registration: types, promo codes, policies, orders and attendees.

No request carries a price: the server computes every amount from the types, the
attendees' cities and the promo code.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from events_app.registration.models import (
    AttendeeStatus,
    DiscountKind,
    OrderStatus,
    PaymentMethod,
    Rate,
    TypeKind,
    Visibility,
    WaitlistStatus,
)

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
Cents = Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$", max_length=3)]
Code = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{3,40}$", max_length=40)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Position = Annotated[int, msgspec.Meta(ge=0, le=1_000_000, description="Where it is listed, first 0.")]
Note = Annotated[str, msgspec.Meta(max_length=500)]


class TypeIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    kind: TypeKind
    member_price_cents: Cents
    non_member_price_cents: Cents
    description: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    visibility: Visibility | None = None  # comps default to code_only, others to public
    currency: Currency = "USD"
    early_member_price_cents: Cents | None = None
    early_non_member_price_cents: Cents | None = None
    early_bird_until: datetime | None = None
    onsite_member_price_cents: Cents | None = None
    onsite_non_member_price_cents: Cents | None = None
    onsite_from: datetime | None = None
    capacity: Count | None = None
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None
    valid_on: date | None = None
    position: Position = 0
    active: bool = True


class TypePatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent change; ``null`` clears an optional one. The kind and currency are fixed."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Annotated[str, msgspec.Meta(max_length=2000)] | msgspec.UnsetType = msgspec.UNSET
    visibility: Visibility | msgspec.UnsetType = msgspec.UNSET
    member_price_cents: Cents | msgspec.UnsetType = msgspec.UNSET
    non_member_price_cents: Cents | msgspec.UnsetType = msgspec.UNSET
    early_member_price_cents: Cents | msgspec.UnsetType | None = msgspec.UNSET
    early_non_member_price_cents: Cents | msgspec.UnsetType | None = msgspec.UNSET
    early_bird_until: datetime | msgspec.UnsetType | None = msgspec.UNSET
    onsite_member_price_cents: Cents | msgspec.UnsetType | None = msgspec.UNSET
    onsite_non_member_price_cents: Cents | msgspec.UnsetType | None = msgspec.UNSET
    onsite_from: datetime | msgspec.UnsetType | None = msgspec.UNSET
    capacity: Count | msgspec.UnsetType | None = msgspec.UNSET
    sale_starts_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    sale_ends_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    valid_on: date | msgspec.UnsetType | None = msgspec.UNSET
    position: Position | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class TypeOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    description: str
    kind: TypeKind
    visibility: Visibility
    currency: str
    member_price_cents: int
    non_member_price_cents: int
    early_member_price_cents: int | None
    early_non_member_price_cents: int | None
    early_bird_until: datetime | None
    onsite_member_price_cents: int | None
    onsite_non_member_price_cents: int | None
    onsite_from: datetime | None
    capacity: int | None
    sale_starts_at: datetime | None
    sale_ends_at: datetime | None
    valid_on: date | None
    position: int
    active: bool


class TypeCount(msgspec.Struct):
    """Live numbers of one type: seats taken now, split by why, and what is left."""

    registration_type_id: uuid.UUID
    name: str
    capacity: int | None
    confirmed: int
    held: int  # pending card orders with a live hold and invoiced orders
    offered: int  # live waitlist offers
    left: int | None
    waitlist: int


class PromoCodeIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    kind: DiscountKind
    value: Annotated[int, msgspec.Meta(ge=1, le=100_000_000)]
    description: Annotated[str, msgspec.Meta(max_length=400)] = ""
    registration_type_ids: list[uuid.UUID] = []
    max_uses: Count | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    active: bool = True


class PromoCodePatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    description: Annotated[str, msgspec.Meta(max_length=400)] | msgspec.UnsetType = msgspec.UNSET
    registration_type_ids: list[uuid.UUID] | msgspec.UnsetType = msgspec.UNSET
    max_uses: Count | msgspec.UnsetType | None = msgspec.UNSET
    valid_from: datetime | msgspec.UnsetType | None = msgspec.UNSET
    valid_until: datetime | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class PromoCodeOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    kind: DiscountKind
    value: int
    description: str
    registration_type_ids: list[uuid.UUID]
    max_uses: int | None
    uses: int
    valid_from: datetime | None
    valid_until: datetime | None
    active: bool


class PolicyIn(msgspec.Struct, forbid_unknown_fields=True):
    fee_kind: DiscountKind = DiscountKind.FIXED
    fee_value: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] = 0
    full_refund_until: datetime | None = None
    partial_refund_until: datetime | None = None
    substitution_until: datetime | None = None
    notes: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class PolicyOut(msgspec.Struct):
    fee_kind: DiscountKind
    fee_value: int
    full_refund_until: datetime | None
    partial_refund_until: datetime | None
    substitution_until: datetime | None
    notes: str


class AttendeeIn(msgspec.Struct, forbid_unknown_fields=True):
    registration_type_id: uuid.UUID
    first_name: ShortName
    last_name: ShortName
    email: Email
    badge_name: Annotated[str, msgspec.Meta(max_length=100)] = ""  # defaults to the first name
    title: Annotated[str, msgspec.Meta(max_length=200)] = ""
    organization: Annotated[str, msgspec.Meta(max_length=200)] = ""
    city_id: uuid.UUID | None = None
    city_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    consent_to_share_contact: bool = False
    dietary_needs: Note = ""
    accessibility_needs: Note = ""
    # For a guest pass: the position (0-based) in this order of the attendee they accompany.
    guest_of: Annotated[int, msgspec.Meta(ge=0, le=1000)] | None = None


class OrderIn(msgspec.Struct, forbid_unknown_fields=True):
    buyer_name: Name
    buyer_email: Email
    attendees: Annotated[list[AttendeeIn], msgspec.Meta(min_length=1, max_length=50)]
    buyer_organization: Annotated[str, msgspec.Meta(max_length=200)] = ""
    promo_code: Code | None = None
    payment_method: PaymentMethod = PaymentMethod.INVOICE  # "none" is chosen by the server when nothing is due
    po_number: Annotated[str, msgspec.Meta(max_length=100)] = ""
    waitlist_offer: str | None = None  # the token of a waitlist offer link
    # Any random string the client makes once per checkout: sending the order again returns the first one.
    submission_key: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{8,64}$", max_length=64)] | None = None


class QuoteLine(msgspec.Struct):
    position: int
    name: str
    registration_type_id: uuid.UUID
    registration_type: str
    rate: Rate
    rate_note: str
    city: str
    price_cents: int
    discount_cents: int
    amount_cents: int


class Quote(msgspec.Struct):
    """What an order would cost now: per attendee and in total, computed by the server."""

    currency: str
    lines: list[QuoteLine]
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    promo_code: str | None
    payment_needed: bool


class AttendeeOut(msgspec.Struct):
    id: uuid.UUID
    order_id: uuid.UUID
    registration_type_id: uuid.UUID
    type_name: str = msgspec.field(name="registration_type")  # read from ``Attendee.type_name``
    status: AttendeeStatus
    first_name: str
    last_name: str
    badge_name: str
    title: str
    organization: str
    email: str | None  # None: withheld from staff; organizers and the buyer see it
    city_id: uuid.UUID | None
    city_name: str
    rate: Rate
    rate_note: str
    price_cents: int
    discount_cents: int
    refunded_cents: int
    badge_version: int
    consent_to_share_contact: bool
    dietary_needs: str | None  # None: withheld from staff
    accessibility_needs: str | None  # None: withheld from staff
    primary_attendee_id: uuid.UUID | None
    replaces_attendee_id: uuid.UUID | None


class OrderOut(msgspec.Struct):
    id: uuid.UUID
    number: str
    conference_id: uuid.UUID
    status: OrderStatus
    payment_method: PaymentMethod
    buyer_name: str
    buyer_email: str | None  # None: withheld from staff
    buyer_organization: str
    currency: str
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    paid_cents: int
    refunded_cents: int
    po_number: str
    hold_expires_at: datetime | None
    paid_at: datetime | None
    attention_reason: str
    created_at: datetime
    attendees: list[AttendeeOut]
    manage_url: str | None = None  # only to the buyer who just placed it, and to organizers


class CancelIn(msgspec.Struct, forbid_unknown_fields=True):
    attendee_ids: list[uuid.UUID] = []  # empty: the whole order


class CancellationOut(msgspec.Struct):
    cancelled_attendee_ids: list[uuid.UUID]
    refund_cents: int
    fee_cents: int
    order: OrderOut


class SubstituteIn(msgspec.Struct, forbid_unknown_fields=True):
    first_name: ShortName
    last_name: ShortName
    email: Email
    badge_name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    title: Annotated[str, msgspec.Meta(max_length=200)] = ""
    consent_to_share_contact: bool = False
    dietary_needs: Note = ""
    accessibility_needs: Note = ""


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    amount_cents: Annotated[int, msgspec.Meta(ge=1, le=100_000_000)] | None = (
        None  # default: whatever is left to refund
    )
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    cancel_attendees: bool = False


class WaitlistIn(msgspec.Struct, forbid_unknown_fields=True):
    registration_type_id: uuid.UUID
    name: Name
    email: Email


class WaitlistOut(msgspec.Struct):
    id: uuid.UUID
    registration_type_id: uuid.UUID
    name: str
    email: str
    status: WaitlistStatus
    position: int | None
    offer_expires_at: datetime | None


class CardPaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    payment_method_id: Annotated[str, msgspec.Meta(pattern=r"^pm_[A-Za-z0-9_]+$", max_length=255)]


class CardPaymentOut(msgspec.Struct):
    """``processing`` (wait for the confirmation), ``requires_action`` (3-D Secure) or ``failed`` (``message``)."""

    status: str
    client_secret: str | None
    message: str
