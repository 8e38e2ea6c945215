"""Check-in rules: badges, stations and their device tokens, redeeming scans, look-up, the offline copy.

Redeeming a scan is one savepoint: claim the client's nonce (unique per conference),
decide, and record. The database decides every race: a repeated nonce fails its insert
and gets the first answer back; two doors admitting one badge both insert a check-in
and the unique ``attendee_id`` lets exactly one through, so the other says
``already_checked_in`` with when and where the first one was.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts import service as accounts
from events_app.accounts.models import Role
from events_app.accounts.service import IssuedToken, Principal
from events_app.audit.service import record
from events_app.checkin import credential, keys, people
from events_app.checkin.decisions import MESSAGES, Decision
from events_app.checkin.models import (
    Checkin,
    Scan,
    ScanKind,
    ScanResult,
    Station,
    StationKind,
)
from events_app.checkin.people import CANCELLED_STATUSES, Holder
from events_app.checkin.schemas import (
    AttendeeCard,
    FirstCheckin,
    GroupMember,
    LookupHit,
    OfflineAttendee,
    OfflineBundle,
    PublicKeyOut,
    ScanAnswer,
    ScanIn,
    StationIn,
    StationOut,
    StationPatch,
)
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from events_app.db import insert_unless_taken
from events_app.registration.models import AttendeeStatus
from events_app.settings import Settings

# A device clock this far ahead of ours is wrong; its scans are taken as happening now.
MAX_CLOCK_SKEW = timedelta(minutes=5)
# Offline queues are synced within a day; older scan times are refused as garbled.
MAX_SCAN_AGE = timedelta(days=3)

KINDS_AT = {
    StationKind.ENTRANCE: frozenset({ScanKind.ENTRY}),
    StationKind.REGISTRATION_DESK: frozenset({ScanKind.ENTRY}),
    StationKind.SESSION_ROOM: frozenset({ScanKind.SESSION, ScanKind.EXIT}),
    StationKind.PARTNER_BOOTH: frozenset({ScanKind.LEAD}),
}
DEFAULT_KIND = {
    StationKind.ENTRANCE: ScanKind.ENTRY,
    StationKind.REGISTRATION_DESK: ScanKind.ENTRY,
    StationKind.SESSION_ROOM: ScanKind.SESSION,
    StationKind.PARTNER_BOOTH: ScanKind.LEAD,
}


# --- badges -------------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def public_key_out(db: AsyncSession, *, settings: Settings, conference: Conference) -> PublicKeyOut:
    key = await keys.public_key(db, settings=settings, conference=conference)
    return PublicKeyOut(
        conference_id=conference.id,
        key_id=key.key_id,
        algorithm="Ed25519",
        public_key=_b64(key.public_key),
        token_prefix=credential.PREFIX,
    )


async def badge_token(db: AsyncSession, *, settings: Settings, conference: Conference, holder: Holder) -> str:
    """The current badge token of an attendee (it changes when their badge version is raised)."""
    private = await keys.signing_key(db, settings=settings, conference=conference)
    return credential.issue_token(
        private, conference_id=conference.id, attendee_id=holder.id, version=holder.badge_version
    )


async def get_holder(db: AsyncSession, *, conference: Conference, attendee_id: uuid.UUID) -> Holder:
    found = await people.holder(db, attendee_id=attendee_id)
    if found is None or found.conference_id != conference.id:
        raise NotFound("No attendee of this conference has this id.", code="attendee-not-found")
    return found


# --- stations -----------------------------------------------------------------------------------


def station_out(station: Station) -> StationOut:
    return StationOut(
        id=station.id,
        name=station.name,
        kind=station.kind,
        room_id=station.room_id,
        allow_unpaid=station.allow_unpaid,
        has_token=station.token_id is not None,
        retired=station.retired_at is not None,
    )


async def _check_name_free(db: AsyncSession, conference: Conference, name: str, station_id: uuid.UUID | None) -> None:
    query = select(Station.id).where(Station.conference_id == conference.id, func.lower(Station.name) == name.lower())
    if station_id is not None:
        query = query.where(Station.id != station_id)
    if await db.scalar(query):
        raise Conflict(f"A station named {name!r} already exists.", code="station-name-taken")


def _check_room(kind: StationKind, room_id: uuid.UUID | None) -> None:
    if kind == StationKind.SESSION_ROOM and room_id is None:
        raise Invalid("A session-room station needs the room it stands in (room_id).", code="station-needs-room")
    if kind != StationKind.SESSION_ROOM and room_id is not None:
        raise Invalid("Only a session-room station is tied to a room.", code="station-room-not-allowed")


async def create_station(
    db: AsyncSession, *, conference: Conference, data: StationIn, actor: Principal
) -> tuple[Station, IssuedToken]:
    """Adds a station and issues its device token (staff role, this conference only), shown once."""
    name = data.name.strip()
    _check_room(data.kind, data.room_id)
    await _check_name_free(db, conference, name, None)
    station = Station(
        conference_id=conference.id, name=name, kind=data.kind, room_id=data.room_id, allow_unpaid=data.allow_unpaid
    )
    db.add(station)
    await db.flush()
    issued = await _issue_station_token(db, conference=conference, station=station, actor=actor)
    await record(
        db,
        actor=actor,
        action="station.created",
        subject_type="station",
        subject_id=station.id,
        conference_id=conference.id,
        name=name,
        kind=str(data.kind),
    )
    return station, issued


async def _issue_station_token(
    db: AsyncSession, *, conference: Conference, station: Station, actor: Principal
) -> IssuedToken:
    issued = await accounts.issue_token(
        db,
        user_id=actor.user_id,
        name=f"Station: {station.name} ({conference.slug})",
        role=Role.STAFF,
        conference_id=conference.id,
    )
    station.token_id = issued.token.id
    await db.flush()
    return issued


async def list_stations(db: AsyncSession, *, conference: Conference) -> list[Station]:
    query = select(Station).where(Station.conference_id == conference.id).order_by(Station.kind, Station.name)
    return list(await db.scalars(query))


async def get_station(db: AsyncSession, *, conference: Conference, station_id: uuid.UUID) -> Station:
    station = await db.get(Station, station_id)
    if station is None or station.conference_id != conference.id:
        raise NotFound("No station of this conference has this id.", code="station-not-found")
    return station


async def update_station(
    db: AsyncSession, *, conference: Conference, station: Station, data: StationPatch, actor: Principal
) -> Station:
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        await _check_name_free(db, conference, changes["name"], station.id)
    _check_room(station.kind, changes.get("room_id", station.room_id))
    for key, value in changes.items():
        setattr(station, key, value)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="station.updated",
        subject_type="station",
        subject_id=station.id,
        conference_id=conference.id,
        **{k: str(v) for k, v in changes.items()},
    )
    return station


async def revoke_station_token(
    db: AsyncSession, *, conference: Conference, station: Station, actor: Principal
) -> Station:
    """The station's device stops working at once (a lost phone); a new token can be issued later."""
    if station.token_id is not None:
        await accounts.revoke_token(db, token_id=station.token_id)
        station.token_id = None
        await db.flush()
        await record(
            db,
            actor=actor,
            action="station.token_revoked",
            subject_type="station",
            subject_id=station.id,
            conference_id=conference.id,
        )
    return station


