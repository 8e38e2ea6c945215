"""Redeeming scans: the answer a station gives a badge, recorded once per nonce, and the list of scans.

A scan is decided and then recorded with its answer, in one transaction whose last write
claims the client's nonce (unique per conference). The database decides every race: a
repeated nonce fails that insert, the transaction starts over and the first answer is
given back (a replay is rare, so only it pays for the look-up); two doors admitting one
badge both insert a check-in and the unique ``attendee_id`` lets exactly one through, so
the other says ``already_checked_in`` with when and where the first one was. Session-room doors are
decided by ``attendance``; a device's queue synced after an outage goes through
``redeem_and_commit`` too (``offline``).

Doors reconnect in any order, so a queued entry scan taken before the recorded check-in
takes the check-in over: its door and time become the check-in's, and the later admission
is turned into ``already_checked_in``, flagged as a conflict when it was at another door.
Live scans never take a check-in over: their device clock is not trusted against a door
that already answered.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec
from litestar.pagination import OffsetPagination
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record_now
from events_app.checkin import attendance, badges, people
from events_app.checkin.decisions import Decision
from events_app.checkin.errors import ScanKindNotHere, ScanNeedsOneBadge, ScanNotRecorded, ScanTimeNaive, ScanTimeTooOld
from events_app.checkin.models import Checkin, Scan, ScanKind, ScanResult, Station, StationKind
from events_app.checkin.people import Holder
from events_app.checkin.schemas import AttendeeCard, FirstCheckin, GroupMember, ScanAnswer, ScanIn, ScanOut
from events_app.checkin.stations import station_for
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.errors import DomainError
from events_app.core.pagination import paginate
from events_app.db import insert_unless_taken

# Offline queues are synced within a day; older scan times are refused as garbled.
MAX_SCAN_AGE = timedelta(days=3)

KINDS_AT = {
    StationKind.ENTRANCE: frozenset({ScanKind.ENTRY}),
    StationKind.REGISTRATION_DESK: frozenset({ScanKind.ENTRY}),
    StationKind.SESSION_ROOM: frozenset({ScanKind.SESSION, ScanKind.EXIT}),
    StationKind.PARTNER_BOOTH: frozenset({ScanKind.LEAD}),
}
# Where a scan answers with the others on the same order, so a group is let in together.
GROUP_DOORS = frozenset({StationKind.ENTRANCE, StationKind.REGISTRATION_DESK})
GROUP_RESULTS = frozenset({ScanResult.OK, ScanResult.ALREADY_CHECKED_IN, ScanResult.UNPAID})


def _scan_time(value: datetime | None, *, moment: datetime) -> datetime:
    if value is None:
        return moment
    if value.tzinfo is None:
        raise ScanTimeNaive("scanned_at needs a time zone (e.g. 2027-09-14T08:15:00Z).")
    # A scan cannot happen after it reached us: a device clock ahead of ours would otherwise
    # make its door lose every "who came first" to the doors with right clocks.
    if value > moment:
        return moment
    if value < moment - MAX_SCAN_AGE:
        raise ScanTimeTooOld("scanned_at is too long ago to be a queued scan.")
    return value


async def _first_checkin(db: AsyncSession, holder: Holder) -> FirstCheckin | None:
    # Read with the badge in the common case; a check-in committed since then is read now.
    if holder.first is not None:
        return holder.first
    first = await db.scalar(select(Checkin).where(Checkin.attendee_id == holder.id))
    return FirstCheckin(at=first.checked_in_at, station=first.station.name) if first else None


def _already_in(first: FirstCheckin) -> str:
    return f"Already checked in at {first.station}."


def _already_checked_in(holder: Holder, first: FirstCheckin) -> Decision:
    return Decision(ScanResult.ALREADY_CHECKED_IN, False, _already_in(first), holder=holder, first=first)


async def _take_over_later_checkin(
    db: AsyncSession, *, station: Station, holder: Holder, at: datetime, unpaid: bool
) -> FirstCheckin | None:
    """Makes this earlier (queued) scan the check-in when the recorded one is later; returns the one replaced.

    The admissions after it become ``already_checked_in`` naming this door first, and a
    conflict where they were at another door: the record says who really came in first.
    """
    checkin = await db.scalar(select(Checkin).where(Checkin.attendee_id == holder.id).with_for_update(of=Checkin))
    if checkin is None or checkin.checked_in_at <= at:
        return None
    replaced = FirstCheckin(at=checkin.checked_in_at, station=checkin.station.name)
    checkin.station = station
    checkin.checked_in_at = at
    checkin.admitted_unpaid = unpaid
    first = FirstCheckin(at=at, station=station.name)
    later = await db.scalars(
        select(Scan).where(
            Scan.attendee_id == holder.id,
            Scan.kind == ScanKind.ENTRY,
            Scan.result.in_((ScanResult.OK, ScanResult.UNPAID)),
            Scan.scanned_at > at,
        )
    )
    for scan in later:
        if not scan.answer.get("admitted"):
            continue
        scan.result = ScanResult.ALREADY_CHECKED_IN
        scan.conflict = scan.station_id != station.id
        scan.answer = {
            **scan.answer,
            "result": ScanResult.ALREADY_CHECKED_IN.value,
            "admitted": False,
            "message": _already_in(first),
            "first": msgspec.to_builtins(first),
            "conflict": scan.conflict,
        }
    await db.flush()
    return replaced


async def _admit_at_entrance(
    db: AsyncSession, *, conference: Conference, station: Station, holder: Holder, at: datetime, queued: bool
) -> Decision:
    unpaid = not holder.paid
    # The conference may vouch for cities paying by check: their officials pass every door, flagged.
    vouched = conference.admit_invoiced_members and holder.invoiced_member
    if unpaid and not station.allow_unpaid and not vouched:
        # Let in (flagged) at the desk earlier: that is what this door needs to hear.
        if (first := await _first_checkin(db, holder)) is not None:
            return _already_checked_in(holder, first)
        return Decision(ScanResult.UNPAID, False, "Not paid: send them to the registration desk.", holder=holder)
    if holder.first is not None and not queued:
        # In already, as read with the badge (the usual scan from day two on): a check-in is never undone, so its
        # insert could only clash. A queued scan goes on: it may be the earlier one and take the check-in over.
        return _already_checked_in(holder, holder.first)
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
    replaced = None
    if not admitted and queued:
        replaced = await _take_over_later_checkin(db, station=station, holder=holder, at=at, unpaid=unpaid)
    if not admitted and replaced is None:
        first = await _first_checkin(db, holder)
        message = _already_in(first) if first else "Already checked in."
        return Decision(ScanResult.ALREADY_CHECKED_IN, False, message, holder=holder, first=first)
    if unpaid:
        message = "Admitted, but the invoice is not settled yet."
        return Decision(ScanResult.UNPAID, True, message, holder=holder, replaced=replaced)
    return Decision(ScanResult.OK, True, f"Welcome, {holder.badge_name}.", holder=holder, replaced=replaced)


async def _decide(
    db: AsyncSession,
    *,
    conference: Conference,
    station: Station,
    data: ScanIn,
    at: datetime,
    looked_up: Holder | None,
) -> Decision:
    if looked_up is not None:
        found = looked_up
    else:
        assert data.token is not None
        read = await badges.read_badge(db, conference=conference, token=data.token)
        if isinstance(read, Decision):
            return read
        found = read
    if (refusal := badges.standing(found)) is not None:
        return refusal
    if station.kind == StationKind.PARTNER_BOOTH:
        return Decision(ScanResult.OK, True, f"Lead recorded: {found.name}.", holder=found)
    if station.kind == StationKind.SESSION_ROOM:
        return await attendance.at_session_door(
            db, conference=conference, station=station, holder=found, kind=data.kind, at=at
        )
    return await _admit_at_entrance(
        db, conference=conference, station=station, holder=found, at=at, queued=data.offline
    )


def _card(holder: Holder, station: Station) -> AttendeeCard:
    card = msgspec.convert(holder, AttendeeCard, from_attributes=True)
    shares_contact = station.kind == StationKind.PARTNER_BOOTH and holder.consent_to_share_contact
    return card if shares_contact else msgspec.structs.replace(card, email=None)


async def _group(db: AsyncSession, holder: Holder) -> list[GroupMember]:
    if holder.group is not None:
        return [GroupMember(id=m.holder.id, name=m.holder.name, checked_in=m.checked_in, admissible=m.holder.active)
                for m in holder.group]  # fmt: skip
    mates = await people.order_mates(db, holder=holder)
    arrived = await people.arrived(db, attendee_ids=[m.id for m in mates])
    return [GroupMember(id=m.id, name=m.name, checked_in=m.id in arrived, admissible=m.active) for m in mates]


def _replay(scan: Scan) -> ScanAnswer:
    answer = msgspec.convert(scan.answer, ScanAnswer)
    return msgspec.structs.replace(answer, replayed=True)


class _NonceTaken(Exception):
    """A scan with this nonce was recorded first: start over, and the recorded answer is the answer."""


async def redeem_scan(
    db: AsyncSession,
    *,
    conference: Conference,
    station: Station,
    data: ScanIn,
    actor: Principal,
    recorded: dict[str, Scan] | None = None,
) -> ScanAnswer:
    """Answers one scan and records it once; the same nonce again returns the first answer.

    ``recorded``: the scans already holding nonces of this try (looked up after a nonce clash).
    """
    if (data.token is None) == (data.attendee_id is None):
        raise ScanNeedsOneBadge("Send either the badge token or an attendee_id.")
    if data.kind not in KINDS_AT[station.kind]:
        allowed = ", ".join(sorted(KINDS_AT[station.kind]))
        raise ScanKindNotHere(f"A {station.kind} station takes {allowed} scans.")
    if recorded is not None and (seen := recorded.get(data.nonce)) is not None:
        return _replay(seen)
    at = _scan_time(data.scanned_at, moment=now())
    looked_up = None
    if data.attendee_id is not None:
        looked_up = await badges.get_holder(db, conference=conference, attendee_id=data.attendee_id)
    decision = await _decide(db, conference=conference, station=station, data=data, at=at, looked_up=looked_up)
    holder = decision.holder
    first, replaced = decision.first, decision.replaced
    # The record keeps a clash on its later admission; the device hears of it either way.
    came_second = bool(
        data.offline
        and decision.result == ScanResult.ALREADY_CHECKED_IN
        and first is not None
        and first.station != station.name
    )
    conflict = came_second or (replaced is not None and replaced.station != station.name)
    group = (
        await _group(db, holder)
        if holder is not None and station.kind in GROUP_DOORS and decision.result in GROUP_RESULTS
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
    claimed = await insert_unless_taken(
        db,
        Scan,
        {
            "id": uuid.uuid4(),
            "conference_id": conference.id,
            "station_id": station.id,
            "attendee_id": holder.id if holder is not None else None,
            "session_id": decision.session_id,
            "kind": data.kind,
            "result": decision.result,
            "nonce": data.nonce,
            "scanned_at": at,
            "offline": data.offline,
            "manual": looked_up is not None,
            "conflict": came_second,
            "answer": msgspec.to_builtins(answer),
        },
    )
    if not claimed:
        # What this try decided (a check-in, a seat) must not stand beside the first answer.
        raise _NonceTaken
    if decision.admitted and data.kind == ScanKind.ENTRY and holder is not None:
        await record_now(
            db,
            actor=actor,
            action="checkin.manual" if looked_up is not None else "checkin.scanned",
            subject_type="attendee",
            subject_id=holder.id,
            conference_id=conference.id,
            station=station.name,
            unpaid=not holder.paid,
            offline=data.offline,
            # Set when this earlier scan took the check-in over from a door that synced first.
            replaced_station=replaced.station if replaced else None,
        )
    return answer


async def _recorded(db: AsyncSession, *, conference: Conference, items: Sequence[ScanIn]) -> dict[str, Scan]:
    nonces = [item.nonce for item in items]
    found = await db.scalars(select(Scan).where(Scan.conference_id == conference.id, Scan.nonce.in_(nonces)))
    return {scan.nonce: scan for scan in found}


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
    db: AsyncSession,
    *,
    conference: Conference,
    items: Sequence[ScanIn],
    actor: Principal,
    batch: bool = False,
    cache: ConferenceCache | None = None,
) -> list[ScanAnswer]:
    """Redeems a device's scans in one transaction and commits it.

    In a ``batch`` (a queue synced after an outage) a scan the rules refuse (a station that
    was retired meanwhile, a time too old) is answered ``invalid`` with the reason instead of
    failing the whole batch: a device must be able to empty its queue. On SQLite the request
    began as a writer (``BEGIN IMMEDIATE``), so concurrent doors wait their turn rather than
    fail; a COMMIT the database refuses reaches the caller, and no answer claims the scans.
    """
    conference_id = conference.id
    recorded: dict[str, Scan] | None = None
    for attempt in range(2):
        try:
            # A retry starts after a rollback, which expired what was loaded; the first try finds it loaded.
            conference = await db.get_one(Conference, conference_id)
            if recorded is None and attempt > 0:
                recorded = await _recorded(db, conference=conference, items=items)
            answers: list[ScanAnswer] = []
            # A queue may hold one scan twice; its first answer is the answer, as from the record.
            answered: dict[str, ScanAnswer] = {}
            for item in items:
                if (earlier := answered.get(item.nonce)) is not None:
                    answers.append(msgspec.structs.replace(earlier, replayed=True))
                    continue
                try:
                    station = await station_for(
                        db, conference=conference, principal=actor, station_id=item.station_id, cache=cache
                    )
                    answers.append(
                        await redeem_scan(
                            db, conference=conference, station=station, data=item, actor=actor, recorded=recorded
                        )
                    )
                    answered[item.nonce] = answers[-1]
                except DomainError as exc:
                    if not batch:
                        raise
                    answers.append(_refusal(item, exc))
            await db.commit()
            return answers
        except _NonceTaken:
            # A resent scan (or its twin, committed a moment ago): the next try answers it from the record.
            await db.rollback()
            recorded = None
    raise ScanNotRecorded("This scan could not be recorded; send it again.")


def scan_out(scan: Scan) -> ScanOut:
    return ScanOut(
        id=scan.id,
        station=scan.station.name,
        attendee_id=scan.attendee_id,
        kind=scan.kind,
        result=scan.result,
        scanned_at=scan.scanned_at,
        offline=scan.offline,
        manual=scan.manual,
        conflict=scan.conflict,
        message=str(scan.answer.get("message", "")),
    )


async def list_scans(
    db: AsyncSession, *, conference: Conference, conflicts_only: bool, limit: int, offset: int
) -> OffsetPagination[ScanOut]:
    """Scans, newest first; ``conflicts_only``: the offline two-door clashes staff should review."""
    query = select(Scan).where(Scan.conference_id == conference.id)
    if conflicts_only:
        query = query.where(Scan.conflict.is_(True))
    page = await paginate(db, query.order_by(Scan.scanned_at.desc()), limit=limit, offset=offset)
    return OffsetPagination(items=[scan_out(s) for s in page.items], limit=limit, offset=offset, total=page.total)
