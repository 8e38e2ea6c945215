"""iCalendar feeds of the released program: the conference, a track, a speaker, a room, an agenda.

Calendar apps poll feeds for months and are strict about a few things, so each event's
UID is the run's immutable id at the service's domain; DTSTAMP and LAST-MODIFIED are the
release that last changed the run (never the time of the request); SEQUENCE is the run's
sequence; a run that was cancelled or removed stays as STATUS:CANCELLED. Times carry the
conference's TZID with a VTIMEZONE covering only the days in the feed. A feed is built
once per version of its source (release, agenda revision) and kept in the database, so
every app process answers polls from the same bytes, with an ETag that only changes with
them; a process keeps the bytes it serves (and their gzip) by that ETag.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from gzip import compress as gzip_compress
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from anyio import to_thread
from icalendar.parser import Contentline
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.db import upsert_statement
from events_app.sessions.agenda_links import open_agenda, read_agenda_link
from events_app.sessions.errors import FeedNotFound, ProgramNotPublished, RoomNotFound, SpeakerNotFound, TrackNotFound
from events_app.sessions.models import Agenda, AgendaItem, FeedCache
from events_app.sessions.releases import latest_release_number, published_schedule, require_published_schedule
from events_app.sessions.schemas import Schedule, ScheduleRun, ScheduleSession
from events_app.sessions.urls import absolute
from events_app.settings import Settings

# How often we ask calendar apps to poll; Google ignores it and comes every 8-24 hours anyway.
REFRESH_INTERVAL = timedelta(hours=1)
PRODID = "-//events-app//program feeds//EN"
# RFC 5545 3.1: a line holds at most 75 octets; icalendar folds after 74 characters.
FOLD_AT = 74
ROLE_WORDS = {"keynote": "keynote", "moderator": "moderator", "panelist": "panelist", "presenter": ""}
# What a process may spend on feeds' bytes it keeps (about fifty program feeds of 150 KiB, or 300 gzipped).
KEPT_BYTES = 8 * 1024 * 1024


class KeptBodies:
    """Feeds' bytes this process served lately, by ETag, least recently used out past a byte budget.

    An ETag is a digest of the bytes, so a kept body is never stale and needs no invalidation.
    """

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._size = 0
        self._bodies: OrderedDict[str, bytes] = OrderedDict()

    def get(self, etag: str) -> bytes | None:
        body = self._bodies.get(etag)
        if body is not None:
            self._bodies.move_to_end(etag)
        return body

    def keep(self, etag: str, body: bytes) -> None:
        if etag in self._bodies or len(body) > self._budget:
            return
        self._bodies[etag] = body
        self._size += len(body)
        while self._size > self._budget:
            _etag, dropped = self._bodies.popitem(last=False)
            self._size -= len(dropped)


_kept = KeptBodies(KEPT_BYTES)


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed's validators, and its bytes when they were just built (else ``load_body`` finds them)."""

    conference_id: uuid.UUID
    key: str
    etag: str
    last_modified: datetime
    body: bytes | None = None

    def etag_for(self, *, gzip: bool) -> str:
        """The ETag of the feed as sent: its gzip encoding is another representation (RFC 9110 8.8.3)."""
        return f'{self.etag[:-1]}-gzip"' if gzip else self.etag

    async def load_body(self, db: AsyncSession, *, gzip: bool = False) -> bytes:
        """The feed's bytes, read once per process while they are served often; a 304 never needs them."""
        if gzip:
            etag = self.etag_for(gzip=True)
            packed = _kept.get(etag)
            if packed is None:
                plain = await self.load_body(db)
                # mtime 0: the same bytes in every process, as a strong ETag promises.
                packed = await to_thread.run_sync(lambda: gzip_compress(plain, mtime=0))
                _kept.keep(etag, packed)
            return packed
        body = self.body if self.body is not None else _kept.get(self.etag)
        if body is None:
            # By ETag too: another process may have stored a newer version since our validators were read.
            body = await db.scalar(
                select(FeedCache.body).where(
                    FeedCache.conference_id == self.conference_id,
                    FeedCache.key == self.key,
                    FeedCache.etag == self.etag,
                )
            )
            if body is None:
                raise FeedNotFound("This feed is being rebuilt; please try again.")
        _kept.keep(self.etag, body)
        return body

    def kept_body(self, *, gzip: bool) -> bytes | None:
        """The bytes as sent, if this process has them at hand; None where ``load_body`` would read or pack them."""
        if gzip:
            return _kept.get(self.etag_for(gzip=True))
        return self.body if self.body is not None else _kept.get(self.etag)

    @property
    def last_modified_header(self) -> str:
        return format_datetime(self.last_modified.astimezone(UTC), usegmt=True)

    def is_fresh_for(self, *, gzip: bool, if_none_match: str | None, if_modified_since: str | None) -> bool:
        """Whether a client holding these validators already has this feed in the encoding it would be sent
        (RFC 9110 13.1.1-13.1.3)."""
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or self.etag_for(gzip=gzip) in tags
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                return False
            return self.last_modified.replace(microsecond=0) <= since
        return False


