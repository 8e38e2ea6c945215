"""Request and response shapes of badges, stations, scans, attendance and the dashboard."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from events_app.checkin.models import PrintStatus, ScanKind, ScanResult, StationKind

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Nonce = Annotated[str, msgspec.Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
TokenText = Annotated[str, msgspec.Meta(min_length=1, max_length=400)]


class PublicKeyOut(msgspec.Struct):
    """What a scanner needs to verify badges of one conference by itself."""

    conference_id: uuid.UUID
    key_id: str
    algorithm: str
    public_key: str  # base64url, raw 32 bytes
    token_prefix: str


class BadgeOut(msgspec.Struct):
    attendee_id: uuid.UUID
    badge_version: int
    token: str
    svg_url: str
    png_url: str


class StationIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    kind: StationKind
    room_id: uuid.UUID | None = None
    allow_unpaid: bool = False


class StationPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    room_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    allow_unpaid: bool | msgspec.UnsetType = msgspec.UNSET


class StationOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: StationKind
    room_id: uuid.UUID | None
    allow_unpaid: bool
    has_token: bool
    retired: bool


class StationTokenOut(msgspec.Struct):
    """A station's new device token: shown once, never stored in the clear."""

    station: StationOut
    token: str


class ScanIn(msgspec.Struct, forbid_unknown_fields=True):
    """One badge presented at a station: by its QR token, or by attendee id after a manual look-up."""

    kind: ScanKind
    nonce: Nonce
    token: TokenText | None = None
    attendee_id: uuid.UUID | None = None
    station_id: uuid.UUID | None = None  # implied by a station's own device token
    scanned_at: datetime | None = None  # when the device saw the badge; defaults to now
    offline: bool = False  # queued on the device while the network was down


class ScanBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    scans: Annotated[list[ScanIn], msgspec.Meta(min_length=1, max_length=500)]


class AttendeeCard(msgspec.Struct):
    """What the person at the door sees about who is in front of them."""

    id: uuid.UUID
    name: str
    badge_name: str
    title: str
    organization: str
    city: str
    registration_type: str
    order_id: uuid.UUID
    email: str | None = None  # only to a partner's booth, when the attendee agreed to share it


class FirstCheckin(msgspec.Struct):
    at: datetime
    station: str


class GroupMember(msgspec.Struct):
    id: uuid.UUID
    name: str
    checked_in: bool
    admissible: bool


class SessionRef(msgspec.Struct):
    id: uuid.UUID
    title: str


class ScanAnswer(msgspec.Struct):
    """The one answer to a scan; the same nonce always gets it again."""

    result: ScanResult
    admitted: bool
    message: str
    nonce: str
    station: str
    scanned_at: datetime
    attendee: AttendeeCard | None = None
    first: FirstCheckin | None = None
    session: SessionRef | None = None
    group: list[GroupMember] = []
    conflict: bool = False
    replayed: bool = False


class ScanBatchOut(msgspec.Struct):
    answers: list[ScanAnswer]
    conflicts: int


class ConflictOut(msgspec.Struct):
    """A badge admitted at two doors: where and when it came in first, then where it was let in again."""

    id: uuid.UUID  # the later admission's scan
    attendee_id: uuid.UUID
    name: str
    first_station: str
    first_at: datetime
    again_station: str
    again_at: datetime


class Conflicts(msgspec.Struct):
    """The oldest conflicts staff have not marked seen, and how many there are in all."""

    items: list[ConflictOut]
    total: int


class Heartbeat(msgspec.Struct):
    """The server answers, and its clock, which a scanner uses to correct its own scan times."""

    now: datetime


class ScanOut(msgspec.Struct):
    id: uuid.UUID
    station: str
    attendee_id: uuid.UUID | None
    kind: ScanKind
    result: ScanResult
    scanned_at: datetime
    offline: bool
    manual: bool
    conflict: bool
    message: str


class OfflineAttendee(msgspec.Struct, array_like=True):
    """Compact for the scanner's offline copy: one row an attendee, fields in this order.

    ``vouched``: unpaid, but the conference lets officials of an invoiced member city through every door.
    """

    id: str
    version: int
    status: str
    name: str
    badge_name: str
    paid: bool
    order_id: str
    registration_type: str
    city: str
    checked_in: bool
    vouched: bool


class OfflineBundle(msgspec.Struct):
    """Everything the scanner page needs to keep answering when the venue network drops."""

    conference_id: uuid.UUID
    slug: str
    key: PublicKeyOut
    station: StationOut
    attendees: list[OfflineAttendee]
    generated_at: datetime


class LookupHit(msgspec.Struct):
    id: uuid.UUID
    name: str
    email: str | None  # organizers only
    city: str
    registration_type: str
    status: str
    checked_in: bool


class ReprintIn(msgspec.Struct, forbid_unknown_fields=True):
    """A replacement badge at the desk; ``lost`` revokes the old code (its version is raised)."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    lost: bool = False


class Bucket(msgspec.Struct):
    starts_at: datetime
    arrivals: int


class Count(msgspec.Struct):
    label: str
    count: int


class RoomOccupancy(msgspec.Struct):
    room_id: uuid.UUID
    room: str
    session: str | None
    present: int


class DashboardOut(msgspec.Struct):
    registered: int
    checked_in: int
    arrivals: list[Bucket]
    by_registration_type: list[Count]
    by_door: list[Count]
    rooms: list[RoomOccupancy]
    conflicts: Conflicts
    generated_at: datetime


class CreditLine(msgspec.Struct):
    session_id: uuid.UUID
    session: str
    starts_at: datetime
    minutes_present: int
    minimum_minutes: int
    credit_hours: float
    earned: bool


class CreditReport(msgspec.Struct):
    attendee_id: uuid.UUID
    name: str
    lines: list[CreditLine]
    total_hours: float


class CreditRuleIn(msgspec.Struct, forbid_unknown_fields=True):
    """``null`` goes back to the default: three quarters of each run."""

    minimum_presence_minutes: Annotated[int, msgspec.Meta(ge=1, le=1440)] | None


class CreditRuleOut(msgspec.Struct):
    session_id: uuid.UUID
    minimum_presence_minutes: int | None


class BadgePrintIn(msgspec.Struct, forbid_unknown_fields=True):
    registration_type_id: uuid.UUID | None = None  # none: every active attendee


class BadgePrintOut(msgspec.Struct):
    """A badge print's progress; ``pdf_url`` once it is drawn."""

    id: uuid.UUID
    status: PrintStatus
    registration_type_id: uuid.UUID | None
    requested_by: str
    badges_total: int
    badges_drawn: int
    created_at: datetime
    finished_at: datetime | None
    error: str
    pdf_url: str | None
