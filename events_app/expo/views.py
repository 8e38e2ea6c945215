"""Turning expo records into response shapes, shared by the API and the pages.

Where a response's fields are all the record's own, the caller converts it directly with
``msgspec.convert(record, XOut, from_attributes=True)``. The functions here are for the shapes
that add what a record does not hold itself: a balance, a booth's code on its booking, how
long a hold has left, what a viewer may see of a booth.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import User
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.shapes import shaped
from events_app.expo.billing import Checkout
from events_app.expo.bookings import Cancellation
from events_app.expo.floorplan import BoothView, booth_views
from events_app.expo.holds import hold_is_live
from events_app.expo.leads import LeadView
from events_app.expo.models import Booth, BoothBooking, BoothHold, ExpoSettings, Partner, PointsEntry
from events_app.expo.partners import points_balance, points_balances
from events_app.expo.schemas import (
    BadgeOrderOut,
    BookingOut,
    BoothOut,
    CancellationQuoteOut,
    CheckoutOut,
    ContactOut,
    ExpoSettingsOut,
    HoldOut,
    LeadOut,
    PartnerOut,
    PointsLedgerOut,
)
from events_app.expo.staff import BadgeOrder, badge_allowance


async def partner_out(db: AsyncSession, partner: Partner) -> PartnerOut:
    return shaped(PartnerOut, partner, points=await points_balance(db, partner_id=partner.id))


async def partners_out(db: AsyncSession, partners: list[Partner]) -> list[PartnerOut]:
    balances = await points_balances(db, partner_ids=[p.id for p in partners])
    return [shaped(PartnerOut, p, points=balances[p.id]) for p in partners]


def ledger_out(partner_id: uuid.UUID, entries: Sequence[PointsEntry]) -> PointsLedgerOut:
    data = {"partner_id": partner_id, "balance": sum(e.points for e in entries), "entries": entries}
    return msgspec.convert(data, PointsLedgerOut, from_attributes=True)


def contact_out(user: User, partner_id: uuid.UUID) -> ContactOut:
    return shaped(ContactOut, user, user_id=user.id, partner_id=partner_id)


def settings_out(settings: ExpoSettings) -> ExpoSettingsOut:
    # Not strict: the refund bands are stored as JSON, their dates as ISO text.
    return msgspec.convert(settings, ExpoSettingsOut, from_attributes=True, strict=False)


def booth_out(view: BoothView) -> BoothOut:
    return shaped(
        BoothOut,
        view.booth,
        hall=view.hall_code,
        status=view.status,
        exhibitor=view.exhibitor,
        held_until=view.held_until,
    )


async def booth_now_out(
    db: AsyncSession, *, conference: Conference, booth_id: uuid.UUID, viewer: Partner | None = None
) -> BoothOut:
    """One booth with its availability now, as ``viewer`` (a partner, or anyone) sees it."""
    [view] = await booth_views(db, conference=conference, viewer=viewer, booth_id=booth_id)
    return booth_out(view)


def hold_out(hold: BoothHold, booth: Booth, at: datetime | None = None) -> HoldOut:
    moment = at or now()
    live = hold_is_live(hold, moment)
    return shaped(
        HoldOut,
        hold,
        booth_code=booth.code,
        live=live,
        seconds_left=max(0, int((hold.expires_at - moment).total_seconds())) if live else 0,
        price_cents=booth.price_cents,
        currency=booth.currency,
    )


def booking_out(booking: BoothBooking) -> BookingOut:
    return shaped(
        BookingOut,
        booking,
        booth_code=booking.booth.code,
        booth_size=booking.booth.size,
        partner_name=booking.partner.name,
        badge_allowance=badge_allowance(booking.booth.area_sqft),
        payment_client_secret=None,
    )


async def checkout_out(db: AsyncSession, done: Checkout) -> CheckoutOut:
    await db.refresh(done.booking)
    hold = None
    if done.hold is not None:
        hold = hold_out(done.hold, await db.get_one(Booth, done.hold.booth_id))
    return shaped(CheckoutOut, done, booking=booking_out(done.booking), hold=hold)


def cancellation_out(cancellation: Cancellation) -> CancellationQuoteOut:
    booking = cancellation.booking
    return shaped(
        CancellationQuoteOut,
        cancellation,
        booking_id=booking.id,
        paid_cents=booking.paid_cents,
        currency=booking.currency,
    )


def badge_order_out(order: BadgeOrder) -> BadgeOrderOut:
    return shaped(
        BadgeOrderOut,
        order.purchase,
        payment_status=order.payment_status,
        message=order.message,
        client_secret=order.client_secret,
    )


def lead_out(view: LeadView) -> LeadOut:
    return shaped(
        LeadOut,
        view.lead,
        name=view.name,
        title=view.title,
        organization=view.organization,
        city=view.city,
        email=view.email,
        contact_shared=view.consented,
    )