def service_domain(settings: Settings) -> str:
    """The domain in every UID: the host the service is reached at, stable for the life of the feeds."""
    return urlsplit(settings.base_url).hostname or "localhost"


def run_uid(run_id: object, settings: Settings) -> str:
    return f"{run_id}@{service_domain(settings)}"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    session: ScheduleSession
    run: ScheduleRun
    # An agenda shows a session the attendee took off it as cancelled, with a raised sequence.
    withdrawn_at: datetime | None = None


def conference_entries(schedule: Schedule, keep: Callable[[ScheduleSession, ScheduleRun], bool]) -> list[FeedEntry]:
    return [FeedEntry(s, r) for s in schedule.sessions for r in s.runs if keep(s, r)]


def build_calendar(
    schedule: Schedule,
    entries: Iterable[FeedEntry],
    *,
    name: str,
    settings: Settings,
    modified_floor: datetime | None = None,
) -> tuple[bytes, datetime]:
    """The feed's bytes and its last modification; the same inputs always give the same bytes.

    The lines are written directly, byte for byte as icalendar's object model would write them
    (tests/sessions/test_feed_bytes.py holds both to that): building some 180 events through it took
    about 80 ms of CPU, nearly all of it in creating, checking and serializing its objects.
    Hundreds of events still take a few milliseconds: callers run it in a worker thread.
    """
    conference = schedule.conference
    rooms = {r.id: r for r in schedule.rooms}
    tracks = {t.id: t for t in schedule.tracks}
    speakers = {s.id: s for s in schedule.speakers}
    zone = conference.timezone
    # The JSON keeps only a UTC offset; calendars need the zone's name (and its rules) as TZID.
    tz = ZoneInfo(zone)
    local = _LocalTimes.of(tz)
    entries = sorted(entries, key=lambda e: (e.run.starts_at, e.session.code, str(e.run.id)))
    modified = max(
        [e.withdrawn_at or e.run.revised_at for e in entries] + ([modified_floor] if modified_floor else []),
        default=schedule.release.released_at,
    ).astimezone(UTC)
    about = f"{conference.name}, {conference.venue_name}"
    # RFC 7986 allows a calendar-level UID, but vdirsyncer then files every event under that one
    # UID and khal shows a single event of the whole feed: there is none. RFC 7986 3.7 requires
    # REFRESH-INTERVAL's VALUE parameter. NAME and the X-WR- properties go unescaped, as icalendar
    # writes them (its type for them is UNKNOWN).
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_text(PRODID)}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"DESCRIPTION:{_text(about)}",
        f"X-WR-CALDESC:{_verbatim(about)}",
        f"NAME:{_verbatim(name)}",
        f"X-WR-CALNAME:{_verbatim(name)}",
        f"LAST-MODIFIED:{_utc(modified)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{_REFRESH}",
        f"URL:{absolute(settings, conference.url)}",
        f"X-PUBLISHED-TTL:{_REFRESH}",
        f"X-WR-TIMEZONE:{_verbatim(zone)}",
    ]

    lines: list[str] = []
    first, last = conference.starts_on, conference.ends_on
    for entry in entries:
        session, run = entry.session, entry.run
        room = rooms.get(run.room_id)
        cancelled = run.status == "cancelled" or entry.withdrawn_at is not None
        revised = _utc((entry.withdrawn_at or run.revised_at).astimezone(UTC))
        people = []
        for link in session.speakers:
            if (speaker := speakers.get(link.speaker_id)) is None:
                continue
            role = ROLE_WORDS.get(link.role.value, "")
            affiliation = ", ".join(p for p in (speaker.title, speaker.organization) if p)
            people.append(
                f"{speaker.name}" + (f", {affiliation}" if affiliation else "") + (f" ({role})" if role else "")
            )
        description = "\n".join(
            part
            for part in (
                ("Speakers: " + "; ".join(people)) if people else "",
                session.description,
                f"Details: {absolute(settings, session.url)}",
            )
            if part
        )
        track = tracks.get(session.track_id) if session.track_id else None
        categories = [c for c in (session.type.label, track.name if track else "") if c]
        starts, ends = run.starts_at.astimezone(tz), run.ends_at.astimezone(tz)
        lines += (
            "BEGIN:VEVENT",
            f"SUMMARY:{_text(session.title)}",
            f"DTSTART{local.form(starts)}",
            f"DTEND{local.form(ends)}",
            f"DTSTAMP:{revised}",
            f"UID:{_text(run_uid(run.id, settings))}",
            f"SEQUENCE:{run.sequence + (1 if entry.withdrawn_at is not None else 0)}",
            f"CATEGORIES:{','.join(_text(c) for c in categories)}",
            f"DESCRIPTION:{_text(description)}",
            f"LAST-MODIFIED:{revised}",
            f"LOCATION:{_text(f'{room.name}, {conference.venue_name}' if room else conference.venue_name)}",
            f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
            f"URL:{absolute(settings, session.url)}",
            "END:VEVENT",
        )
        first = min(first, starts.date())
        last = max(last, ends.date())

    # The VTIMEZONE covers only the feed's days; times in UTC need none, but an empty agenda is still a
    # calendar with one component, as RFC 5545 asks.
    tzid = local.tzid if entries else zone
    timezone = _vtimezone(tzid, first - timedelta(days=1), last + timedelta(days=1)) if tzid else b""
    body = b"".join(
        (*(_folded(line) for line in head), timezone, *(_folded(line) for line in lines), b"END:VCALENDAR\r\n")
    )
    return body, modified


