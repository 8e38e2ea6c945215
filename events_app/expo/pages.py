"""The expo's pages: the interactive floor plan (everyone; partners hold and book from it) and the
partner dashboard (bookings, invoices, booth staff, leads).

Forms post and redirect, so every step works without JavaScript; the page's script adds
clicking booths on the plan, the filters and the hold countdown on top. A refused step shows
the page again with the reason at the top, and nothing of it is kept.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, MediaType, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.errors import DomainError
from events_app.db import roll_back
from events_app.expo import billing, bookings, drawing, floorplan, holds, leads, partners, rules, staff
from events_app.expo.controllers.access import PARTNERS
from events_app.expo.controllers.staff_and_leads import leads_download
from events_app.expo.dependencies import EXPO_DEPENDENCIES
from events_app.expo.errors import BoothNotFound, StaffNameMissing
from events_app.expo.models import BoothBooking, BoothHold, Partner
from events_app.expo.schemas import CheckoutIn, ScanIn, StaffIn
from events_app.payments import service as payments
from events_app.settings import Settings
from events_app.web.filters import money

NOTICES = {
    "held": "The booth is yours for now: book it before the countdown runs out.",
    "released": "The hold is released; the booth is back on sale.",
    "invoiced": "Booked. The invoice is on its way; the booth is yours until it is paid.",
    "card-processing": "Booked. We are confirming your card payment; this page shows it once Stripe does.",
    "staff-named": "Registered: the badge is on its way to them.",
    "lead-saved": "Lead saved.",
}


class HoldForm(msgspec.Struct):
    booth_id: str = ""

    def booth(self) -> uuid.UUID:
        try:
            return uuid.UUID(self.booth_id)
        except ValueError as exc:
            raise BoothNotFound("Choose a booth on the floor plan first.") from exc


class StaffForm(msgspec.Struct):
    first_name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    last_name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    email: Annotated[str, msgspec.Meta(max_length=320)] = ""
    title: Annotated[str, msgspec.Meta(max_length=200)] = ""

    def person(self) -> StaffIn:
        if not (self.first_name.strip() and self.last_name.strip()):
            raise StaffNameMissing("Give the staff member's first and last name.")
        return StaffIn(first_name=self.first_name, last_name=self.last_name, email=self.email, title=self.title)


class ScanForm(msgspec.Struct):
    badge: str = ""
    notes: str = ""
    rating: str = ""

    def scan(self) -> ScanIn:
        # A rating the API would refuse is dropped here rather than refusing the lead.
        rating = int(self.rating) if self.rating.strip().isdigit() else None
        return ScanIn(
            badge=self.badge[:400],
            notes=self.notes[:4000] or None,
            rating=rating if rating is not None and 1 <= rating <= 5 else None,
        )


class CheckoutForm(msgspec.Struct):
    method: Annotated[str, msgspec.Meta(max_length=30)] = "invoice"
    po_number: Annotated[str, msgspec.Meta(max_length=100)] = ""
    payment_method_id: str = ""

    def choice(self) -> CheckoutIn:
        return CheckoutIn(
            method="card" if self.method == "card" else "invoice",
            payment_method_id=self.payment_method_id or None,
            po_number=self.po_number.strip(),
        )


async def _plan(
    db: AsyncSession,
    settings: Settings,
    conference: Conference,
    principal: Principal | None,
    partner: Partner | None,
    *,
    notice: str | None = None,
    refused: DomainError | None = None,
    declined: str | None = None,
) -> Template:
    """The floor plan page; ``partner`` (the viewer's own, if any) sees its holds and may hold and book.

    After a ``refused`` step the page shows its reason, and what the step began is undone first; after a
    ``declined`` card, the reason is shown and the attempt is kept.
    """
    if refused is not None:
        await roll_back(db, conference, *([partner] if partner else []))
    views = await floorplan.booth_views(db, conference=conference, viewer=partner)
    halls = await floorplan.list_halls(db, conference=conference)
    drawings = await drawing.draw_halls(db, conference=conference, halls=halls, views=views, standalone=False)
    context = {
        "conference": conference,
        "principal": principal,
        "partner": partner,
        "access": await rules.booking_access(db, conference=conference, partner=partner) if partner else None,
        "holds": await holds.live_holds(db, conference=conference, partner=partner) if partner else [],
        "views": views,
        "drawings": list(zip(halls, drawings, strict=True)),
        "svg_style": drawing.SVG_STYLE,
        "sizes": sorted({v.booth.size for v in views}, key=lambda s: [float(n) for n in s.split("x")]),
        "price_steps": sorted({v.booth.price_cents for v in views}),
        "money": money,
        "counts": {s: sum(1 for v in views if v.status.endswith(s)) for s in ("available", "held", "booked")},
        "card_enabled": payments.card_payments_enabled(settings),
        "stripe_publishable_key": settings.stripe_publishable_key,
        "stripe_js_url": settings.stripe_js_url,
        "now": now(),
        "notice": NOTICES.get(notice or ""),
        "error": refused.detail if refused else declined,
    }
    return Template("expo/floor_plan.html", context=context, status_code=refused.status if refused else 200)


async def _dashboard(
    db: AsyncSession,
    settings: Settings,
    conference: Conference,
    principal: Principal,
    partner: Partner,
    *,
    notice: str | None = None,
    refused: DomainError | None = None,
) -> Template:
    """The partner's dashboard: its bookings with their invoices and staff, its holds, leads and points.

    After a ``refused`` step the page shows its reason, and what the step began is undone first.
    """
    if refused is not None:
        await roll_back(db, conference, partner)
    found = await bookings.list_bookings(db, conference=conference, partner=partner)
    invoices = {}
    for booking in found:
        if booking.payment_id:
            payment = await payments.get_payment(db, payment_id=uuid.UUID(booking.payment_id))
            if payment.invoice is not None:
                invoices[booking.id] = (payment.invoice, payments.invoice_url(settings, invoice=payment.invoice))
    crews = {}
    for booking in found:
        if staff.is_staffable(booking):
            crews[booking.id] = (
                await staff.badges_of(db, booking=booking),
                await staff.list_staff(db, booking=booking),
            )
    context = {
        "conference": conference,
        "principal": principal,
        "partner": partner,
        "crews": crews,
        "leads": await leads.list_leads(db, conference=conference, partner=partner),
        "error": refused.detail if refused else None,
        "points": await partners.points_balance(db, partner_id=partner.id),
        "ledger": await partners.ledger(db, partner_id=partner.id),
        "bookings": found,
        "live": {b.id for b in found if bookings.booking_is_live(b)},
        "allowance": staff.badge_allowance,
        "invoices": invoices,
        "holds": await holds.live_holds(db, conference=conference, partner=partner),
        "money": money,
        "notice": NOTICES.get(notice or ""),
    }
    return Template("expo/dashboard.html", context=context, status_code=refused.status if refused else 200)


class ExpoPages(Controller):
    include_in_schema = False
    dependencies = EXPO_DEPENDENCIES

    @get("/c/{slug:str}/expo", media_type=MediaType.HTML, name="conference-expo", opt=PUBLIC)
    async def floor_plan(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        viewer_partner: NamedDependency[Partner | None],
        notice: FromQuery[str | None] = None,
    ) -> Template:
        return await _plan(db_session, settings, conference, principal, viewer_partner, notice=notice)

    @post("/c/{slug:str}/expo/holds", media_type=MediaType.HTML, status_code=303, opt=PARTNERS)
    async def hold(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        data: URLEncodedBody[HoldForm],
    ) -> Redirect | Template:
        try:
            booth = await floorplan.get_booth(db_session, conference=conference, booth_id=data.booth())
            await holds.hold_booth(db_session, conference=conference, partner=my_partner, booth=booth, actor=actor)
        except DomainError as error:
            return await _plan(db_session, settings, conference, actor, my_partner, refused=error)
        return Redirect(f"/c/{conference.slug}/expo?notice=held#your-holds", status_code=303)

    @post("/c/{slug:str}/expo/holds/{hold_id:uuid}/release", media_type=MediaType.HTML, status_code=303, opt=PARTNERS)
    async def release(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        hold: NamedDependency[BoothHold],
    ) -> Redirect:
        await holds.release_hold(db_session, hold=hold, actor=actor)
        return Redirect(f"/c/{conference.slug}/expo?notice=released", status_code=303)

    @post("/c/{slug:str}/expo/holds/{hold_id:uuid}/checkout", media_type=MediaType.HTML, status_code=303, opt=PARTNERS)
    async def checkout(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        hold: NamedDependency[BoothHold],
        data: URLEncodedBody[CheckoutForm],
    ) -> Redirect | Template:
        try:
            done = await billing.checkout_booth(
                db_session,
                settings=settings,
                conference=conference,
                partner=my_partner,
                hold=hold,
                choice=data.choice(),
                buyer=actor,
            )
        except DomainError as error:
            return await _plan(db_session, settings, conference, actor, my_partner, refused=error)
        if done.payment_status == "failed":
            # 200, not 402: the declined attempt and the returned hold are kept (committed).
            declined = f"The card was not accepted: {done.message} Your hold is kept; try another card."
            return await _plan(db_session, settings, conference, actor, my_partner, declined=declined)
        if done.payment_status == "requires_action":
            booth = await floorplan.get_booth(db_session, conference=conference, booth_id=done.booking.booth_id)
            context = {
                "conference": conference,
                "principal": actor,
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
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        notice: FromQuery[str | None] = None,
    ) -> Template:
        return await _dashboard(db_session, settings, conference, actor, my_partner, notice=notice)

    @post(
        "/c/{slug:str}/expo/bookings/{booking_id:uuid}/staff", media_type=MediaType.HTML, status_code=303, opt=PARTNERS
    )
    async def name_staff(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        booking: NamedDependency[BoothBooking],
        data: URLEncodedBody[StaffForm],
    ) -> Redirect | Template:
        try:
            await staff.name_staff(
                db_session,
                settings=settings,
                conference=conference,
                booking=booking,
                partner=my_partner,
                person=data.person(),
                actor=actor,
            )
        except DomainError as error:
            return await _dashboard(db_session, settings, conference, actor, my_partner, refused=error)
        return Redirect(f"/c/{conference.slug}/expo/dashboard?notice=staff-named#staff", status_code=303)

    @post("/c/{slug:str}/expo/leads/scans", media_type=MediaType.HTML, status_code=303, opt=PARTNERS)
    async def scan_lead(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        data: URLEncodedBody[ScanForm],
    ) -> Redirect | Template:
        """A handheld scanner types the badge into the focused field and presses Enter: one lead per visitor."""
        try:
            await leads.scan_badge(
                db_session, conference=conference, partner=my_partner, scan=data.scan(), scanned_by=actor
            )
        except DomainError as error:
            return await _dashboard(db_session, settings, conference, actor, my_partner, refused=error)
        return Redirect(f"/c/{conference.slug}/expo/dashboard?notice=lead-saved#leads", status_code=303)

    @get("/c/{slug:str}/expo/leads.csv", opt=PARTNERS)
    async def leads_csv(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
    ) -> Response[str]:
        return await leads_download(db_session, conference=conference, partner=my_partner)
