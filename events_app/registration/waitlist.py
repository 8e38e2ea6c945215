"""Waitlists of sold-out types: people join in turn; a freed seat is offered by mail, for a limited time.

A live offer holds its seat (``capacity.live_offer``), so nobody else can take it while
the person decides. When the offer runs out it simply stops counting; the sweep (run by
every app process, safe in several at once) marks it lapsed and offers the seat to the
next person. Cancellations and voided invoices offer their seats at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from events_app.conferences.models import Conference
from events_app.core import signing
from events_app.core.clock import now
from events_app.db import make_session_maker
from events_app.registration import capacity, mail
from events_app.registration.errors import AlreadyWaiting, NoWaitlist, OfferExpired, OfferNotFound, SeatsAvailable
from events_app.registration.models import (
    Order,
    OrderStatus,
    RegistrationType,
    Visibility,
    WaitlistEntry,
    WaitlistStatus,
)
from events_app.registration.schemas import WaitlistIn
from events_app.settings import Settings

log = structlog.get_logger(__name__)

OFFER_HOURS = 48
OFFER_PURPOSE = "registration.waitlist-offer"


async def join_waitlist(db: AsyncSession, *, conference: Conference, data: WaitlistIn) -> WaitlistEntry:
    """Puts a person in line for a sold-out public type (one place per person and type)."""
    t = await db.get(RegistrationType, data.registration_type_id)
    if t is None or t.conference_id != conference.id or not t.active or t.visibility != Visibility.PUBLIC:
        raise NoWaitlist("There is no waitlist for this registration type.")
    if t.capacity is None:
        raise SeatsAvailable(f"{t.name} has no limit: register instead.")
    taken = (await capacity.seats_taken(db, type_ids=[t.id], moment=now()))[t.id]
    waiting = await db.scalar(
        select(func.count())
        .select_from(WaitlistEntry)
        .where(WaitlistEntry.registration_type_id == t.id, WaitlistEntry.status == WaitlistStatus.WAITING)
    )
    if taken < t.capacity and not waiting:
        raise SeatsAvailable(f"{t.name} still has seats: register instead.")
    email = data.email.strip().lower()
    existing = await db.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.registration_type_id == t.id,
            WaitlistEntry.email == email,
            WaitlistEntry.status.in_((WaitlistStatus.WAITING, WaitlistStatus.OFFERED)),
        )
    )
    if existing is not None:
        raise AlreadyWaiting(f"{email} is already on the waitlist for {t.name}.")
    entry = WaitlistEntry(conference_id=conference.id, registration_type_id=t.id, name=data.name.strip(), email=email)
    try:
        async with db.begin_nested():
            db.add(entry)
    except IntegrityError as exc:  # the same person joining twice at the same moment
        raise AlreadyWaiting(f"{email} is already on the waitlist for {t.name}.") from exc
    return entry


async def entries(
    db: AsyncSession, *, type_id: uuid.UUID | None = None, conference_id: uuid.UUID | None = None
) -> list[WaitlistEntry]:
    """A type's waitlist, or every waitlist of a conference type by type, in line order."""
    query = (
        select(WaitlistEntry)
        .order_by(WaitlistEntry.registration_type_id, WaitlistEntry.created_at)
        .execution_options(populate_existing=True)
    )
    if type_id is not None:
        query = query.where(WaitlistEntry.registration_type_id == type_id)
    if conference_id is not None:
        query = query.where(WaitlistEntry.conference_id == conference_id)
    return list(await db.scalars(query))


async def place_in_line(db: AsyncSession, *, entry: WaitlistEntry) -> int | None:
    """1 for the next person to be offered a seat; None once the entry is no longer waiting."""
    if entry.status != WaitlistStatus.WAITING:
        return None
    ahead = await db.scalar(
        select(func.count())
        .select_from(WaitlistEntry)
        .where(
            WaitlistEntry.registration_type_id == entry.registration_type_id,
            WaitlistEntry.status == WaitlistStatus.WAITING,
            WaitlistEntry.created_at < entry.created_at,
        )
    )
    return (ahead or 0) + 1


def claim_url(settings: Settings, *, conference: Conference, entry: WaitlistEntry) -> str:
    token = signing.sign(
        settings.secret_key, purpose=OFFER_PURPOSE, payload=str(entry.id), expires_in=OFFER_HOURS * 3600
    )
    return f"{settings.base_url}/c/{conference.slug}/register?offer={token}"


