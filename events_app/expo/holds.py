"""Holding booths: a partner keeps a free booth for a few minutes while it checks out.

A hold is a claim on the booth's row (see ``claims``) that runs out by itself at its
``expires_at``. Per-partner rules (the booking window, how many live holds, the competitor
rule) are checked after locking the partner's row and its exclusive categories, so two of
one partner's requests, or two competitors' requests, are decided one after the other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ScalarSelect, Select, Update, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.expo import geometry, history
from events_app.expo.claims import (
    BOOTHS,
    Claim,
    Occupant,
    claim_is_live,
    claim_where,
    free_at,
    lapse_unpaid_checkouts,
    lock_row,
    lock_statement,
    occupy,
    taken_at,
)
from events_app.expo.errors import BookingNotOpen, BoothTaken, CompetitorNearby, HoldLimitReached, HoldNotFound
from events_app.expo.models import (
    Booth,
    BoothHold,
    BusinessCategory,
    ExpoSettings,
    HoldStatus,
    Partner,
    PartnerCategory,
)
from events_app.expo.partners import points_balance
from events_app.expo.rules import booking_terms


async def _check_booking_open(
    db: AsyncSession, *, conference: Conference, partner: Partner, at: datetime, cache: ConferenceCache | None
) -> ExpoSettings:
    """The expo's rules when this partner's booking window is open; refused otherwise."""
    terms = await booking_terms(db, conference=conference, cache=cache)
    window = terms.opening_window(partner, points=None)
    # The partner's points matter only while no window open by now admits it by tier or for everyone: once
    # that one is open, as for most of a booking season, holds never read them.
    if (window is None or window.opens_at > at) and terms.counts_points:
        window = terms.opening_window(partner, await points_balance(db, partner_id=partner.id))
    if window is None or terms.rules is None:
        raise BookingNotOpen("No booking window of this conference includes your partnership yet.", opens_at=None)
    if window.opens_at > at:
        raise BookingNotOpen(
            f"Your booking window ({window.name or 'general'}) opens at {window.opens_at.isoformat()}.",
            opens_at=window.opens_at.isoformat(),
        )
    return terms.rules


def _exclusive(partner: Partner, settings: ExpoSettings) -> dict[uuid.UUID, BusinessCategory]:
    """The partner's categories that keep competitors apart here (none when the expo sets no distance)."""
    if settings.competitor_distance_ft <= 0:
        return {}
    return {c.id: c for c in partner.categories if c.exclusive}


@cache
def _competitors_near() -> Select[str, list[list[float]], uuid.UUID]:
    """The other booths of the hall (``in_hall``) taken at ``at`` by partners in one of ``categories``, with the
    category: built once, as the hold's other statements are."""
    return (
        select(Booth.code, Booth.shape, PartnerCategory.category_id)
        .join(PartnerCategory, PartnerCategory.partner_id == Booth.occupant_partner_id)
        .where(
            Booth.conference_id == bindparam("in_conference"),
            Booth.hall_id == bindparam("in_hall"),
            Booth.id != bindparam("not_booth"),
            Booth.occupant_partner_id != bindparam("of_partner"),
            PartnerCategory.category_id.in_(bindparam("categories", expanding=True)),
            taken_at(bindparam("at")),
        )
    )


async def _check_competitors(
    db: AsyncSession, *, conference: Conference, partner: Partner, booth: Booth, settings: ExpoSettings, at: datetime
) -> None:
    if not (exclusive := _exclusive(partner, settings)):
        return
    # One at a time in id order, so two partners locking overlapping sets never deadlock.
    for category_id in sorted(exclusive):
        await lock_row(db, BusinessCategory, category_id)
    rows = await db.execute(
        _competitors_near(),
        {
            "in_conference": conference.id,
            "in_hall": booth.hall_id,
            "not_booth": booth.id,
            "of_partner": partner.id,
            "categories": list(exclusive),
            "at": at,
        },
    )
    nearest: tuple[float, str, uuid.UUID] | None = None
    for code, shape, category_id in rows:
        if geometry.bounds_gap(booth.shape, shape) >= settings.competitor_distance_ft:
            continue  # far enough apart by their bounding boxes: the exact distance can only be larger
        gap = geometry.distance(booth.shape, shape)
        if gap < settings.competitor_distance_ft and (nearest is None or gap < nearest[0]):
            nearest = (gap, code, category_id)
    if nearest is not None:
        gap, other_code, category_id = nearest
        category = exclusive[category_id].name
        raise CompetitorNearby(
            f"Booth {booth.code} is {gap:.0f} ft from booth {other_code}, taken by another partner in "
            f"{category}, an exclusive category: competitors must be at least "
            f"{settings.competitor_distance_ft:g} ft apart.",
            competitor_booth=other_code,
            category=category,
            distance_ft=round(gap, 1),
            required_ft=settings.competitor_distance_ft,
        )


