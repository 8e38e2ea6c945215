"""Turning expo records into response shapes; shared by the API and the pages."""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.clock import now
from events_app.expo import service
from events_app.expo.billing import Checkout
from events_app.expo.booking import badge_allowance, hold_is_live
from events_app.expo.floorplan import BoothView
from events_app.expo.leads import LeadView
from events_app.expo.models import BookingWindow, Booth, BoothBooking, BoothHold, BoothStaffMember, Partner, PointsEntry
from events_app.expo.schemas import (
    BookingOut,
    BoothOut,
    CategoryOut,
    CheckoutOut,
    HoldOut,
    LeadOut,
    PartnerOut,
    PointsEntryOut,
    StaffOut,
    TierOut,
    WindowOut,
)


def partner_out(partner: Partner, points: int) -> PartnerOut:
    return PartnerOut(
        id=partner.id,
        slug=partner.slug,
        name=partner.name,
        tier=msgspec.convert(partner.tier, TierOut, from_attributes=True),
        categories=[msgspec.convert(c, CategoryOut, from_attributes=True) for c in partner.categories],
        website=partner.website,
        billing_email=partner.billing_email,
        years_exhibited=partner.years_exhibited,
        active=partner.active,
        points=points,
    )


async def partners_out(db: AsyncSession, partners: list[Partner]) -> list[PartnerOut]:
    balances = await service.points_balances(db, partner_ids=[p.id for p in partners])
    return [partner_out(p, balances[p.id]) for p in partners]


def entry_out(entry: PointsEntry) -> PointsEntryOut:
    return msgspec.convert(entry, PointsEntryOut, from_attributes=True)


def window_out(window: BookingWindow) -> WindowOut:
    return msgspec.convert(window, WindowOut, from_attributes=True)


def booth_out(view: BoothView) -> BoothOut:
    b = view.booth
    return BoothOut(
        id=b.id,
        code=b.code,
        hall=view.hall_code,
        size=b.size,
        width_ft=b.width_ft,
        depth_ft=b.depth_ft,
        area_sqft=b.area_sqft,
        kind=b.kind,
        price_cents=b.price_cents,
        currency=b.currency,
        features=list(b.features),
        status=view.status,
        exhibitor=view.exhibitor,
        held_until=view.held_until,
    )


def hold_out(hold: BoothHold, booth: Booth, at: datetime | None = None) -> HoldOut:
    moment = at or now()
    live = hold_is_live(hold, moment)
    return HoldOut(
        id=hold.id,
        booth_id=booth.id,
        booth_code=booth.code,
        partner_id=hold.partner_id,
        status=hold.status,
        live=live,
        expires_at=hold.expires_at,
        seconds_left=max(0, int((hold.expires_at - moment).total_seconds())) if live else 0,
        price_cents=booth.price_cents,
        currency=booth.currency,
    )


def booking_out(booking: BoothBooking, *, client_secret: str | None = None) -> BookingOut:
    return BookingOut(
        id=booking.id,
        booth_id=booking.booth_id,
        booth_code=booking.booth.code,
        booth_size=booking.booth.size,
        partner_id=booking.partner_id,
        partner_name=booking.partner.name,
        status=booking.status,
        method=booking.method,
        price_cents=booking.price_cents,
        currency=booking.currency,
        paid_cents=booking.paid_cents,
        refunded_cents=booking.refunded_cents,
        created_at=booking.created_at,
        confirmed_at=booking.confirmed_at,
        cancelled_at=booking.cancelled_at,
        pay_by=booking.pay_by,
        badge_allowance=badge_allowance(booking.booth.area_sqft),
        payment_id=booking.payment_id,
        payment_client_secret=client_secret,
    )


async def checkout_out(db: AsyncSession, done: Checkout) -> CheckoutOut:
    await db.refresh(done.booking)
    hold = None
    if done.hold is not None:
        hold = hold_out(done.hold, await db.get_one(Booth, done.hold.booth_id))
    return CheckoutOut(
        booking=booking_out(done.booking),
        payment_status=done.payment_status,
        message=done.message,
        client_secret=done.client_secret,
        hold=hold,
    )


def staff_out(member: BoothStaffMember) -> StaffOut:
    return msgspec.convert(member, StaffOut, from_attributes=True)


def lead_out(view: LeadView) -> LeadOut:
    lead = view.lead
    return LeadOut(
        id=lead.id,
        attendee_id=lead.attendee_id,
        name=view.name,
        title=view.title,
        organization=view.organization,
        city=view.city,
        email=view.email,
        contact_shared=view.consented,
        first_scanned_at=lead.first_scanned_at,
        scanned_at=lead.scanned_at,
        scanned_by=lead.scanned_by,
        scans=lead.scans,
        notes=lead.notes,
        rating=lead.rating,
    )