async def reissue_station_token(
    db: AsyncSession, *, conference: Conference, station: Station, actor: Principal
) -> IssuedToken:
    """Revokes the station's current token (if any) and issues a fresh one."""
    if station.retired_at is not None:
        raise Conflict("This station is retired.", code="station-retired")
    if station.token_id is not None:
        await accounts.revoke_token(db, token_id=station.token_id)
    issued = await _issue_station_token(db, conference=conference, station=station, actor=actor)
    await record(
        db,
        actor=actor,
        action="station.token_issued",
        subject_type="station",
        subject_id=station.id,
        conference_id=conference.id,
    )
    return issued


async def retire_station(db: AsyncSession, *, conference: Conference, station: Station, actor: Principal) -> Station:
    """Takes a station out of use; its scans stay in the record."""
    await revoke_station_token(db, conference=conference, station=station, actor=actor)
    if station.retired_at is None:
        station.retired_at = now()
        await db.flush()
        await record(
            db,
            actor=actor,
            action="station.retired",
            subject_type="station",
            subject_id=station.id,
            conference_id=conference.id,
        )
    return station


async def station_for(
    db: AsyncSession, *, conference: Conference, principal: Principal, station_id: uuid.UUID | None
) -> Station:
    """The station a scan is taken at: the device token's own station, else the one named."""
    if principal.token_id is not None:
        own = await db.scalar(select(Station).where(Station.token_id == principal.token_id))
        if own is not None:
            if own.conference_id != conference.id:
                raise NotAllowed("This device belongs to another conference's station.", code="station-elsewhere")
            if station_id is not None and station_id != own.id:
                raise NotAllowed("A station's device scans only for that station.", code="station-mismatch")
            station_id = own.id
    if station_id is None:
        raise Invalid("Say which station this scan is taken at (station_id).", code="station-required")
    station = await get_station(db, conference=conference, station_id=station_id)
    if station.retired_at is not None:
        raise Conflict("This station is retired.", code="station-retired")
    return station


