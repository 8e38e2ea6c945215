"""Request and response shapes of the expo: partners, points, windows, the floor plan, holds and bookings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from events_app.expo.models import AreaKind, BookingStatus, BoothKind, HoldStatus, PaymentMethod, PointsReason

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=80)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
# Tiers, categories, windows and halls have short names: their columns hold 100 characters.
ShortName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Code = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$", max_length=20)]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$", max_length=3)]
Cents = Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
Feet = Annotated[float, msgspec.Meta(ge=0, le=10_000)]
Positive = Annotated[float, msgspec.Meta(gt=0, le=10_000)]
Coordinate = Annotated[list[Feet], msgspec.Meta(min_length=2, max_length=2)]
PolygonIn = Annotated[list[Coordinate], msgspec.Meta(min_length=3, max_length=64)]
# x, y, width, depth
RectIn = Annotated[list[Feet], msgspec.Meta(min_length=4, max_length=4)]
Feature = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=40)]

FLOOR_PLAN_FORMAT: Literal["events-app/floor-plan"] = "events-app/floor-plan"
FLOOR_PLAN_VERSION = 1


class TierIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    name: ShortName
    rank: Annotated[int, msgspec.Meta(ge=1, le=100)]
    points: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 0


class TierOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    rank: int
    points: int


class CategoryIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    name: ShortName
    exclusive: bool = False


class CategoryOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    exclusive: bool


class PartnerIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    tier_id: uuid.UUID
    slug: Slug | None = None
    website: Annotated[str, msgspec.Meta(max_length=300)] = ""
    billing_email: Annotated[str, msgspec.Meta(max_length=320)] = ""
    years_exhibited: Annotated[int, msgspec.Meta(ge=0, le=200)] = 0
    category_ids: list[uuid.UUID] = msgspec.field(default_factory=list)


class PartnerPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    tier_id: uuid.UUID | msgspec.UnsetType = msgspec.UNSET
    website: Annotated[str, msgspec.Meta(max_length=300)] | msgspec.UnsetType = msgspec.UNSET
    billing_email: Annotated[str, msgspec.Meta(max_length=320)] | msgspec.UnsetType = msgspec.UNSET
    years_exhibited: Annotated[int, msgspec.Meta(ge=0, le=200)] | msgspec.UnsetType = msgspec.UNSET
    category_ids: list[uuid.UUID] | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class PartnerOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    tier: TierOut
    categories: list[CategoryOut]
    website: str
    billing_email: str
    years_exhibited: int
    active: bool
    points: int


class ContactIn(msgspec.Struct, forbid_unknown_fields=True):
    user_id: uuid.UUID


class ContactOut(msgspec.Struct):
    user_id: uuid.UUID
    partner_id: uuid.UUID
    email: str
    name: str


class PointsEntryIn(msgspec.Struct, forbid_unknown_fields=True):
    points: Annotated[int, msgspec.Meta(ge=-100_000, le=100_000)]
    reason: PointsReason
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class PointsEntryOut(msgspec.Struct):
    id: uuid.UUID
    created_at: datetime
    points: int
    reason: PointsReason
    note: str


class PointsLedgerOut(msgspec.Struct):
    partner_id: uuid.UUID
    balance: int
    entries: list[PointsEntryOut]


class RefundBand(msgspec.Struct, forbid_unknown_fields=True):
    """Cancelling before ``cancel_before`` refunds ``refund_percent`` of what was paid."""

    cancel_before: datetime
    refund_percent: Annotated[int, msgspec.Meta(ge=0, le=100)]


class ExpoSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    hold_minutes: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] = 30
    max_live_holds: Annotated[int, msgspec.Meta(ge=1, le=50)] = 2
    card_payment_minutes: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] = 15
    competitor_distance_ft: Feet = 20.0
    currency: Currency = "USD"
    extra_staff_price_cents: Cents = 15000
    refund_bands: list[RefundBand] = msgspec.field(default_factory=list)


class ExpoSettingsOut(msgspec.Struct):
    hold_minutes: int
    max_live_holds: int
    card_payment_minutes: int
    competitor_distance_ft: float
    currency: str
    extra_staff_price_cents: int
    refund_bands: list[RefundBand]


class WindowIn(msgspec.Struct, forbid_unknown_fields=True):
    name: ShortName
    opens_at: datetime
    tier_id: uuid.UUID | None = None
    min_points: Annotated[int, msgspec.Meta(ge=0, le=100_000)] | None = None


class WindowOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    opens_at: datetime
    tier_id: uuid.UUID | None
    min_points: int | None


class BookingAccessOut(msgspec.Struct):
    """When the calling partner may book at this conference, and by which window."""

    partner_id: uuid.UUID
    points: int
    opens_at: datetime | None
    window: str | None
    open_now: bool


# The versioned floor-plan document (import and export).


class BoothDoc(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A booth: ``rect`` ([x, y, width, depth]) or ``polygon``; ``id`` keeps a booth's identity on re-import."""

    code: Code
    kind: BoothKind
    price_cents: Cents
    rect: RectIn | None = None
    polygon: PolygonIn | None = None
    id: uuid.UUID | None = None
    currency: Currency | None = None
    features: Annotated[list[Feature], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)