@dataclass(frozen=True, slots=True)
class HeldBooth:
    hold: BoothHold
    booth: Booth


# Built once, with bind parameters: the alias alone, made per request, was a sixth of a hold's profile.
# Parameters: ``in_conference``, ``of_partner`` and ``at``.
@cache
def _live_holds() -> ScalarSelect[int]:
    """How many booths the partner holds at ``at`` (a booked booth is not a hold)."""
    held = BOOTHS.alias()
    return (
        select(func.count())
        .where(
            held.c.conference_id == bindparam("in_conference"),
            held.c.occupant_partner_id == bindparam("of_partner"),
            held.c.hold_id.is_not(None),
            held.c.occupied_until > bindparam("at"),
        )
        .scalar_subquery()
    )


@cache
def _lock_partner() -> Update:
    """The partner's row lock (``lock_row``), returning how many booths it holds at ``at``."""
    return lock_statement(Partner).returning(_live_holds())


@cache
def _hold_claim() -> Claim:
    """The claim made where the booth is free and the partner holds fewer than ``most_holds``."""
    return claim_where(and_(free_at(bindparam("at")), _live_holds() < bindparam("most_holds")))


@cache
def _refusal_reasons() -> Select[uuid.UUID | None, uuid.UUID | None, datetime | None, int]:
    """Who has the booth (``of_booth``) now and how many booths the partner holds, to tell refusals apart."""
    return select(
        Booth.occupant_partner_id, Booth.hold_id, Booth.occupied_until, _live_holds().label("live_holds")
    ).where(Booth.id == bindparam("of_booth"))


async def _refusal(
    db: AsyncSession, *, booth: Booth, partner: Partner, settings: ExpoSettings, counted: dict[str, Any], at: datetime
) -> HeldBooth | None:
    """Why the partner cannot hold the booth, read now: raises ``HoldLimitReached`` or ``BoothTaken``, or returns
    the partner's own live hold of it (a twin request's); None when it is free and within the limit after all."""
    now_read = (await db.execute(_refusal_reasons(), counted | {"of_booth": booth.id})).one()
    if now_read.live_holds >= settings.max_live_holds:
        raise HoldLimitReached.of(now_read.live_holds, limit=settings.max_live_holds)
    if not claim_is_live(now_read, at):
        return None
    # The same partner's twin request may have held it a moment ago: that hold is the answer.
    if (
        now_read.occupant_partner_id == partner.id
        and now_read.hold_id is not None
        and now_read.occupied_until is not None
    ):
        return HeldBooth(hold=await db.get_one(BoothHold, now_read.hold_id), booth=booth)
    raise BoothTaken.of(booth.code)


async def _held_by(db: AsyncSession, booth: Booth, partner: Partner, *, at: datetime) -> HeldBooth | None:
    """The partner's live hold of this booth, as the booth row was read."""
    if booth.occupant_partner_id != partner.id or booth.hold_id is None or booth.occupied_until is None:
        return None
    if booth.occupied_until <= at:
        return None
    return HeldBooth(hold=await db.get_one(BoothHold, booth.hold_id), booth=booth)