# --- scans --------------------------------------------------------------------------------------


def _scan_time(value: datetime | None, *, moment: datetime) -> datetime:
    if value is None:
        return moment
    if value.tzinfo is None:
        raise Invalid("scanned_at needs a time zone (e.g. 2027-09-14T08:15:00Z).", code="scan-time-naive")
    if value > moment + MAX_CLOCK_SKEW:
        return moment
    if value < moment - MAX_SCAN_AGE:
        raise Invalid("scanned_at is too long ago to be a queued scan.", code="scan-time-too-old")
    return value


async def _holder_from_token(db: AsyncSession, *, conference: Conference, token: str) -> Holder | Decision:
    try:
        claim = credential.read_token(token)
    except credential.MalformedToken:
        return Decision(ScanResult.INVALID, False, MESSAGES[ScanResult.INVALID])
    key = await keys.public_key_by_id(db, key_id=claim.key_id)
    if key is None or not credential.signature_is_valid(
        claim, public_key=key.public_key, conference_id=key.conference_id
    ):
        return Decision(ScanResult.INVALID, False, MESSAGES[ScanResult.INVALID])
    if key.conference_id != conference.id:
        return Decision(ScanResult.WRONG_CONFERENCE, False, MESSAGES[ScanResult.WRONG_CONFERENCE])
    found = await people.holder(db, attendee_id=claim.attendee_id)
    if found is None or found.conference_id != conference.id or claim.version > found.badge_version:
        return Decision(ScanResult.INVALID, False, MESSAGES[ScanResult.INVALID])
    if claim.version < found.badge_version:
        # Cancelling and refunding raise the version too: say what staff need to know.
        if found.status in CANCELLED_STATUSES:
            return Decision(ScanResult.CANCELLED, False, MESSAGES[ScanResult.CANCELLED], holder=found)
        return Decision(ScanResult.REVOKED, False, MESSAGES[ScanResult.REVOKED], holder=found)
    return found


async def holder_for_badge(db: AsyncSession, *, conference: Conference, token: str) -> Holder:
    """Whose current, valid badge this is; for other domains that take badges (the expo's lead scans).

    Raises ``Invalid`` with the scan vocabulary as its code (``badge-invalid``,
    ``badge-wrong_conference``, ``badge-revoked``, ``badge-cancelled``) for anything else.
    """
    found = await _holder_from_token(db, conference=conference, token=token)
    if isinstance(found, Decision):
        raise Invalid(found.message, code=f"badge-{found.result}")
    if (refusal := _standing(found)) is not None:
        raise Invalid(refusal.message, code=f"badge-{refusal.result}")
    return found


