"""API of holding and booking booths: a partner's holds and their checkout, bookings and their
cancellation, and staff placing, moving and freeing booths."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.expo import billing, bookings, floorplan, holds, partners, placement
from events_app.expo.controllers.access import PARTNERS, STAFF, STAFF_OR_PARTNERS
from events_app.expo.errors import BoothMissing
from events_app.expo.models import Booth, BoothBooking, BoothHold, Partner
from events_app.expo.schemas import (
    AssignIn,
    BookingOut,
    BoothOut,
    CancellationQuoteOut,
    CheckoutIn,
    CheckoutOut,
    HoldIn,
    HoldOut,
    MoveIn,
    ReleaseIn,
)
from events_app.expo.views import booking_out, booth_now_out, cancellation_out, checkout_out, hold_out
from events_app.settings import Settings


class HoldController(Controller):
    """A partner keeps a booth for a few minutes, then books it by invoice or card."""

    @post("/holds", opt=PARTNERS, operation_id="holdBooth", status_code=201)
    async def hold(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        conference_cache: NamedDependency[ConferenceCache],
        data: JSONBody[HoldIn],
    ) -> HoldOut:
        """Holds a booth for your partner (default 30 minutes); 409 with the reason when you cannot have it."""
        if data.booth_id is not None:
            booth = await floorplan.get_booth(db_session, conference=conference, booth_id=data.booth_id)
        elif data.booth_code is not None:
            booth = await floorplan.booth_by_code(db_session, conference=conference, code=data.booth_code)
        else:
            raise BoothMissing("Name the booth by booth_id or booth_code.")
        held = await holds.hold_booth(
            db_session, conference=conference, partner=my_partner, booth=booth, actor=actor, cache=conference_cache
        )
        return hold_out(held.hold, held.booth)

    @get("/holds", opt=PARTNERS, operation_id="listMyHolds")
    async def list_holds(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
    ) -> list[HoldOut]:
        """Your partner's live holds here, soonest to expire first."""
        live = await holds.live_holds(db_session, conference=conference, partner=my_partner)
        return [hold_out(hold, booth) for hold, booth in live]

    @get("/holds/{hold_id:uuid}", opt=PARTNERS, operation_id="getMyHold")
    async def get_hold(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        hold: NamedDependency[BoothHold],
    ) -> HoldOut:
        """One of your holds, with the seconds it has left."""
        return hold_out(hold, await floorplan.get_booth(db_session, conference=conference, booth_id=hold.booth_id))

    @delete("/holds/{hold_id:uuid}", opt=PARTNERS, operation_id="releaseMyHold", status_code=200)
    async def release_hold(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        hold: NamedDependency[BoothHold],
    ) -> HoldOut:
        """Gives the booth back before the hold runs out."""
        hold = await holds.release_hold(db_session, hold=hold, actor=actor)
        return hold_out(hold, await floorplan.get_booth(db_session, conference=conference, booth_id=hold.booth_id))

    @post("/holds/{hold_id:uuid}/checkout", opt=PARTNERS, operation_id="checkoutHold", status_code=201)
    async def checkout(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        hold: NamedDependency[BoothHold],
        data: JSONBody[CheckoutIn],
    ) -> CheckoutOut:
        """Books the held booth: by invoice (reserved until paid) or by card (firm when Stripe confirms it)."""
        done = await billing.checkout_booth(
            db_session,
            settings=settings,
            conference=conference,
            partner=my_partner,
            hold=hold,
            choice=data,
            buyer=actor,
        )
        return await checkout_out(db_session, done)


class BookingController(Controller):
    """Bookings of this conference: a partner sees and cancels its own, staff see every partner's."""

    @get("/bookings", opt=STAFF_OR_PARTNERS, operation_id="listBoothBookings")
    async def list_bookings(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        partner_scope: NamedDependency[Partner | None],
        live: FromQuery[bool] = False,
    ) -> list[BookingOut]:
        """Bookings of this conference (a partner sees only its own); ``live=true`` leaves out ended ones."""
        found = await bookings.list_bookings(
            db_session, conference=conference, partner=partner_scope, include_ended=not live
        )
        return [booking_out(b) for b in found]

    @get("/bookings/{booking_id:uuid}", opt=STAFF_OR_PARTNERS, operation_id="getBoothBooking")
    async def get_booking(self, booking: NamedDependency[BoothBooking]) -> BookingOut:
        """One booking; a partner sees only its own."""
        return booking_out(booking)

    @get("/bookings/{booking_id:uuid}/cancellation", opt=STAFF_OR_PARTNERS, operation_id="quoteBoothCancellation")
    async def quote_cancellation(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        booking: NamedDependency[BoothBooking],
    ) -> CancellationQuoteOut:
        """What cancelling this booking now would refund, by the conference's date bands."""
        return cancellation_out(await bookings.quote_cancellation(db_session, conference=conference, booking=booking))

    @post("/bookings/{booking_id:uuid}/cancel", opt=PARTNERS, operation_id="cancelMyBoothBooking")
    async def cancel(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking: NamedDependency[BoothBooking],
    ) -> CancellationQuoteOut:
        """Cancels your booking; the refund follows the date bands and the booth goes back on sale."""
        cancelled = await billing.cancel_and_refund(
            db_session, settings=settings, conference=conference, booking=booking, actor=actor
        )
        return cancellation_out(cancelled)


class PlacementController(Controller):
    """Staff place partners in booths, move bookings and free booths; every change is audited."""

    @post("/booths/{booth_id:uuid}/assign", opt=STAFF, operation_id="assignBooth")
    async def assign(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booth: NamedDependency[Booth],
        data: JSONBody[AssignIn],
    ) -> BookingOut:
        """Staff place a partner in a free booth (or one it holds) as a confirmed booking; audited."""
        placed = await placement.assign_booth(
            db_session,
            conference=conference,
            booth=booth,
            partner=await partners.get_partner(db_session, partner_id=data.partner_id),
            actor=actor,
            note=data.note,
            price_cents=data.price_cents,
        )
        return booking_out(placed)

    @post("/bookings/{booking_id:uuid}/move", opt=STAFF, operation_id="moveBoothBooking")
    async def move(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking: NamedDependency[BoothBooking],
        data: JSONBody[MoveIn],
    ) -> BookingOut:
        """Staff move a booking to another free booth; audited with both booth codes."""
        to = await floorplan.get_booth(db_session, conference=conference, booth_id=data.booth_id)
        moved = await placement.move_booking(
            db_session, conference=conference, booking=booking, to=to, actor=actor, note=data.note
        )
        return booking_out(moved)

    @post("/booths/{booth_id:uuid}/release", opt=STAFF, operation_id="releaseBooth")
    async def release(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booth: NamedDependency[Booth],
        data: JSONBody[ReleaseIn],
    ) -> BoothOut:
        """Staff free a booth: its hold ends, or its booking is cancelled with the refund the bands give."""
        await placement.release_booth(
            db_session,
            settings=settings,
            conference=conference,
            booth=booth,
            actor=actor,
            override_percent=data.refund_percent,
            note=data.note,
        )
        return await booth_now_out(db_session, conference=conference, booth_id=booth.id)