async def offer_from_token(db: AsyncSession, *, settings: Settings, token: str, at: datetime) -> WaitlistEntry:
    """The live waitlist offer a claim link stands for; ``offer-expired`` (409) once it has run out."""
    entry_id = signing.unsign(settings.secret_key, purpose=OFFER_PURPOSE, token=token)
    entry = await db.get(WaitlistEntry, uuid.UUID(entry_id))
    if entry is None:
        raise OfferNotFound("This waitlist offer does not exist.")
    if entry.status != WaitlistStatus.OFFERED or entry.offer_expires_at is None or entry.offer_expires_at <= at:
        raise OfferExpired("This waitlist offer has run out or was already used.")
    return entry


async def offer_free_seats(
    db: AsyncSession, *, settings: Settings, type_ids: Iterable[uuid.UUID] | None = None, at: datetime | None = None
) -> list[WaitlistEntry]:
    """Offers each free seat of these types (default: every type with people waiting) to the next in line."""
    moment = at or now()
    query = select(WaitlistEntry.registration_type_id).where(WaitlistEntry.status == WaitlistStatus.WAITING).distinct()
    if type_ids is not None:
        query = query.where(WaitlistEntry.registration_type_id.in_(list(type_ids)))
    offered: list[WaitlistEntry] = []
    for type_id in sorted(await db.scalars(query)):
        t = await db.get_one(RegistrationType, type_id)
        if t.capacity is None:
            continue
        # It may offer every seat: the counter says so to checkouts that count without the lock.
        await capacity.lock_types(db, {type_id: t.capacity})
        free = t.capacity - (await capacity.seats_taken(db, type_ids=[type_id], moment=moment))[type_id]
        if free <= 0:
            continue
        entries = list(
            await db.scalars(
                select(WaitlistEntry)
                .where(WaitlistEntry.registration_type_id == type_id, WaitlistEntry.status == WaitlistStatus.WAITING)
                .order_by(WaitlistEntry.created_at)
                .limit(free)
            )
        )
        conference = await db.get_one(Conference, t.conference_id)
        for entry in entries:
            entry.status = WaitlistStatus.OFFERED
            entry.offered_at = moment
            entry.offer_expires_at = moment + timedelta(hours=OFFER_HOURS)
            await mail.send_waitlist_offer(
                db,
                settings=settings,
                conference=conference,
                entry=entry,
                type_name=t.name,
                claim_url=claim_url(settings, conference=conference, entry=entry),
            )
            offered.append(entry)
        await db.flush()
    return offered


async def withdraw(db: AsyncSession, *, entry: WaitlistEntry) -> None:
    """The person no longer wants a seat; a live offer's seat goes to the next in line at the next sweep."""
    if entry.status in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
        entry.status = WaitlistStatus.WITHDRAWN
        await db.flush()


@dataclass(frozen=True, slots=True)
class SweepReport:
    expired_orders: int
    lapsed_offers: int
    new_offers: int


async def sweep(db: AsyncSession, *, settings: Settings, at: datetime | None = None) -> SweepReport:
    """Tidies what time already decided (expired holds, lapsed offers) and offers the freed seats.

    Correctness never depends on it: expired holds and offers stopped counting on their own.
    """
    moment = at or now()
    expired = await db.execute(
        update(Order)
        .where(Order.status == OrderStatus.PENDING, Order.hold_expires_at <= moment)
        .values(status=OrderStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    lapsed = await db.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.status == WaitlistStatus.OFFERED, WaitlistEntry.offer_expires_at <= moment)
        .values(status=WaitlistStatus.LAPSED)
        .execution_options(synchronize_session=False)
    )
    offers = await offer_free_seats(db, settings=settings, at=moment)
    return SweepReport(
        expired_orders=expired.rowcount,  # type: ignore[attr-defined]
        lapsed_offers=lapsed.rowcount,  # type: ignore[attr-defined]
        new_offers=len(offers),
    )


async def sweep_once(engine: AsyncEngine, settings: Settings) -> SweepReport:
    """One sweep in its own transaction (the app runs this every minute)."""
    async with make_session_maker(engine)() as db, db.begin():
        return await sweep(db, settings=settings)