def _standing(holder: Holder) -> Decision | None:
    """A refusal that holds at every station, whatever is scanned: cancelled, replaced."""
    if holder.status in CANCELLED_STATUSES:
        return Decision(ScanResult.CANCELLED, False, MESSAGES[ScanResult.CANCELLED], holder=holder)
    if holder.status == AttendeeStatus.SUBSTITUTED:
        message = "This registration was handed to someone else; their badge is the valid one."
        return Decision(ScanResult.REVOKED, False, message, holder=holder)
    return None


async def _first_checkin(db: AsyncSession, attendee_id: uuid.UUID) -> FirstCheckin | None:
    first = await db.scalar(select(Checkin).where(Checkin.attendee_id == attendee_id))
    return FirstCheckin(at=first.checked_in_at, station=first.station.name) if first else None


async def _admit_at_entrance(
    db: AsyncSession, *, conference: Conference, station: Station, holder: Holder, at: datetime
) -> Decision:
    unpaid = not holder.paid
    if unpaid and not station.allow_unpaid:
        # Let in (flagged) at the desk earlier: that is what this door needs to hear.
        if (first := await _first_checkin(db, holder.id)) is not None:
            message = f"Already checked in at {first.station}."
            return Decision(ScanResult.ALREADY_CHECKED_IN, False, message, holder=holder, first=first)
        return Decision(ScanResult.UNPAID, False, "Not paid: send them to the registration desk.", holder=holder)
    admitted = await insert_unless_taken(
        db,
        Checkin,
        {
            "id": uuid.uuid4(),
            "conference_id": conference.id,
            "attendee_id": holder.id,
            "station_id": station.id,
            "checked_in_at": at,
            "admitted_unpaid": unpaid,
        },
    )
    if not admitted:
        first = await _first_checkin(db, holder.id)
        when = f" at {first.station}" if first else ""
        return Decision(ScanResult.ALREADY_CHECKED_IN, False, f"Already checked in{when}.", holder=holder, first=first)
    if unpaid:
        return Decision(ScanResult.UNPAID, True, "Admitted, but the invoice is not settled yet.", holder=holder)
    return Decision(ScanResult.OK, True, f"Welcome, {holder.badge_name}.", holder=holder)


async def _decide(
    db: AsyncSession,
    *,
    conference: Conference,
    station: Station,
    data: ScanIn,
    kind: ScanKind,
    at: datetime,
    looked_up: Holder | None,
) -> Decision:
    if looked_up is not None:
        found = looked_up
    else:
        assert data.token is not None
        token_holder = await _holder_from_token(db, conference=conference, token=data.token)
        if isinstance(token_holder, Decision):
            return token_holder
        found = token_holder
    if (refusal := _standing(found)) is not None:
        return refusal
    if station.kind == StationKind.PARTNER_BOOTH:
        return Decision(ScanResult.OK, True, f"Lead recorded: {found.name}.", holder=found)
    if station.kind == StationKind.SESSION_ROOM:
        from events_app.checkin import attendance

        return await attendance.at_session_door(
            db, conference=conference, station=station, holder=found, kind=kind, at=at
        )
    return await _admit_at_entrance(db, conference=conference, station=station, holder=found, at=at)


def _card(holder: Holder, station: Station) -> AttendeeCard:
    shares_contact = station.kind == StationKind.REGISTRATION_DESK or (
        station.kind == StationKind.PARTNER_BOOTH and holder.consent_to_share_contact
    )
    return AttendeeCard(
        id=holder.id,
        name=holder.name,
        badge_name=holder.badge_name,
        title=holder.title,
        organization=holder.organization,
        city=holder.city,
        registration_type=holder.registration_type,
        order_id=holder.order_id,
        accessibility_needs=holder.accessibility_needs,
        dietary_needs=holder.dietary_needs,
        email=holder.email if shares_contact else None,
    )


async def _group(db: AsyncSession, holder: Holder) -> list[GroupMember]:
    mates = await people.order_mates(db, holder=holder)
    if not mates:
        return []
    arrived = set(await db.scalars(select(Checkin.attendee_id).where(Checkin.attendee_id.in_([m.id for m in mates]))))
    return [
        GroupMember(
            id=m.id,
            name=m.name,
            checked_in=m.id in arrived,
            admissible=m.status not in CANCELLED_STATUSES and m.status != AttendeeStatus.SUBSTITUTED,
        )
        for m in mates
    ]


