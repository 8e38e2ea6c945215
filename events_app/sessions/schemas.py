"""Request and response shapes of the program, and the published schedule JSON (the exchange format).

The ``Schedule`` struct *is* the documented format ``events-app.schedule/1``: a release
stores exactly these bytes and ``GET /api/conferences/{slug}/schedule`` serves them.
Times are ISO 8601 with the conference's UTC offset (``2027-10-06T09:00:00-07:00``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

from events_app.conferences.models import GroupKind
from events_app.sessions.models import SessionStatus, SessionType, SpeakerRole

SCHEDULE_FORMAT = "events-app.schedule/1"

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=80)]
Code = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", min_length=1, max_length=40)]
Color = Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$", max_length=7)]
Position = Annotated[int, msgspec.Meta(ge=0, le=1_000_000, description="Where it is listed, first 0.")]
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
Url = Annotated[str, msgspec.Meta(pattern=r"^(https?://\S+)?$", max_length=500)]
Capacity = Annotated[int, msgspec.Meta(ge=1, le=100_000)]
# msgspec cannot bound a Decimal; the service checks 0-99 hours.
Credits = Decimal
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Description = Annotated[str, msgspec.Meta(max_length=20_000)]


# --- rooms, tracks, speakers ----------------------------------------------------------------------


class RoomFields(msgspec.Struct, forbid_unknown_fields=True):
    """What describes a room, in the API and in an import file alike."""

    name: Name
    capacity: Capacity | None = None
    floor: ShortText = ""
    accessible: bool = True
    off_site: bool = False
    opens_at: time | None = None
    closes_at: time | None = None


class RoomIn(RoomFields):
    position: Position = 0


class RoomPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    capacity: Capacity | msgspec.UnsetType | None = msgspec.UNSET
    floor: ShortText | msgspec.UnsetType = msgspec.UNSET
    accessible: bool | msgspec.UnsetType = msgspec.UNSET
    off_site: bool | msgspec.UnsetType = msgspec.UNSET
    opens_at: time | msgspec.UnsetType | None = msgspec.UNSET
    closes_at: time | msgspec.UnsetType | None = msgspec.UNSET
    position: Position | msgspec.UnsetType = msgspec.UNSET


class RoomOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    capacity: int | None
    floor: str
    accessible: bool
    off_site: bool
    opens_at: time | None
    closes_at: time | None
    position: int


class TrackIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    name: Name
    color: Color = "#4a5568"
    group_id: uuid.UUID | None = None


class TrackPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    color: Color | msgspec.UnsetType = msgspec.UNSET
    group_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET


class GroupRef(msgspec.Struct):
    id: uuid.UUID
    kind: GroupKind
    slug: str
    name: str


class TrackOut(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    color: str
    group: GroupRef | None


class Window(msgspec.Struct, forbid_unknown_fields=True):
    """A span of time; naive times are read in the conference's time zone."""

    starts_at: datetime
    ends_at: datetime


class SpeakerIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    title: ShortText = ""
    organization: ShortText = ""
    city_id: uuid.UUID | None = None
    bio: Description = ""
    photo_url: Url = ""
    email: Email | None = None
    availability: list[Window] = []


class SpeakerPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    title: ShortText | msgspec.UnsetType = msgspec.UNSET
    organization: ShortText | msgspec.UnsetType = msgspec.UNSET
    city_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    bio: Description | msgspec.UnsetType = msgspec.UNSET
    photo_url: Url | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType | None = msgspec.UNSET
    availability: list[Window] | msgspec.UnsetType = msgspec.UNSET


class SpeakerOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    title: str
    organization: str
    city_id: uuid.UUID | None
    bio: str
    photo_url: str
    email: str | None
    availability: list[Window]


# --- sessions and runs ----------------------------------------------------------------------------


class SpeakerLink(msgspec.Struct, forbid_unknown_fields=True):
    speaker_id: uuid.UUID
    role: SpeakerRole = SpeakerRole.PRESENTER