class AreaDoc(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    kind: AreaKind
    label: Annotated[str, msgspec.Meta(max_length=100)] = ""
    rect: RectIn | None = None
    polygon: PolygonIn | None = None


class HallDoc(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    name: ShortName
    width_ft: Positive
    depth_ft: Positive
    booths: Annotated[list[BoothDoc], msgspec.Meta(max_length=5000)] = msgspec.field(default_factory=list)
    areas: Annotated[list[AreaDoc], msgspec.Meta(max_length=1000)] = msgspec.field(default_factory=list)


class FloorPlanDoc(msgspec.Struct, forbid_unknown_fields=True):
    format: Literal["events-app/floor-plan"]
    version: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    halls: Annotated[list[HallDoc], msgspec.Meta(max_length=20)]
    unit: Literal["ft"] = "ft"


class FloorPlanImportOut(msgspec.Struct):
    halls: int
    booths_added: int
    booths_updated: int
    booths_removed: int
    areas: int


# Booths, holds and bookings.

BoothStatus = Literal["available", "held", "booked", "mine-held", "mine-booked"]


class BoothOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    hall: str
    size: str
    width_ft: float
    depth_ft: float
    area_sqft: float
    kind: BoothKind
    price_cents: int
    currency: str
    features: list[str]
    status: BoothStatus
    exhibitor: str | None
    held_until: datetime | None


class HoldIn(msgspec.Struct, forbid_unknown_fields=True):
    """Name the booth by ``booth_id`` or by its ``booth_code``."""

    booth_id: uuid.UUID | None = None
    booth_code: Code | None = None


class HoldOut(msgspec.Struct):
    id: uuid.UUID
    booth_id: uuid.UUID
    booth_code: str
    partner_id: uuid.UUID
    status: HoldStatus
    live: bool
    expires_at: datetime
    seconds_left: int
    price_cents: int
    currency: str


class CheckoutIn(msgspec.Struct, forbid_unknown_fields=True):
    """``payment_method_id`` is the card Stripe.js made in the browser (``pm_...``); card checkouts need it."""

    method: Literal["card", "invoice"]
    payment_method_id: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    po_number: Annotated[str, msgspec.Meta(max_length=100)] = ""


class BookingOut(msgspec.Struct):
    id: uuid.UUID
    booth_id: uuid.UUID
    booth_code: str
    booth_size: str
    partner_id: uuid.UUID
    partner_name: str
    status: BookingStatus
    method: PaymentMethod
    price_cents: int
    currency: str
    paid_cents: int
    refunded_cents: int
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    pay_by: datetime | None
    badge_allowance: int
    payment_id: str
    payment_client_secret: str | None = None


class CheckoutOut(msgspec.Struct):
    """``payment_status``: invoiced; processing (the webhook will confirm it); requires_action (finish 3-D
    Secure in Stripe.js with ``client_secret``); failed (``message`` says why; ``hold`` is yours again)."""

    booking: BookingOut
    payment_status: Literal["invoiced", "processing", "requires_action", "failed"]
    message: str
    client_secret: str | None
    hold: HoldOut | None


class AssignIn(msgspec.Struct, forbid_unknown_fields=True):
    """``price_cents`` records what was agreed (default: the booth's price; 0 for a sponsor's comp)."""

    partner_id: uuid.UUID
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    price_cents: Cents | None = None


class MoveIn(msgspec.Struct, forbid_unknown_fields=True):
    booth_id: uuid.UUID
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ReleaseIn(msgspec.Struct, forbid_unknown_fields=True):
    """``refund_percent`` overrides the date bands when a booking is cancelled by staff."""

    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    refund_percent: Annotated[int, msgspec.Meta(ge=0, le=100)] | None = None


class CancellationQuoteOut(msgspec.Struct):
    booking_id: uuid.UUID
    paid_cents: int
    refund_percent: int
    refund_cents: int
    currency: str


# Booth staff, extra badges and leads.

PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class StaffIn(msgspec.Struct, forbid_unknown_fields=True):
    first_name: PersonName
    last_name: PersonName
    email: Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
    title: Annotated[str, msgspec.Meta(max_length=200)] = ""


class StaffOut(msgspec.Struct):
    id: uuid.UUID
    attendee_id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    title: str


class StaffListOut(msgspec.Struct):
    """``included`` badges come with the booth (two per 100 sq ft); ``bought`` are paid extras."""

    booking_id: uuid.UUID
    included: int
    bought: int
    named: int
    left: int
    staff: list[StaffOut]


class BadgesIn(msgspec.Struct, forbid_unknown_fields=True):
    quantity: Annotated[int, msgspec.Meta(ge=1, le=50)]
    method: Literal["card", "invoice"]
    payment_method_id: Annotated[str, msgspec.Meta(max_length=255)] | None = None


class BadgeOrderOut(msgspec.Struct):
    id: uuid.UUID
    booking_id: uuid.UUID
    quantity: int
    unit_price_cents: int
    currency: str
    status: str
    payment_status: Literal["invoiced", "processing", "requires_action", "failed"]
    message: str
    client_secret: str | None


class ScanIn(msgspec.Struct, forbid_unknown_fields=True):
    """``badge`` is the text of the attendee's QR code (``EV1-...``); ``scanned_at`` for scans queued offline."""

    badge: Annotated[str, msgspec.Meta(min_length=1, max_length=400)]
    notes: Annotated[str, msgspec.Meta(max_length=4000)] | None = None
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)] | None = None
    scanned_at: datetime | None = None


class LeadPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent change; ``"rating": null`` clears the rating."""

    notes: Annotated[str, msgspec.Meta(max_length=4000)] | msgspec.UnsetType = msgspec.UNSET
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)] | msgspec.UnsetType | None = msgspec.UNSET


class LeadOut(msgspec.Struct):
    """Contact details (``email``) only when the attendee agreed at registration to share them."""

    id: uuid.UUID
    attendee_id: uuid.UUID
    name: str
    title: str
    organization: str
    city: str
    email: str | None
    contact_shared: bool
    first_scanned_at: datetime
    scanned_at: datetime
    scanned_by: str
    scans: int
    notes: str
    rating: int | None