def _replay(scan: Scan) -> ScanAnswer:
    answer = msgspec.convert(scan.answer, ScanAnswer)
    return msgspec.structs.replace(answer, replayed=True)


async def _existing(db: AsyncSession, conference: Conference, nonce: str) -> Scan | None:
    return await db.scalar(select(Scan).where(Scan.conference_id == conference.id, Scan.nonce == nonce))


async def redeem_scan(
    db: AsyncSession, *, conference: Conference, station: Station, data: ScanIn, actor: Principal
) -> ScanAnswer:
    """Answers one scan and records it once; the same nonce again returns the first answer."""
    if (data.token is None) == (data.attendee_id is None):
        raise Invalid("Send either the badge token or an attendee_id.", code="scan-needs-one-badge")
    if data.kind not in KINDS_AT[station.kind]:
        allowed = ", ".join(sorted(KINDS_AT[station.kind]))
        raise Invalid(f"A {station.kind} station takes {allowed} scans.", code="scan-kind-not-here")
    moment = now()
    at = _scan_time(data.scanned_at, moment=moment)
    # A look-up by id is checked before anything is written: no refusal comes after the first write.
    looked_up = None
    if data.attendee_id is not None:
        looked_up = await get_holder(db, conference=conference, attendee_id=data.attendee_id)
    # The scan row goes in first: it claims the nonce (a twin request waits, then finds it taken)
    # and takes SQLite's write lock before any read, which SQLite could not upgrade later.
    scan_id = uuid.uuid4()
    claimed = await insert_unless_taken(
        db,
        Scan,
        {
            "id": scan_id,
            "conference_id": conference.id,
            "station_id": station.id,
            "kind": data.kind,
            "result": ScanResult.INVALID,
            "nonce": data.nonce,
            "scanned_at": at,
            "offline": data.offline,
            "manual": looked_up is not None,
            "conflict": False,
            "answer": {},
        },
    )
    if not claimed:
        seen = await _existing(db, conference, data.nonce)
        if seen is None:
            raise Conflict("This scan could not be recorded; send it again.", code="scan-not-recorded")
        return _replay(seen)
    decision = await _decide(
        db, conference=conference, station=station, data=data, kind=data.kind, at=at, looked_up=looked_up
    )
    holder = decision.holder
    conflict = bool(
        data.offline
        and decision.result == ScanResult.ALREADY_CHECKED_IN
        and decision.first is not None
        and decision.first.station != station.name
    )
    group = (
        await _group(db, holder)
        if holder is not None
        and station.kind in {StationKind.ENTRANCE, StationKind.REGISTRATION_DESK}
        and decision.result in {ScanResult.OK, ScanResult.ALREADY_CHECKED_IN, ScanResult.UNPAID}
        else []
    )
    answer = ScanAnswer(
        result=decision.result,
        admitted=decision.admitted,
        message=decision.message,
        nonce=data.nonce,
        station=station.name,
        scanned_at=at,
        attendee=_card(holder, station) if holder is not None else None,
        first=decision.first,
        session=decision.session,
        group=group,
        conflict=conflict,
    )
    await db.execute(
        update(Scan)
        .where(Scan.id == scan_id)
        .values(
            result=decision.result,
            attendee_id=holder.id if holder is not None else None,
            session_id=decision.session_id,
            conflict=conflict,
            answer=msgspec.to_builtins(answer),
        )
    )
    if decision.admitted and data.kind == ScanKind.ENTRY and holder is not None:
        await record(
            db,
            actor=actor,
            action="checkin.manual" if looked_up is not None else "checkin.scanned",
            subject_type="attendee",
            subject_id=holder.id,
            conference_id=conference.id,
            station=station.name,
            unpaid=not holder.paid,
            offline=data.offline,
        )
    return answer


SQLITE_BUSY_RETRIES = 5


