"""Who has a booth, decided by the database: the one conditional UPDATE that every hold, booking,
move and release of a booth goes through, and the row locks that line up one partner's requests.

Every change is ``UPDATE expo_booths SET <occupant> WHERE id = :booth AND <condition>``. To claim
a booth the condition is "nobody has it now": no occupant, or a hold or card checkout whose
``occupied_until`` has passed (a booking has none). Exactly one of any number of racing requests
(in any number of processes) changes the row; the others see a row count of 0 and are told the
booth is taken. An expired hold needs no clean-up: the next claim's condition treats it as free.
Changing one's own claim (a hold checked out, a booking paid or moved away) names that claim in
the condition, so it fails once the claim is no longer there. Every process keeps its booth lists
(``booth_list``) in the part ``BOOTH_CLAIMS`` of its conference cache: a change drops that part in
all of them at its commit, the notice riding on the UPDATE itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.cache import change_notice, note_change
from events_app.db import Base
from events_app.expo.models import BookingStatus, Booth, BoothBooking

BOOTH_CLAIMS = "booth-claims"  # what each process keeps that a claim changes (see ``ConferenceCache.value``)


@dataclass(frozen=True, slots=True)
class Occupant:
    """What a booth's row says about who has it: a hold, or a booking (``until`` None once it is firm)."""

    partner_id: uuid.UUID
    until: datetime | None
    hold_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None


async def occupy(
    db: AsyncSession,
    booth_id: uuid.UUID,
    occupant: Occupant | None,
    *,
    when: ColumnElement[bool],
    params: Mapping[str, Any] | None = None,
) -> bool:
    """Sets who has the booth (``None``: nobody) if ``when`` holds for its row; True when this request changed it.

    ``params``: the values of bind parameters ``when`` names (a hot caller builds its condition once).
    """
    claim = (
        update(Booth)
        .where(Booth.id == booth_id, when)
        .values(
            occupant_partner_id=occupant.partner_id if occupant else None,
            occupied_until=occupant.until if occupant else None,
            hold_id=occupant.hold_id if occupant else None,
            booking_id=occupant.booking_id if occupant else None,
        )
        .execution_options(synchronize_session=False)
    )
    # PostgreSQL: the changed row's RETURNING sends the other processes their notice at commit.
    notify = db.get_bind().dialect.name == "postgresql"
    notice = [change_notice(BOOTH_CLAIMS)] if notify else []
    if (await db.execute(claim.returning(Booth.id, *notice), params)).first() is None:
        return False
    note_change(db.sync_session, BOOTH_CLAIMS, notice_sent=notify)
    return True


def free_at(at: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL: nobody has the booth at ``at`` (no occupant, or a hold or card checkout that has run out)."""
    return or_(
        Booth.occupant_partner_id.is_(None),
        and_(Booth.occupied_until.is_not(None), Booth.occupied_until <= at),
    )


def taken_at(at: datetime) -> ColumnElement[bool]:
    """SQL: someone has the booth at ``at``; the opposite of ``free_at``."""
    return and_(
        Booth.occupant_partner_id.is_not(None),
        or_(Booth.occupied_until.is_(None), Booth.occupied_until > at),
    )


class Claimable(Protocol):
    @property
    def occupant_partner_id(self) -> uuid.UUID | None: ...
    @property
    def occupied_until(self) -> datetime | None: ...


def claim_is_live(booth: Claimable, at: datetime) -> bool:
    """Whether anyone has the booth at ``at``, read from a loaded row: ``taken_at`` in Python."""
    return booth.occupant_partner_id is not None and (booth.occupied_until is None or booth.occupied_until > at)


async def lapse_unpaid_checkouts(db: AsyncSession, *, booth_id: uuid.UUID) -> None:
    """A card checkout that ran out before its payment arrived loses the booth for good once another claims it."""
    await db.execute(
        update(BoothBooking)
        .where(BoothBooking.booth_id == booth_id, BoothBooking.status == BookingStatus.PENDING_PAYMENT)
        .values(status=BookingStatus.LAPSED)
        .execution_options(synchronize_session=False)
    )


async def lock_row(db: AsyncSession, model: type[Base], row_id: uuid.UUID) -> None:
    """Puts this transaction's later steps in line behind any other holding the row: a row lock on
    PostgreSQL, the write lock on SQLite. The row is written unchanged."""
    await db.execute(
        update(model)
        .where(model.id == row_id)
        .values(updated_at=model.updated_at)
        .execution_options(synchronize_session=False)
    )