_REFRESH = icalendar.vDuration(REFRESH_INTERVAL).to_ical().decode()  # type: ignore[no-untyped-call]


def _text(value: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping, as icalendar does it (which also reads a written-out ``\\N`` as a newline)."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _verbatim(value: str) -> str:
    # icalendar refuses a line break in an unescaped value; a conference's name may hold one.
    return value.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def _utc(moment: datetime) -> str:
    return f"{_wall_clock(moment)}Z"


def _wall_clock(moment: datetime) -> str:
    # Not strftime: its %Y leaves out the leading zeros that icalendar writes.
    return f"{moment.year:04}{moment.month:02}{moment.day:02}T{moment.hour:02}{moment.minute:02}{moment.second:02}"


@dataclass(frozen=True, slots=True)
class _LocalTimes:
    """How icalendar writes a time of one zone: with its TZID, or with a Z when the zone is UTC."""

    tzid: str | None
    params: str
    suffix: str

    @classmethod
    def of(cls, tz: ZoneInfo) -> _LocalTimes:
        sample = icalendar.vDDDTypes(datetime(2000, 1, 1, tzinfo=tz))
        params = sample.params.to_ical().decode()
        return cls(
            tzid=sample.params.get("TZID"),
            params=f";{params}" if params else "",
            suffix="Z" if sample.to_ical().endswith(b"Z") else "",
        )

    def form(self, moment: datetime) -> str:
        """A DTSTART's or DTEND's parameters and value."""
        return f"{self.params}:{_wall_clock(moment)}{self.suffix}"


@functools.lru_cache(maxsize=32)
def _vtimezone(tzid: str, first: date, last: date) -> bytes:
    try:
        timezone: bytes = icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last).to_ical()
    except ValueError:
        return b""  # a zone icalendar does not know goes without, as its add_missing_timezones leaves it
    return timezone


def _folded(line: str) -> bytes:
    """RFC 5545 3.1: a line holds at most 75 octets; folded where icalendar folds it."""
    if not line.isascii():
        # Counting octets, not characters: icalendar's own folding.
        folded: bytes = Contentline(line).to_ical()  # type: ignore[no-untyped-call]
        return folded + b"\r\n"
    parts, start = [], 0
    while len(line) - start > FOLD_AT:
        end = start + FOLD_AT
        if line[end - 1] in "\\^":
            end -= 1  # as icalendar does, an escape stays on the line of the character it escapes
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return "\r\n ".join(parts).encode() + b"\r\n"


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def stored_feed(db: AsyncSession, *, conference: Conference, key: str, version: str) -> Feed | None:
    """The validators of the feed ``key`` if it is stored at ``version``; most polls end in a 304 and never
    need the bytes."""
    found = (
        await db.execute(
            select(FeedCache.etag, FeedCache.last_modified).where(
                FeedCache.conference_id == conference.id, FeedCache.key == key, FeedCache.version == version
            )
        )
    ).first()
    if found is None:
        return None
    return Feed(conference_id=conference.id, key=key, etag=found.etag, last_modified=found.last_modified)