def _sqlite_busy(exc: OperationalError) -> bool:
    return "database is locked" in str(exc.orig) or "database table is locked" in str(exc.orig)


def _refusal(item: ScanIn, error: DomainError) -> ScanAnswer:
    return ScanAnswer(
        result=ScanResult.INVALID,
        admitted=False,
        message=error.detail,
        nonce=item.nonce,
        station="",
        scanned_at=item.scanned_at or now(),
    )


async def redeem_and_commit(
    db: AsyncSession, *, conference: Conference, items: Sequence[ScanIn], actor: Principal, batch: bool = False
) -> list[ScanAnswer]:
    """Redeems a device's scans in one transaction and commits it.

    In a ``batch`` (a queue synced after an outage) a scan the rules refuse (a station that
    was retired meanwhile, a time too old) is answered ``invalid`` with the reason instead of
    failing the whole batch: a device must be able to empty its queue.

    SQLite (the embedded mode) has one writer: a transaction that read before another
    committed cannot write and fails at once ("database is locked"). That is retried from
    the start, a few times, with a growing pause; nothing of a failed try is kept.
    """
    conference_id = conference.id
    for attempt in range(SQLITE_BUSY_RETRIES + 1):
        try:
            # A retry starts after a rollback, which expired what was loaded; the first try finds it loaded.
            conference = await db.get_one(Conference, conference_id)
            answers = []
            for item in items:
                try:
                    station = await station_for(db, conference=conference, principal=actor, station_id=item.station_id)
                    answers.append(
                        await redeem_scan(db, conference=conference, station=station, data=item, actor=actor)
                    )
                except DomainError as exc:
                    if not batch:
                        raise
                    answers.append(_refusal(item, exc))
            await db.commit()
            return answers
        except OperationalError as exc:
            if attempt == SQLITE_BUSY_RETRIES or not _sqlite_busy(exc):
                raise
            await db.rollback()
            await asyncio.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


async def list_scans(
    db: AsyncSession, *, conference: Conference, conflicts_only: bool, limit: int, offset: int
) -> tuple[list[Scan], int]:
    query = select(Scan).where(Scan.conference_id == conference.id)
    if conflicts_only:
        query = query.where(Scan.conflict.is_(True))
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await db.scalars(query.order_by(Scan.scanned_at.desc()).limit(limit).offset(offset))
    return list(rows), total


# --- look-up and the offline copy ----------------------------------------------------------------


async def lookup(db: AsyncSession, *, conference: Conference, text: str) -> list[LookupHit]:
    """Attendees by part of a name or email, for the desk and for a badge that will not scan."""
    if len(text.strip()) < 2:
        raise Invalid("Type at least two letters of a name or email.", code="lookup-too-short")
    hits = await people.search(db, conference_id=conference.id, text=text)
    arrived = set(await db.scalars(select(Checkin.attendee_id).where(Checkin.attendee_id.in_([h.id for h in hits]))))
    return [
        LookupHit(
            id=h.id,
            name=h.name,
            email=h.email,
            city=h.city,
            registration_type=h.registration_type,
            status=str(h.status),
            checked_in=h.id in arrived,
        )
        for h in hits
    ]


async def offline_bundle(
    db: AsyncSession, *, settings: Settings, conference: Conference, station: Station
) -> OfflineBundle:
    """The public key, every attendee's current badge version and status, and who is already in."""
    everyone = await people.holders(db, conference_id=conference.id)
    arrived = set(await db.scalars(select(Checkin.attendee_id).where(Checkin.conference_id == conference.id)))
    return OfflineBundle(
        conference_id=conference.id,
        slug=conference.slug,
        key=await public_key_out(db, settings=settings, conference=conference),
        station=station_out(station),
        attendees=[
            OfflineAttendee(
                id=str(h.id),
                version=h.badge_version,
                status=str(h.status),
                name=h.name,
                badge_name=h.badge_name,
                paid=h.paid,
                order_id=str(h.order_id),
                registration_type=h.registration_type,
                city=h.city,
                checked_in=h.id in arrived,
            )
            for h in everyone
        ],
        generated_at=now(),
    )