class RunIn(msgspec.Struct, forbid_unknown_fields=True):
    room_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime


class RunPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    room_id: uuid.UUID | msgspec.UnsetType = msgspec.UNSET
    starts_at: datetime | msgspec.UnsetType = msgspec.UNSET
    ends_at: datetime | msgspec.UnsetType = msgspec.UNSET


class SessionIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    type: SessionType
    description: Description = ""
    track_id: uuid.UUID | None = None
    seat_limit: Capacity | None = None
    credit_hours: Credits = Decimal(0)
    status: SessionStatus = SessionStatus.DRAFT
    tags: list[Tag] = []
    speakers: list[SpeakerLink] = []
    runs: list[RunIn] = []


class SessionPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent change; ``speakers`` replaces the whole list. Runs change through their own routes."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)] | msgspec.UnsetType = msgspec.UNSET
    type: SessionType | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    track_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    seat_limit: Capacity | msgspec.UnsetType | None = msgspec.UNSET
    credit_hours: Credits | msgspec.UnsetType = msgspec.UNSET
    status: SessionStatus | msgspec.UnsetType = msgspec.UNSET
    tags: list[Tag] | msgspec.UnsetType = msgspec.UNSET
    speakers: list[SpeakerLink] | msgspec.UnsetType = msgspec.UNSET


class RunOut(msgspec.Struct):
    id: uuid.UUID
    room_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    removed: bool


class SessionOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    title: str
    description: str
    type: SessionType
    track_id: uuid.UUID | None
    seat_limit: int | None
    credit_hours: Decimal
    status: SessionStatus
    tags: list[str]
    speakers: list[SpeakerLink]
    runs: list[RunOut]


# --- checks, releases -----------------------------------------------------------------------------


class ScheduleWarning(msgspec.Struct):
    """One scheduling problem; ``hard`` ones (a room or a speaker in two places at once) block a release."""

    code: str
    hard: bool
    message: str
    run_ids: list[uuid.UUID]
    session_codes: list[str]


class RunPlace(msgspec.Struct):
    starts_at: datetime
    ends_at: datetime
    room: str


ChangeKind = Literal["new", "moved", "re-roomed", "cancelled"]


class Change(msgspec.Struct):
    """What happened to one run between two releases: new, moved, re-roomed and/or cancelled."""

    run_id: uuid.UUID
    session_id: uuid.UUID
    code: str
    title: str
    kinds: list[ChangeKind]
    before: RunPlace | None
    after: RunPlace | None