async def store_feed(
    db: AsyncSession,
    *,
    conference: Conference,
    key: str,
    version: str,
    build: Callable[[], Awaitable[tuple[bytes, datetime]]],
) -> Feed:
    """The feed ``key`` built for ``version`` and stored, for every process to answer from.

    The store commits on its own: a feed built while answering a 304 or a GET is worth
    keeping whatever happens to the rest of the request.
    """
    body, modified = await build()
    feed = Feed(conference_id=conference.id, key=key, etag=_etag(body), last_modified=modified, body=body)
    values = {
        "conference_id": conference.id,
        "key": key,
        "version": version,
        "etag": feed.etag,
        "last_modified": modified,
        "body": body,
    }
    statement = upsert_statement(db)(FeedCache).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[FeedCache.conference_id, FeedCache.key],
        set_={k: statement.excluded[k] for k in ("version", "etag", "last_modified", "body")},
    )
    await db.execute(statement)
    await db.commit()
    return feed


def _version(release_number: int, settings: Settings) -> str:
    """What a cached feed was built from: links in it carry the host, which may change between runs."""
    return f"release-{release_number}@{settings.base_url}"


async def _latest_release(db: AsyncSession, *, conference: Conference, cache: ConferenceCache) -> int | None:
    """The program's latest release number, kept per process: calendar apps poll far more often than the
    program is released, and a release invalidates it in every process."""
    return await cache.value(_release_key(conference), lambda: latest_release_number(db, conference=conference))


def _release_key(conference: Conference) -> Hashable:
    return ("latest release", conference.id)


def _feed_name(kind: FeedKind, ident: str) -> str:
    return f"{kind}:{ident}" if ident else kind


def _feed_version_key(conference: Conference, name: str, version: str) -> Hashable:
    return ("feed", conference.id, name, version)


FeedKind = Literal["conference", "track", "speaker", "room"]


async def program_feed(
    db: AsyncSession,
    *,
    conference: Conference,
    settings: Settings,
    cache: ConferenceCache,
    kind: FeedKind,
    ident: str = "",
) -> Feed:
    """The released program's feed of the whole conference or of one track (slug), speaker or room (id)."""
    # A built feed's validators are kept per process too (a release invalidates them), so a current poll
    # reads nothing.
    number = await _latest_release(db, conference=conference, cache=cache)
    if number is None:
        raise ProgramNotPublished("The program of this conference has not been published yet.")
    version = _version(number, settings)
    key = _feed_name(kind, ident)

    # The same version always builds the same bytes, so its validators never go stale.
    stored = await cache.value(
        _feed_version_key(conference, key, version),
        lambda: stored_feed(db, conference=conference, key=key, version=version),
    )
    if stored is not None:
        return stored

    async def build() -> tuple[bytes, datetime]:
        _release, schedule = await require_published_schedule(db, conference=conference)
        name, keep = _scope(schedule, kind, ident)
        # A release can take an event out of this feed (a speaker leaves a panel): the feed changed then too.
        entries = conference_entries(schedule, keep)
        return await to_thread.run_sync(lambda: build_calendar(
            schedule, entries, name=name, settings=settings, modified_floor=schedule.release.released_at
        ))  # fmt: skip

    return await store_feed(db, conference=conference, key=key, version=version, build=build)


def kept_program_feed(
    cache: ConferenceCache, *, conference: Conference, settings: Settings, kind: FeedKind, ident: str = ""
) -> Feed | None:
    """The feed ``program_feed`` would answer with, if this process keeps all it needs; nothing is read."""
    number = cache.kept(_release_key(conference))
    if number is None:
        return None
    found: Feed | None = cache.kept(_feed_version_key(conference, _feed_name(kind, ident), _version(number, settings)))
    return found


