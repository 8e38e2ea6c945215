"""Booth placement by staff: placing a partner in a booth, moving a booking to another booth, and
freeing a booth. Staff decide placement themselves, so booking windows and the competitor rule do
not apply; every change is audited and goes through the same claim on the booth's row as a
partner's (see ``claims``), so staff and partners racing for one booth are decided the same way.
"""

from __future__ import annotations

import uuid

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.expo import history
from events_app.expo.billing import cancel_and_refund
from events_app.expo.bookings import Cancellation, booking_is_live, free_booth_of
from events_app.expo.claims import Occupant, claim_is_live, free_at, lapse_unpaid_checkouts, occupy
from events_app.expo.errors import BookingEnded, BoothFree, BoothTaken, SameBooth
from events_app.expo.holds import release_hold
from events_app.expo.models import BookingStatus, Booth, BoothBooking, BoothHold, HoldStatus, Partner, PaymentMethod
from events_app.settings import Settings


async def assign_booth(
    db: AsyncSession,
    *,
    conference: Conference,
    booth: Booth,
    partner: Partner,
    actor: Principal | None,
    price_cents: int | None = None,
    note: str = "",
) -> BoothBooking:
    """Staff place a partner in a free booth (or one that partner holds): a confirmed booking, billed apart."""
    moment = now()
    booking = BoothBooking(
        id=uuid.uuid4(),
        conference_id=conference.id,
        booth_id=booth.id,
        partner_id=partner.id,
        status=BookingStatus.CONFIRMED,
        method=PaymentMethod.ASSIGNED,
        price_cents=booth.price_cents if price_cents is None else price_cents,
        currency=booth.currency,
        confirmed_at=moment,
        note=note,
    )
    previous_hold = booth.hold_id if booth.occupant_partner_id == partner.id else None
    held_by_partner = and_(Booth.occupant_partner_id == partner.id, Booth.hold_id.is_not(None))
    claim = Occupant(partner_id=partner.id, until=None, booking_id=booking.id)
    if not await occupy(db, booth.id, claim, when=or_(free_at(moment), held_by_partner)):
        raise BoothTaken(
            f"Booth {booth.code} is held or booked by another partner; release it first.", booth=booth.code
        )
    if previous_hold is not None:
        await db.execute(
            update(BoothHold)
            .where(BoothHold.id == previous_hold, BoothHold.status == HoldStatus.HELD)
            .values(status=HoldStatus.CHECKED_OUT, ended_at=moment)
            .execution_options(synchronize_session=False)
        )
    await lapse_unpaid_checkouts(db, booth_id=booth.id)
    db.add(booking)
    await history.booth_booked(
        db,
        "booth.assigned",
        booking=booking,
        actor=actor,
        booth=booth.code,
        partner_id=str(partner.id),
        price_cents=booking.price_cents,
        note=note,
    )
    await db.refresh(booking)
    return booking


async def move_booking(
    db: AsyncSession, *, conference: Conference, booking: BoothBooking, to: Booth, actor: Principal, note: str = ""
) -> BoothBooking:
    """Staff move a live booking to another free booth; the price booked stays as it was."""
    if not booking_is_live(booking):
        raise BookingEnded("Only a live booking can be moved.")
    if to.id == booking.booth_id:
        raise SameBooth("The booking is already in this booth.")
    old = await db.get_one(Booth, booking.booth_id)
    claim = Occupant(partner_id=booking.partner_id, until=old.occupied_until, booking_id=booking.id)
    if not await occupy(db, to.id, claim, when=free_at(now())):
        raise BoothTaken.of(to.code)
    await free_booth_of(db, booking)
    booking.booth_id = to.id
    await history.changed(db, "booth.moved", booking, actor=actor, from_booth=old.code, to_booth=to.code, note=note)
    await db.refresh(booking, ["booth"])
    return booking


async def release_booth(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    booth: Booth,
    actor: Principal | None,
    override_percent: int | None = None,
    note: str = "",
) -> Cancellation | None:
    """Staff free a booth: its hold ends, or its booking is cancelled and refunded as a partner's would be
    (by the date bands unless ``override_percent`` says otherwise)."""
    if not claim_is_live(booth, now()):
        raise BoothFree(f"Booth {booth.code} is already free.")
    if booth.booking_id is not None:
        booking = await db.get_one(BoothBooking, booth.booking_id)
        return await cancel_and_refund(
            db,
            settings=settings,
            conference=conference,
            booking=booking,
            actor=actor,
            override_percent=override_percent,
            note=note,
        )
    if booth.hold_id is not None:
        await release_hold(db, hold=await db.get_one(BoothHold, booth.hold_id), actor=actor)
    return None