class ReleaseIn(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class ReleaseOut(msgspec.Struct):
    number: int
    released_at: datetime
    released_by: str
    note: str
    changelog: list[Change]
    warnings: list[ScheduleWarning] = []


class PendingChanges(msgspec.Struct):
    """What a release made now would publish, against the current release."""

    based_on: int | None
    changelog: list[Change]
    warnings: list[ScheduleWarning]


# --- the published schedule (events-app.schedule/1) -----------------------------------------------


class ScheduleConference(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    timezone: str
    venue_name: str
    venue_address: str
    starts_on: date
    ends_on: date
    url: str


class ScheduleReleaseInfo(msgspec.Struct):
    number: int
    released_at: datetime


class ScheduleRoom(msgspec.Struct):
    id: uuid.UUID
    name: str
    floor: str
    capacity: int | None
    accessible: bool
    off_site: bool
    position: int


class ScheduleGroup(msgspec.Struct):
    kind: GroupKind
    slug: str
    name: str


class ScheduleTrack(msgspec.Struct):
    id: uuid.UUID
    slug: str
    name: str
    color: str
    group: ScheduleGroup | None


class ScheduleSpeaker(msgspec.Struct):
    id: uuid.UUID
    name: str
    title: str
    organization: str
    bio: str
    photo_url: str
    url: str


class ScheduleSessionSpeaker(msgspec.Struct):
    speaker_id: uuid.UUID
    role: SpeakerRole


class ScheduleRun(msgspec.Struct):
    """One run. ``sequence`` rises whenever its time or place changes (or it is cancelled);
    ``revised_at`` is the release that last changed anything about it."""

    id: uuid.UUID
    room_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: Literal["scheduled", "cancelled"]
    sequence: int
    revised_at: datetime


class ScheduleSession(msgspec.Struct):
    id: uuid.UUID
    code: str
    title: str
    description: str
    type: SessionType
    track_id: uuid.UUID | None
    status: Literal["confirmed", "cancelled"]
    seat_limit: int | None
    credit_hours: Decimal
    tags: list[str]
    url: str
    speakers: list[ScheduleSessionSpeaker]
    runs: list[ScheduleRun]


class Schedule(msgspec.Struct):
    format: str
    conference: ScheduleConference
    release: ScheduleReleaseInfo
    rooms: list[ScheduleRoom]
    tracks: list[ScheduleTrack]
    speakers: list[ScheduleSpeaker]
    sessions: list[ScheduleSession]


# --- bulk import ----------------------------------------------------------------------------------


class RoomRow(RoomFields):
    """A room is matched by name; its display position is left as it is."""


class SpeakerRow(msgspec.Struct, forbid_unknown_fields=True):
    """A speaker is matched by email when given, else by name."""

    name: Name
    title: ShortText = ""
    organization: ShortText = ""
    city: ShortText = ""
    bio: Description = ""
    photo_url: Url = ""
    email: Email | None = None


class SessionRow(msgspec.Struct, forbid_unknown_fields=True):
    """One run of a session; several rows with one ``code`` are the runs of one session.

    ``speakers`` names speakers (by email or name) separated by ``;``, each optionally
    followed by ``:role`` (``Jane Doe:moderator``).
    """

    code: Code
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    type: SessionType
    room: Name
    starts_at: datetime
    ends_at: datetime
    description: Description = ""
    track: Slug | None = None
    seat_limit: Capacity | None = None
    credit_hours: Credits = Decimal(0)
    status: SessionStatus = SessionStatus.CONFIRMED
    tags: str = ""
    speakers: str = ""


class ImportIn(msgspec.Struct, forbid_unknown_fields=True):
    rooms: list[dict[str, Any]] = []
    speakers: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []


class RowError(msgspec.Struct):
    section: str
    row: int
    message: str


class ImportResult(msgspec.Struct):
    rooms: int
    speakers: int
    sessions: int
    runs: int


# --- personal agendas -----------------------------------------------------------------------------


class AgendaItemIn(msgspec.Struct, forbid_unknown_fields=True):
    run_id: uuid.UUID


class AddOut(msgspec.Struct):
    """``added`` (no seat needed), ``confirmed`` (a seat is yours) or ``waiting`` (in line at ``position``)."""

    status: Literal["added", "confirmed", "waiting"]
    position: int | None = None


class AgendaEntryOut(msgspec.Struct):
    run_id: uuid.UUID
    session_id: uuid.UUID
    code: str
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str
    status: Literal["scheduled", "cancelled"]
    rsvp: str | None
    seats_left: int | None


class AgendaOut(msgspec.Struct):
    attendee: str
    entries: list[AgendaEntryOut]
    clashes: list[list[uuid.UUID]]
    waitlists: dict[str, int]
    offers: dict[str, datetime]
    feed_url: str


class AgendaLinkOut(msgspec.Struct):
    url: str


class RsvpOut(msgspec.Struct):
    attendee_id: uuid.UUID
    name: str
    email: str
    status: str
    queued_at: datetime
    offer_expires_at: datetime | None
    position: int | None


class RunRsvpsOut(msgspec.Struct):
    """Who holds a seat on a run, who was offered one and who waits, in line order."""

    run_id: uuid.UUID
    seat_limit: int | None
    seats_taken: int
    rsvps: list[RsvpOut]
