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
from functools import cache
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Update, and_, bindparam, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.cache import change_notice, note_change
from events_app.db import Base, table_of
from events_app.expo.models import BookingStatus, Booth, BoothBooking

BOOTH_CLAIMS = "booth-claims"  # what each process keeps that a claim changes (see ``ConferenceCache.value``)
# The claims and locks are Core statements on the tables: run through the session, an UPDATE of a mapped
# class took the ORM's bulk path, which copies the statement on every run and computes its cache key anew
# (a quarter of a millisecond of a hold's profile, per UPDATE).
BOOTHS = table_of(Booth)


@dataclass(frozen=True, slots=True)
class Occupant:
    """What a booth's row says about who has it: a hold, or a booking (``until`` None once it is firm)."""

    partner_id: uuid.UUID
    until: datetime | None
    hold_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """The UPDATE that sets a booth's occupant where a condition holds, built once: a hot caller (a hold)
    keeps its own, since building it showed in the profile. The occupant and booth are bind parameters."""

    plain: Update
    # PostgreSQL: the changed row's RETURNING sends the other processes their notice at commit.
    notifying: Update


def claim_where(when: ColumnElement[bool]) -> Claim:
    """The claim for ``when`` (which may name bind parameters of its own, given to ``occupy``)."""
    statement = (
        update(BOOTHS)
        .where(BOOTHS.c.id == bindparam("booth"), when)
        .values(
            occupant_partner_id=bindparam("occupant"),
            occupied_until=bindparam("until"),
            hold_id=bindparam("hold"),
            booking_id=bindparam("booking"),
        )
        .execution_options(synchronize_session=False)
    )
    return Claim(
        plain=statement.returning(BOOTHS.c.id), notifying=statement.returning(BOOTHS.c.id, change_notice(BOOTH_CLAIMS))
    )


async def occupy(
    db: AsyncSession,
    booth_id: uuid.UUID,
    occupant: Occupant | None,
    *,
    when: ColumnElement[bool] | Claim,
    params: Mapping[str, Any] | None = None,
) -> bool:
    """Sets who has the booth (``None``: nobody) if ``when`` holds for its row; True when this request changed it.

    ``params``: the values of the bind parameters ``when`` names.
    """
    claim = when if isinstance(when, Claim) else claim_where(when)
    notify = db.get_bind().dialect.name == "postgresql"
    values = {
        "booth": booth_id,
        "occupant": occupant.partner_id if occupant else None,
        "until": occupant.until if occupant else None,
        "hold": occupant.hold_id if occupant else None,
        "booking": occupant.booking_id if occupant else None,
    }
    changed = await db.execute(claim.notifying if notify else claim.plain, {**values, **(params or {})})
    if changed.first() is None:
        return False
    note_change(db.sync_session, BOOTH_CLAIMS, notice_sent=notify)
    return True


def free_at(at: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL: nobody has the booth at ``at`` (no occupant, or a hold or card checkout that has run out)."""
    return or_(
        BOOTHS.c.occupant_partner_id.is_(None),
        and_(BOOTHS.c.occupied_until.is_not(None), BOOTHS.c.occupied_until <= at),
    )


def taken_at(at: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL: someone has the booth at ``at``; the opposite of ``free_at``."""
    return and_(
        BOOTHS.c.occupant_partner_id.is_not(None),
        or_(BOOTHS.c.occupied_until.is_(None), BOOTHS.c.occupied_until > at),
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


@cache
def lock_statement(model: type[Base]) -> Update:
    """``lock_row``'s statement (parameter ``row``), for a lock that also returns what it needs."""
    table = table_of(model)
    return update(table).where(table.c.id == bindparam("row")).values(updated_at=table.c.updated_at)


async def lock_row(db: AsyncSession, model: type[Base], row_id: uuid.UUID) -> None:
    """Puts this transaction's later steps in line behind any other holding the row: a row lock on
    PostgreSQL, the write lock on SQLite. The row is written unchanged."""
    await db.execute(lock_statement(model), {"row": row_id})