def _scope(
    schedule: Schedule, kind: FeedKind, ident: str
) -> tuple[str, Callable[[ScheduleSession, ScheduleRun], bool]]:
    title = schedule.conference.name
    if kind == "conference":
        return title, lambda _s, _r: True
    if kind == "track":
        track = next((t for t in schedule.tracks if t.slug == ident), None)
        if track is None:
            raise TrackNotFound("The program has no track with this name.")
        return f"{title}: {track.name}", lambda s, _r: s.track_id == track.id
    try:
        wanted: uuid.UUID | None = uuid.UUID(ident)
    except ValueError:
        wanted = None  # not an id: no speaker or room has it
    if kind == "speaker":
        speaker = next((p for p in schedule.speakers if p.id == wanted), None)
        if speaker is None:
            raise SpeakerNotFound("The program has no speaker with this id.")
        return f"{title}: {speaker.name}", lambda s, _r: any(x.speaker_id == wanted for x in s.speakers)
    room = next((r for r in schedule.rooms if r.id == wanted), None)
    if room is None:
        raise RoomNotFound("The program has no room with this id.")
    return f"{title}: {room.name}", lambda _s, r: r.room_id == wanted


async def agenda_feed(
    db: AsyncSession, *, conference: Conference, settings: Settings, cache: ConferenceCache, token: str
) -> Feed:
    """The agenda that the signed link ``token`` opens, as a feed; sessions its attendee took off stay in it as
    cancelled. A revoked or replaced link is refused."""
    link = read_agenda_link(settings, token)
    number = await _latest_release(db, conference=conference, cache=cache)
    # Calendar apps poll an agenda for months and it rarely changes: a current poll costs one statement, which
    # reads the link's version, the agenda's revision and the stored feed's validators together. The agenda's
    # id never changes, so a process keeps it; the rest is read every time, so a change or a new link is seen
    # by the next poll in every process.
    agenda_id = await cache.value(
        ("agenda", conference.id, link.attendee_id),
        lambda: db.scalar(
            select(Agenda.id).where(Agenda.attendee_id == link.attendee_id, Agenda.conference_id == conference.id)
        ),
    )
    if agenda_id is not None and number is not None:
        current = (
            await db.execute(
                select(Agenda.link_version, Agenda.revision, FeedCache.version, FeedCache.etag, FeedCache.last_modified)
                .outerjoin(
                    FeedCache,
                    (FeedCache.conference_id == Agenda.conference_id) & (FeedCache.key == _agenda_key(agenda_id)),
                )
                .where(Agenda.id == agenda_id)
            )
        ).first()
        if current is not None:
            link.require_current(current.link_version)
            if current.version == _agenda_version(number, settings, revision=current.revision, link=link.version):
                return Feed(
                    conference_id=conference.id,
                    key=_agenda_key(agenda_id),
                    etag=current.etag,
                    last_modified=current.last_modified,
                )

    # Not built for this version yet, or the agenda is made on this first use.
    linked = await open_agenda(db, conference=conference, settings=settings, token=token)
    agenda, attendee = linked.agenda, linked.attendee
    version = _agenda_version(number or 0, settings, revision=agenda.revision, link=agenda.link_version)

    async def build() -> tuple[bytes, datetime]:
        schedule = await published_schedule(db, conference=conference)
        if schedule is None:
            raise ProgramNotPublished("The program of this conference has not been published yet.")
        items = list(await db.scalars(select(AgendaItem).where(AgendaItem.agenda_id == agenda.id)))
        runs = {r.id: (s, r) for s in schedule.sessions for r in s.runs}
        entries = [FeedEntry(*runs[item.run_id], withdrawn_at=item.removed_at) for item in items if item.run_id in runs]
        name = f"{schedule.conference.name}: {attendee.first_name} {attendee.last_name}'s agenda"
        modified_floor = max(agenda.changed_at, schedule.release.released_at)
        return await to_thread.run_sync(lambda: build_calendar(
            schedule, entries, name=name, settings=settings, modified_floor=modified_floor
        ))  # fmt: skip

    key = _agenda_key(agenda.id)
    stored = await stored_feed(db, conference=conference, key=key, version=version)
    return stored or await store_feed(db, conference=conference, key=key, version=version, build=build)


def _agenda_key(agenda_id: uuid.UUID) -> str:
    return f"agenda:{agenda_id}"


def _agenda_version(release_number: int, settings: Settings, *, revision: int, link: int) -> str:
    return f"{_version(release_number, settings)}:agenda-{revision}:link-{link}"