async def hold_booth(
    db: AsyncSession,
    *,
    conference: Conference,
    partner: Partner,
    booth: Booth,
    actor: Principal | None,
    cache: ConferenceCache | None = None,
) -> HeldBooth:
    """Holds a free booth for the conference's hold time; raises ``BoothTaken`` when someone else has it.

    With a ``cache`` the conference's booking terms are kept per process."""
    moment = now()
    settings = await _check_booking_open(db, conference=conference, partner=partner, at=moment, cache=cache)
    if (again := await _held_by(db, booth, partner, at=moment)) is not None:  # holding again: the one hold
        return again
    counted = {"in_conference": conference.id, "of_partner": partner.id, "at": moment}
    # Read as someone else's, and no competitor rule to answer first: refused as the row was read, this
    # request's moment (a release committed since comes after it), without the partner's lock, the claim or
    # a second read: three statements fewer on the path most of a rush takes.
    if claim_is_live(booth, moment) and not _exclusive(partner, settings):
        raise BoothTaken.of(booth.code)
    # The partner's row lock puts its holds in line. The claim below is the next statement, so on
    # PostgreSQL it reads with a snapshot taken after the wait and counts the holds committed meanwhile.
    # The count the lock returns may predate its wait: at the limit it is still a true refusal (this request
    # orders before a release it waited for), and it spares the rule, the claim and the refusal's read; below
    # the limit it proves nothing, and the claim counts again.
    held = await db.scalar(_lock_partner(), counted | {"row": partner.id})
    if held is not None and held >= settings.max_live_holds:
        raise HoldLimitReached.of(held, limit=settings.max_live_holds)
    await _check_competitors(db, conference=conference, partner=partner, booth=booth, settings=settings, at=moment)
    hold = BoothHold(
        id=uuid.uuid4(),
        conference_id=conference.id,
        booth_id=booth.id,
        partner_id=partner.id,
        held_by_user_id=actor.user_id if actor else None,
        expires_at=moment + timedelta(minutes=settings.hold_minutes),
    )
    claim = Occupant(partner_id=partner.id, until=hold.expires_at, hold_id=hold.id)
    if not await occupy(
        db, booth.id, claim, when=_hold_claim(), params=counted | {"most_holds": settings.max_live_holds}
    ):
        # Only a refusal pays for telling its reasons apart, in one more statement.
        if twin := await _refusal(db, booth=booth, partner=partner, settings=settings, counted=counted, at=moment):
            return twin
        # Freed between the claim and this read: the claim's answer stands.
        raise BoothTaken.of(booth.code)
    # The booth was read before the claim: a booking that appeared since would have made the claim fail.
    if booth.booking_id is not None:
        await lapse_unpaid_checkouts(db, booth_id=booth.id)
    db.add(hold)
    await history.booth_changed(
        db,
        "booth.held",
        booth_id=booth.id,
        conference_id=conference.id,
        actor=actor,
        booth=booth.code,
        partner_id=str(partner.id),
        expires_at=hold.expires_at.isoformat(),
    )
    return HeldBooth(hold=hold, booth=booth)


async def get_hold(
    db: AsyncSession, *, conference: Conference, hold_id: uuid.UUID, partner: Partner | None
) -> BoothHold:
    """A hold of this conference; ``partner`` limits it to that partner's (others' look missing)."""
    hold = await db.get(BoothHold, hold_id)
    if hold is None or hold.conference_id != conference.id or (partner is not None and hold.partner_id != partner.id):
        raise HoldNotFound("There is no hold with this id.")
    return hold


def hold_is_live(hold: BoothHold, at: datetime | None = None) -> bool:
    return hold.status == HoldStatus.HELD and hold.expires_at > (at or now())


async def live_holds(db: AsyncSession, *, conference: Conference, partner: Partner) -> list[tuple[BoothHold, Booth]]:
    rows = await db.execute(
        select(BoothHold, Booth)
        .join(Booth, Booth.id == BoothHold.booth_id)
        .where(
            BoothHold.conference_id == conference.id,
            BoothHold.partner_id == partner.id,
            BoothHold.status == HoldStatus.HELD,
            BoothHold.expires_at > now(),
        )
        .order_by(BoothHold.expires_at)
    )
    return [(hold, booth) for hold, booth in rows]


async def release_hold(db: AsyncSession, *, hold: BoothHold, actor: Principal | None) -> BoothHold:
    """Ends a hold early; the booth is free at once. Releasing an ended hold changes nothing."""
    if hold.status != HoldStatus.HELD:
        return hold
    await occupy(db, hold.booth_id, None, when=Booth.hold_id == hold.id)
    hold.status = HoldStatus.RELEASED
    hold.ended_at = now()
    await history.booth_changed(
        db,
        "booth.hold_released",
        booth_id=hold.booth_id,
        conference_id=hold.conference_id,
        actor=actor,
        hold_id=str(hold.id),
    )
    return hold
