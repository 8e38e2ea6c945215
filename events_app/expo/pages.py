"""The expo's pages: the interactive floor plan (everyone; partners hold and book from it) and the
partner dashboard (bookings, invoices, booth staff, leads).

Forms post and redirect, so every step works without JavaScript; the page's script adds
clicking booths on the plan, the filters and the hold countdown on top.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Response, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.errors import DomainError
from events_app.core.money import Money
from events_app.expo import billing, booking, floorplan, leads, service, staff
from events_app.expo.controllers import leads_download
from events_app.expo.errors import BoothNotFound, StaffNameMissing
from events_app.expo.models import FloorArea, Partner, PaymentMethod
from events_app.payments import service as payments
from events_app.settings import Settings

PARTNERS = allow(Role.PARTNER)

NOTICES = {
    "held": "The booth is yours for now: book it before the countdown runs out.",
    "released": "The hold is released; the booth is back on sale.",
    "invoiced": "Booked. The invoice is on its way; the booth is yours until it is paid.",
    "card-processing": "Booked. We are confirming your card payment; this page shows it once Stripe does.",
    "cancelled": "The booking is cancelled and the booth is back on sale.",
    "staff-named": "Registered: the badge is on its way to them.",
    "lead-saved": "Lead saved.",
}


class HoldForm(msgspec.Struct):
    booth_id: str = ""


class StaffForm(msgspec.Struct):
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    title: str = ""


class ScanForm(msgspec.Struct):
    badge: str = ""
    notes: str = ""
    rating: str = ""


class CheckoutForm(msgspec.Struct):
    method: str = "invoice"
    po_number: str = ""
    payment_method_id: str = ""


def _money(cents: int, currency: str = "USD") -> str:
    return str(Money(cents, currency))


async def _partner_for(db: AsyncSession, principal: Principal | None) -> Partner | None:
    if principal is None or principal.role != Role.PARTNER:
        return None
    partner = await service.partner_for_user(db, user_id=principal.user_id)
    return partner if partner is not None and partner.active else None


async def _plan_context(
    db: AsyncSession, request: Request[Any, Any, Any], conference: Conference, principal: Principal | None
) -> dict[str, Any]:
    settings: Settings = request.app.state["settings"]
    partner = await _partner_for(db, principal)
    views = await floorplan.booth_views(db, conference=conference, viewer_partner_id=partner.id if partner else None)
    halls = await floorplan.list_halls(db, conference=conference)
    areas = list(
        await db.scalars(
            select(FloorArea).where(FloorArea.hall_id.in_([h.id for h in halls])).order_by(*floorplan.AREA_ORDER)
        )
    )
    drawings = []
    for hall in halls:
        drawings.append(
            (
                hall,
                floorplan.render_hall_svg(
                    hall,
                    [a for a in areas if a.hall_id == hall.id],
                    [v for v in views if v.hall_code == hall.code],
                    title=f"{conference.name}: {hall.name}",
                ),
            )
        )
    access = None
    holds: list[Any] = []
    if partner is not None:
        opens_at, window, points = await service.booking_opens_for(db, conference=conference, partner=partner)
        access = {
            "opens_at": opens_at,
            "window": window.name if window else None,
            "points": points,
            "open_now": opens_at is not None and opens_at <= now(),
        }
        holds = await booking.live_holds(db, conference=conference, partner=partner)
    prices = sorted({v.booth.price_cents for v in views})
    return {
        "conference": conference,
        "principal": principal,
        "partner": partner,
        "access": access,
        "holds": holds,
        "views": views,
        "drawings": drawings,
        "sizes": sorted({v.booth.size for v in views}, key=lambda s: [float(n) for n in s.split("x")]),
        "price_steps": prices,
        "money": _money,
        "counts": {s: sum(1 for v in views if v.status.endswith(s)) for s in ("available", "held", "booked")},
        "card_enabled": payments.card_payments_enabled(settings),
        "stripe_publishable_key": settings.stripe_publishable_key,
        "stripe_js_url": settings.stripe_js_url,
        "now": now(),
    }


class ExpoPages(Controller):
    include_in_schema = False

    @get("/c/{slug:str}/expo", media_type=MediaType.HTML, name="conference-expo", opt=PUBLIC)
    async def floor_plan(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        notice: FromQuery[str | None] = None,
    ) -> Template:
        context = await _plan_context(db_session, request, conference, principal)
        context["notice"] = NOTICES.get(notice or "")
        return Template("expo/floor_plan.html", context=context)

    async def _refuse(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        conference: Conference,
        principal: Principal,
        error: DomainError,
    ) -> Template:
        """The floor plan again, with the reason the step was refused at the top."""
        await db.rollback()  # nothing of the refused step is kept; reload what the page shows
        await db.refresh(conference)
        context = await _plan_context(db, request, conference, principal)
        context["error"] = error.detail
        return Template("expo/floor_plan.html", context=context, status_code=error.status)

    @post("/c/{slug:str}/expo/holds", media_type=MediaType.HTML, status_code=303, opt=PARTNERS)
    async def hold(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[HoldForm],
    ) -> Redirect | Template:
        try:
            partner = await service.partner_of(db_session, principal)
            booth = await floorplan.get_booth(db_session, conference=conference, booth_id=_uuid(data.booth_id))
            await booking.hold_booth(db_session, conference=conference, partner=partner, booth=booth, actor=principal)
        except DomainError as error:
            return await self._refuse(request, db_session, conference, principal, error)
        return Redirect(f"/c/{conference.slug}/expo?notice=held#your-holds", status_code=303)

    @post("/c/{slug:str}/expo/holds/{hold_id:uuid}/release", media_type=MediaType.HTML, status_code=303, opt=PARTNERS)
    async def release(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        hold_id: FromPath[uuid.UUID],
    ) -> Redirect | Template:
        try:
            partner = await service.partner_of(db_session, principal)
            hold = await booking.get_hold(db_session, conference=conference, hold_id=hold_id, partner=partner)
            await booking.release_hold(db_session, hold=hold, actor=principal)
        except DomainError as error:
            return await self._refuse(request, db_session, conference, principal, error)
        return Redirect(f"/c/{conference.slug}/expo?notice=released", status_code=303)

    @post("/c/{slug:str}/expo/holds/{hold_id:uuid}/checkout", media_type=MediaType.HTML, status_code=303, opt=PARTNERS)
    async def checkout(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        hold_id: FromPath[uuid.UUID],
        data: URLEncodedBody[CheckoutForm],
    ) -> Redirect | Template:
        try:
            partner = await service.partner_of(db_session, principal)
            hold = await booking.get_hold(db_session, conference=conference, hold_id=hold_id, partner=partner)
            method = PaymentMethod.CARD if data.method == "card" else PaymentMethod.INVOICE
            done = await billing.checkout_booth(
                db_session,
                settings=settings,
                conference=conference,
                partner=partner,
                hold=hold,
                method=method,
                payment_method_id=data.payment_method_id or None,
                po_number=data.po_number.strip()[:100],
                buyer_email=principal.email,
                actor=principal,
            )
        except DomainError as error:
            return await self._refuse(request, db_session, conference, principal, error)
        if done.payment_status == "failed":
            context = await _plan_context(db_session, request, conference, principal)
            context["error"] = f"The card was not accepted: {done.message} Your hold is kept; try another card."
            # 200, not 402: the declined attempt and the returned hold are kept (committed).
            return Template("expo/floor_plan.html", context=context)
        if done.payment_status == "requires_action":
            booth = await floorplan.get_booth(db_session, conference=conference, booth_id=done.booking.booth_id)
            context = {
                "conference": conference,
                "principal": principal,
                "booth_code": booth.code,
                "client_secret": done.client_secret,
                "stripe_js_url": settings.stripe_js_url,
                "stripe_publishable_key": settings.stripe_publishable_key,
            }
            return Template("expo/confirm_card.html", context=context)
        notice = "invoiced" if done.payment_status == "invoiced" else "card-processing"
        return Redirect(f"/c/{conference.slug}/expo/dashboard?notice={notice}", status_code=303)

    @get("/c/{slug:str}/expo/dashboard", media_type=MediaType.HTML, name="expo-dashboard", opt=PARTNERS)
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        notice: FromQuery[str | None] = None,
    ) -> Template:
        return await self._dashboard(request, db_session, principal, conference, notice=notice)

    async def _dashboard(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        principal: Principal,
        conference: Conference,
        *,
        notice: str | None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Template:
        partner = await service.partner_of(db_session, principal)
        bookings = await booking.list_bookings(db_session, conference=conference, partner=partner)
        invoices = {}
        for found in bookings:
            if found.payment_id:
                payment = await payments.get_payment(db_session, payment_id=uuid.UUID(found.payment_id))
                if payment.invoice is not None:
                    invoices[found.id] = (
                        payment.invoice,
                        payments.invoice_url(request.app.state["settings"], invoice=payment.invoice),
                    )
        crews = {}
        for found in bookings:
            if found.status in staff.STAFFABLE and booking.booking_is_live(found):
                crews[found.id] = (
                    await staff.badges_of(db_session, booking=found),
                    await staff.list_staff(db_session, booking=found),
                )
        context = {
            "conference": conference,
            "principal": principal,
            "partner": partner,
            "crews": crews,
            "leads": await leads.list_leads(db_session, conference=conference, partner=partner),
            "error": error,
            "points": await service.points_balance(db_session, partner_id=partner.id),
            "ledger": await service.ledger(db_session, partner_id=partner.id),
            "bookings": bookings,
            "live": {b.id for b in bookings if booking.booking_is_live(b)},
            "allowance": booking.badge_allowance,
            "invoices": invoices,
            "holds": await booking.live_holds(db_session, conference=conference, partner=partner),
            "money": _money,
            "notice": NOTICES.get(notice or ""),
        }
        return Template("expo/dashboard.html", context=context, status_code=status_code)

    @post(
        "/c/{slug:str}/expo/bookings/{booking_id:uuid}/staff", media_type=MediaType.HTML, status_code=303, opt=PARTNERS
    )
    async def name_staff(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking_id: FromPath[uuid.UUID],
        data: URLEncodedBody[StaffForm],
    ) -> Redirect | Template:
        try:
            partner = await service.partner_of(db_session, principal)
            found = await booking.get_booking(db_session, conference=conference, booking_id=booking_id, partner=partner)
            if not (data.first_name.strip() and data.last_name.strip()):
                raise StaffNameMissing("Give the staff member's first and last name.")
            await staff.name_staff(
                db_session,
                settings=settings,
                conference=conference,
                booking=found,
                partner=partner,
                first_name=data.first_name[:100],
                last_name=data.last_name[:100],
                email=data.email[:320],
                title=data.title[:200],
                actor=principal,
            )
        except DomainError as error:
            await db_session.rollback()
            await db_session.refresh(conference)  # the rollback expired it
            return await self._dashboard(
                request,
                db_session,
                principal,
                conference,
                notice=None,
                error=error.detail,
                status_code=error.status,
            )
        return Redirect(f"/c/{conference.slug}/expo/dashboard?notice=staff-named#staff", status_code=303)

    @post("/c/{slug:str}/expo/leads/scans", media_type=MediaType.HTML, status_code=303, opt=PARTNERS)
    async def scan_lead(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[ScanForm],
    ) -> Redirect | Template:
        """A handheld scanner types the badge into the focused field and presses Enter: one lead per visitor."""
        try:
            partner = await service.partner_of(db_session, principal)
            rating = int(data.rating) if data.rating.strip().isdigit() else None
            await leads.scan_badge(
                db_session,
                conference=conference,
                partner=partner,
                badge=data.badge[:400],
                scanned_by=principal,
                notes=data.notes[:4000] or None,
                rating=rating if rating is not None and 1 <= rating <= 5 else None,
            )
        except DomainError as error:
            await db_session.rollback()
            await db_session.refresh(conference)  # the rollback expired it
            return await self._dashboard(
                request,
                db_session,
                principal,
                conference,
                notice=None,
                error=error.detail,
                status_code=error.status,
            )
        return Redirect(f"/c/{conference.slug}/expo/dashboard?notice=lead-saved#leads", status_code=303)

    @get("/c/{slug:str}/expo/leads.csv", opt=PARTNERS)
    async def leads_csv(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Response[str]:
        partner = await service.partner_of(db_session, principal)
        return await leads_download(db_session, conference=conference, partner=partner)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise BoothNotFound("Choose a booth on the floor plan first.") from exc
