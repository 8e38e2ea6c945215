"""HTTP API of the expo: the Partner Program (organizers), a partner's own view, the floor plan,
holds and bookings (partners), and booth placement by staff."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.expo import billing, booking, floorplan, leads, service, staff
from events_app.expo.errors import BoothMissing
from events_app.expo.models import BoothKind, ExpoSettings, Partner, PaymentMethod
from events_app.expo.schemas import (
    AssignIn,
    BadgeOrderOut,
    BadgesIn,
    BookingAccessOut,
    BookingOut,
    BoothOut,
    BoothStatus,
    CancellationQuoteOut,
    CategoryIn,
    CategoryOut,
    CheckoutIn,
    CheckoutOut,
    ContactIn,
    ContactOut,
    ExpoSettingsIn,
    ExpoSettingsOut,
    FloorPlanDoc,
    FloorPlanImportOut,
    HoldIn,
    HoldOut,
    LeadOut,
    LeadPatch,
    MoveIn,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    PointsEntryIn,
    PointsEntryOut,
    PointsLedgerOut,
    ReleaseIn,
    ScanIn,
    StaffIn,
    StaffListOut,
    StaffOut,
    TierIn,
    TierOut,
    WindowIn,
    WindowOut,
)
from events_app.expo.views import (
    booking_out,
    booth_out,
    checkout_out,
    entry_out,
    hold_out,
    lead_out,
    partner_out,
    partners_out,
    staff_out,
    window_out,
)
from events_app.settings import Settings

ORGANIZERS = allow()
STAFF = allow(Role.STAFF)
PARTNERS = allow(Role.PARTNER)
STAFF_OR_PARTNERS = allow(Role.STAFF, Role.PARTNER)
SVG_MEDIA_TYPE = "image/svg+xml"


def _is_partner(principal: Principal | None) -> bool:
    return principal is not None and principal.role == Role.PARTNER


async def _viewer(db: AsyncSession, principal: Principal | None) -> uuid.UUID | None:
    """The partner a caller acts for, so its own holds and bookings show as its own."""
    if principal is None or principal.role != Role.PARTNER:
        return None
    partner = await service.partner_for_user(db, user_id=principal.user_id)
    return partner.id if partner else None


def _settings_out(settings: ExpoSettings) -> ExpoSettingsOut:
    return msgspec.convert(
        {key: getattr(settings, key) for key in ExpoSettingsOut.__struct_fields__}, ExpoSettingsOut, strict=False
    )


async def leads_download(db: AsyncSession, *, conference: Conference, partner: Partner) -> Response[str]:
    """A partner's leads as a CSV attachment: the API and the dashboard offer the same file."""
    views = await leads.list_leads(db, conference=conference, partner=partner)
    return Response(
        leads.leads_csv(views, timezone=conference.timezone),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="leads-{conference.slug}-{partner.slug}.csv"'},
    )


class PartnerProgramController(Controller):
    """Tiers, business categories, partners, their contacts and points: shared by every conference."""

    path = "/api/expo"
    tags = ["Expo: Partner Program"]

    @get("/tiers", opt=PUBLIC, operation_id="listPartnerTiers")
    async def list_tiers(self, db_session: NamedDependency[AsyncSession]) -> list[TierOut]:
        """The Partner Program's tiers, best (rank 1) first."""
        return [msgspec.convert(t, TierOut, from_attributes=True) for t in await service.list_tiers(db_session)]

    @post("/tiers", opt=ORGANIZERS, operation_id="createPartnerTier")
    async def create_tier(self, db_session: NamedDependency[AsyncSession], data: JSONBody[TierIn]) -> TierOut:
        """Adds a tier; its rank orders booking windows and its points go to each partner's ledger."""
        return msgspec.convert(await service.create_tier(db_session, data=data), TierOut, from_attributes=True)

    @get("/categories", opt=PUBLIC, operation_id="listBusinessCategories")
    async def list_categories(self, db_session: NamedDependency[AsyncSession]) -> list[CategoryOut]:
        """Business categories; partners in one exclusive category are kept apart on the floor."""
        categories = await service.list_categories(db_session)
        return [msgspec.convert(c, CategoryOut, from_attributes=True) for c in categories]

    @post("/categories", opt=ORGANIZERS, operation_id="createBusinessCategory")
    async def create_category(
        self, db_session: NamedDependency[AsyncSession], data: JSONBody[CategoryIn]
    ) -> CategoryOut:
        """Adds a business category, exclusive or not."""
        category = await service.create_category(db_session, data=data)
        return msgspec.convert(category, CategoryOut, from_attributes=True)

    @get("/partners", opt=STAFF, operation_id="listPartners")
    async def list_partners(
        self, db_session: NamedDependency[AsyncSession], tier_id: FromQuery[uuid.UUID | None] = None
    ) -> list[PartnerOut]:
        """Every partner by tier, then name, with its points balance."""
        return await partners_out(db_session, await service.list_partners(db_session, tier_id=tier_id))

    @post("/partners", opt=ORGANIZERS, operation_id="createPartner")
    async def create_partner(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[PartnerIn],
    ) -> PartnerOut:
        """Adds a partner; its ledger opens with its tier's points and ten points per year exhibited."""
        partner = await service.create_partner(db_session, data=data, actor=principal)
        return partner_out(partner, await service.points_balance(db_session, partner_id=partner.id))

    @get("/partners/{partner_id:uuid}", opt=STAFF, operation_id="getPartner")
    async def get_partner(
        self, db_session: NamedDependency[AsyncSession], partner_id: FromPath[uuid.UUID]
    ) -> PartnerOut:
        """One partner with its tier, categories and points balance."""
        partner = await service.get_partner(db_session, partner_id=partner_id)
        return partner_out(partner, await service.points_balance(db_session, partner_id=partner.id))

    @patch("/partners/{partner_id:uuid}", opt=ORGANIZERS, operation_id="updatePartner")
    async def update_partner(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[PartnerPatch],
    ) -> PartnerOut:
        """Changes the fields sent; a tier or years change writes the points difference to the ledger."""
        partner = await service.get_partner(db_session, partner_id=partner_id)
        partner = await service.update_partner(db_session, partner=partner, data=data, actor=principal)
        return partner_out(partner, await service.points_balance(db_session, partner_id=partner.id))

    @get("/partners/{partner_id:uuid}/contacts", opt=ORGANIZERS, operation_id="listPartnerContacts")
    async def list_contacts(
        self, db_session: NamedDependency[AsyncSession], partner_id: FromPath[uuid.UUID]
    ) -> list[ContactOut]:
        """The partner users who act for this partner."""
        await service.get_partner(db_session, partner_id=partner_id)
        rows = await service.list_contacts(db_session, partner_id=partner_id)
        return [ContactOut(user_id=u.id, partner_id=c.partner_id, email=u.email, name=u.name) for c, u in rows]

    @post("/partners/{partner_id:uuid}/contacts", opt=ORGANIZERS, operation_id="addPartnerContact")
    async def add_contact(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[ContactIn],
    ) -> ContactOut:
        """Lets a user of role partner sign in and act for this partner (one partner per user)."""
        partner = await service.get_partner(db_session, partner_id=partner_id)
        contact = await service.add_contact(db_session, partner=partner, user_id=data.user_id, actor=principal)
        rows = await service.list_contacts(db_session, partner_id=partner.id)
        user = next(u for c, u in rows if c.id == contact.id)
        return ContactOut(user_id=user.id, partner_id=partner.id, email=user.email, name=user.name)

    @delete("/partners/{partner_id:uuid}/contacts/{user_id:uuid}", opt=ORGANIZERS, operation_id="removePartnerContact")
    async def remove_contact(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        partner_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
    ) -> None:
        """Stops a user acting for this partner."""
        partner = await service.get_partner(db_session, partner_id=partner_id)
        await service.remove_contact(db_session, partner=partner, user_id=user_id, actor=principal)

    @get("/partners/{partner_id:uuid}/points", opt=STAFF, operation_id="getPartnerPoints")
    async def get_points(
        self, db_session: NamedDependency[AsyncSession], partner_id: FromPath[uuid.UUID]
    ) -> PointsLedgerOut:
        """A partner's priority-points ledger, oldest line first, and its balance."""
        await service.get_partner(db_session, partner_id=partner_id)
        entries = await service.ledger(db_session, partner_id=partner_id)
        return PointsLedgerOut(
            partner_id=partner_id, balance=sum(e.points for e in entries), entries=[entry_out(e) for e in entries]
        )

    @post("/partners/{partner_id:uuid}/points", opt=ORGANIZERS, operation_id="addPartnerPoints")
    async def add_points(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[PointsEntryIn],
    ) -> PointsEntryOut:
        """Adds a ledger line (a sponsorship, or a correction with negative points); lines are never edited."""
        partner = await service.get_partner(db_session, partner_id=partner_id)
        entry = await service.add_points(
            db_session, partner=partner, points=data.points, reason=data.reason, note=data.note, actor=principal
        )
        return entry_out(entry)

    @get("/me", opt=PARTNERS, operation_id="getMyPartner")
    async def my_partner(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
    ) -> PartnerOut:
        """The partner the signed-in partner user acts for."""
        partner = await service.partner_of(db_session, principal)
        return partner_out(partner, await service.points_balance(db_session, partner_id=partner.id))

    @get("/me/points", opt=PARTNERS, operation_id="getMyPartnerPoints")
    async def my_points(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
    ) -> PointsLedgerOut:
        """Your partner's priority-points ledger: where every point came from."""
        partner = await service.partner_of(db_session, principal)
        entries = await service.ledger(db_session, partner_id=partner.id)
        return PointsLedgerOut(
            partner_id=partner.id, balance=sum(e.points for e in entries), entries=[entry_out(e) for e in entries]
        )


class ExpoController(Controller):
    """One conference's expo: rules, booking windows, floor plan, booths, holds and bookings."""

    path = "/api/conferences/{slug:str}/expo"
    tags = ["Expo"]

    @get("/settings", opt=STAFF, operation_id="getExpoSettings")
    async def get_settings(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> ExpoSettingsOut:
        """Hold time, live-hold limit, competitor distance, extra staff price and refund bands."""
        return _settings_out(await service.expo_settings(db_session, conference=conference))

    @put("/settings", opt=ORGANIZERS, operation_id="saveExpoSettings")
    async def save_settings(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[ExpoSettingsIn],
    ) -> ExpoSettingsOut:
        """Replaces the conference's expo rules (fields left out take their defaults)."""
        saved = await service.save_settings(db_session, conference=conference, data=data, actor=principal)
        return _settings_out(saved)

    @get("/windows", opt=PUBLIC, operation_id="listBookingWindows")
    async def list_windows(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> list[WindowOut]:
        """When each tier or points band may start booking, earliest first."""
        return [window_out(w) for w in await service.list_windows(db_session, conference=conference)]

    @post("/windows", opt=ORGANIZERS, operation_id="createBookingWindow")
    async def create_window(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[WindowIn],
    ) -> WindowOut:
        """Opens booking at ``opens_at`` to one tier, to partners with at least ``min_points``, or to everyone."""
        return window_out(await service.create_window(db_session, conference=conference, data=data, actor=principal))

    @delete("/windows/{window_id:uuid}", opt=ORGANIZERS, operation_id="deleteBookingWindow")
    async def delete_window(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        window_id: FromPath[uuid.UUID],
    ) -> None:
        """Removes a booking window."""
        await service.delete_window(db_session, conference=conference, window_id=window_id, actor=principal)

    @get("/access", opt=PARTNERS, operation_id="getMyBookingAccess")
    async def my_access(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> BookingAccessOut:
        """When your partner may start booking here, through which window, and your points."""
        partner = await service.partner_of(db_session, principal)
        opens_at, window, points = await service.booking_opens_for(db_session, conference=conference, partner=partner)
        return BookingAccessOut(
            partner_id=partner.id,
            points=points,
            opens_at=opens_at,
            window=window.name if window else None,
            open_now=opens_at is not None and opens_at <= now(),
        )

    @get("/floor-plan", opt=PUBLIC, operation_id="exportFloorPlan")
    async def export_floor_plan(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> FloorPlanDoc:
        """The floor plan as a versioned JSON document (halls, booths with ids, non-bookable areas)."""
        return await floorplan.export_floor_plan(db_session, conference=conference)

    @put("/floor-plan", opt=ORGANIZERS, operation_id="importFloorPlan")
    async def import_floor_plan(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[FloorPlanDoc],
    ) -> FloorPlanImportOut:
        """Makes the floor plan match the document; booths keep their ids, held or booked booths cannot go."""
        settings = await service.expo_settings(db_session, conference=conference)
        return await floorplan.import_floor_plan(
            db_session, conference=conference, doc=data, currency=settings.currency, actor=principal
        )

    @get("/floor-plan.svg", opt=PUBLIC, operation_id="drawFloorPlan", media_type=SVG_MEDIA_TYPE)
    async def floor_plan_svg(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        hall: FromQuery[str | None] = None,
    ) -> Response[str]:
        """One hall drawn as SVG, booths coloured by availability (yours marked when a partner asks)."""
        viewer = await _viewer(db_session, principal)
        svg = await floorplan.floor_plan_svg(
            db_session, conference=conference, hall_code=hall, viewer_partner_id=viewer
        )
        return Response(svg, media_type=SVG_MEDIA_TYPE, headers={"Cache-Control": "no-cache"})

    @get("/booths", opt=PUBLIC, operation_id="listBooths")
    async def list_booths(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        size: Annotated[str | None, QueryParameter(max_length=20, description="e.g. 10x20")] = None,
        kind: FromQuery[BoothKind | None] = None,
        max_price_cents: Annotated[int | None, QueryParameter(ge=0)] = None,
        status: FromQuery[BoothStatus | None] = None,
    ) -> list[BoothOut]:
        """Booths with their availability now, filtered by size, kind, price or status."""
        viewer = await _viewer(db_session, principal)
        views = await floorplan.booth_views(db_session, conference=conference, viewer_partner_id=viewer)
        return [
            booth_out(v)
            for v in views
            if (size is None or v.booth.size == size)
            and (kind is None or v.booth.kind == kind)
            and (max_price_cents is None or v.booth.price_cents <= max_price_cents)
            and (status is None or v.status == status)
        ]

    @get("/booths/{booth_id:uuid}", opt=PUBLIC, operation_id="getBooth")
    async def get_booth(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        booth_id: FromPath[uuid.UUID],
    ) -> BoothOut:
        """One booth with its availability now."""
        booth = await floorplan.get_booth(db_session, conference=conference, booth_id=booth_id)
        viewer = await _viewer(db_session, principal)
        [view] = await floorplan.booth_views(
            db_session, conference=conference, viewer_partner_id=viewer, booth_id=booth.id
        )
        return booth_out(view)

    @post("/holds", opt=PARTNERS, operation_id="holdBooth", status_code=201)
    async def hold(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[HoldIn],
    ) -> HoldOut:
        """Holds a booth for your partner (default 30 minutes); 409 with the reason when you cannot have it."""
        partner = await service.partner_of(db_session, principal)
        if data.booth_id is not None:
            booth = await floorplan.get_booth(db_session, conference=conference, booth_id=data.booth_id)
        elif data.booth_code is not None:
            booth = await floorplan.booth_by_code(db_session, conference=conference, code=data.booth_code)
        else:
            raise BoothMissing("Name the booth by booth_id or booth_code.")
        held = await booking.hold_booth(
            db_session, conference=conference, partner=partner, booth=booth, actor=principal
        )
        return hold_out(held.hold, held.booth)

    @get("/holds", opt=PARTNERS, operation_id="listMyHolds")
    async def list_holds(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> list[HoldOut]:
        """Your partner's live holds here, soonest to expire first."""
        partner = await service.partner_of(db_session, principal)
        return [hold_out(h, b) for h, b in await booking.live_holds(db_session, conference=conference, partner=partner)]

    @get("/holds/{hold_id:uuid}", opt=PARTNERS, operation_id="getMyHold")
    async def get_hold(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        hold_id: FromPath[uuid.UUID],
    ) -> HoldOut:
        """One of your holds, with the seconds it has left."""
        partner = await service.partner_of(db_session, principal)
        hold = await booking.get_hold(db_session, conference=conference, hold_id=hold_id, partner=partner)
        return hold_out(hold, await floorplan.get_booth(db_session, conference=conference, booth_id=hold.booth_id))

    @delete("/holds/{hold_id:uuid}", opt=PARTNERS, operation_id="releaseMyHold", status_code=200)
    async def release_hold(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        hold_id: FromPath[uuid.UUID],
    ) -> HoldOut:
        """Gives the booth back before the hold runs out."""
        partner = await service.partner_of(db_session, principal)
        hold = await booking.get_hold(db_session, conference=conference, hold_id=hold_id, partner=partner)
        hold = await booking.release_hold(db_session, hold=hold, actor=principal)
        return hold_out(hold, await floorplan.get_booth(db_session, conference=conference, booth_id=hold.booth_id))

    @post("/holds/{hold_id:uuid}/checkout", opt=PARTNERS, operation_id="checkoutHold", status_code=201)
    async def checkout(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        hold_id: FromPath[uuid.UUID],
        data: JSONBody[CheckoutIn],
    ) -> CheckoutOut:
        """Books the held booth: by invoice (reserved until paid) or by card (firm when Stripe confirms it)."""
        partner = await service.partner_of(db_session, principal)
        hold = await booking.get_hold(db_session, conference=conference, hold_id=hold_id, partner=partner)
        done = await billing.checkout_booth(
            db_session,
            settings=settings,
            conference=conference,
            partner=partner,
            hold=hold,
            method=PaymentMethod(data.method),
            payment_method_id=data.payment_method_id,
            po_number=data.po_number,
            buyer_email=principal.email,
            actor=principal,
        )
        return await checkout_out(db_session, done)

    @get("/bookings", opt=STAFF_OR_PARTNERS, operation_id="listBoothBookings")
    async def list_bookings(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        live: FromQuery[bool] = False,
    ) -> list[BookingOut]:
        """Bookings of this conference (a partner sees only its own); ``live=true`` leaves out ended ones."""
        partner = await service.partner_of(db_session, principal) if _is_partner(principal) else None
        bookings = await booking.list_bookings(
            db_session, conference=conference, partner=partner, include_ended=not live
        )
        return [booking_out(b) for b in bookings]

    @get("/bookings/{booking_id:uuid}", opt=STAFF_OR_PARTNERS, operation_id="getBoothBooking")
    async def get_booking(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking_id: FromPath[uuid.UUID],
    ) -> BookingOut:
        """One booking; a partner sees only its own."""
        partner = await service.partner_of(db_session, principal) if _is_partner(principal) else None
        found = await booking.get_booking(db_session, conference=conference, booking_id=booking_id, partner=partner)
        return booking_out(found)

    @get("/bookings/{booking_id:uuid}/cancellation", opt=STAFF_OR_PARTNERS, operation_id="quoteBoothCancellation")
    async def quote_cancellation(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking_id: FromPath[uuid.UUID],
    ) -> CancellationQuoteOut:
        """What cancelling this booking now would refund, by the conference's date bands."""
        partner = await service.partner_of(db_session, principal) if _is_partner(principal) else None
        found = await booking.get_booking(db_session, conference=conference, booking_id=booking_id, partner=partner)
        quote = await booking.quote_cancellation(db_session, conference=conference, booking=found)
        return CancellationQuoteOut(
            booking_id=found.id,
            paid_cents=found.paid_cents,
            refund_percent=quote.refund_percent,
            refund_cents=quote.refund_cents,
            currency=found.currency,
        )

    @post("/bookings/{booking_id:uuid}/cancel", opt=PARTNERS, operation_id="cancelMyBoothBooking")
    async def cancel(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking_id: FromPath[uuid.UUID],
    ) -> CancellationQuoteOut:
        """Cancels your booking; the refund follows the date bands and the booth goes back on sale."""
        partner = await service.partner_of(db_session, principal) if _is_partner(principal) else None
        found = await booking.get_booking(db_session, conference=conference, booking_id=booking_id, partner=partner)
        result = await billing.cancel_and_refund(
            db_session, settings=settings, conference=conference, booking=found, actor=principal
        )
        return CancellationQuoteOut(
            booking_id=found.id,
            paid_cents=found.paid_cents,
            refund_percent=result.refund_percent,
            refund_cents=result.refund_cents,
            currency=found.currency,
        )

    @post("/booths/{booth_id:uuid}/assign", opt=STAFF, operation_id="assignBooth")
    async def assign(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booth_id: FromPath[uuid.UUID],
        data: JSONBody[AssignIn],
    ) -> BookingOut:
        """Staff place a partner in a free booth (or one it holds) as a confirmed booking; audited."""
        booth = await floorplan.get_booth(db_session, conference=conference, booth_id=booth_id)
        partner = await service.get_partner(db_session, partner_id=data.partner_id)
        placed = await booking.assign_booth(
            db_session,
            conference=conference,
            booth=booth,
            partner=partner,
            actor=principal,
            note=data.note,
            price_cents=data.price_cents,
        )
        return booking_out(placed)

    @post("/bookings/{booking_id:uuid}/move", opt=STAFF, operation_id="moveBoothBooking")
    async def move(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[MoveIn],
    ) -> BookingOut:
        """Staff move a booking to another free booth; audited with both booth codes."""
        found = await booking.get_booking(db_session, conference=conference, booking_id=booking_id, partner=None)
        to = await floorplan.get_booth(db_session, conference=conference, booth_id=data.booth_id)
        moved = await booking.move_booking(
            db_session, conference=conference, booking=found, to=to, actor=principal, note=data.note
        )
        return booking_out(moved)

    @post("/booths/{booth_id:uuid}/release", opt=STAFF, operation_id="releaseBooth")
    async def release(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booth_id: FromPath[uuid.UUID],
        data: JSONBody[ReleaseIn],
    ) -> BoothOut:
        """Staff free a booth: its hold ends, or its booking is cancelled with the refund the bands give."""
        booth = await floorplan.get_booth(db_session, conference=conference, booth_id=booth_id)
        await billing.release_booth(
            db_session,
            settings=settings,
            conference=conference,
            booth=booth,
            actor=principal,
            override_percent=data.refund_percent,
            note=data.note,
        )
        [view] = await floorplan.booth_views(db_session, conference=conference, booth_id=booth_id)
        return booth_out(view)

    @get("/bookings/{booking_id:uuid}/staff", opt=STAFF_OR_PARTNERS, operation_id="listBoothStaff")
    async def list_staff(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking_id: FromPath[uuid.UUID],
    ) -> StaffListOut:
        """The people named to work this booth, and how many badges are left to name."""
        partner = await service.partner_of(db_session, principal) if _is_partner(principal) else None
        found = await booking.get_booking(db_session, conference=conference, booking_id=booking_id, partner=partner)
        badges = await staff.badges_of(db_session, booking=found)
        return StaffListOut(
            booking_id=found.id,
            included=badges.included,
            bought=badges.bought,
            named=badges.named,
            left=badges.left,
            staff=[staff_out(m) for m in await staff.list_staff(db_session, booking=found)],
        )

    @post("/bookings/{booking_id:uuid}/staff", opt=PARTNERS, operation_id="nameBoothStaff")
    async def name_staff(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[StaffIn],
    ) -> StaffOut:
        """Names a staff member: registered as an exhibitor attendee with their own badge, while badges are left."""
        partner = await service.partner_of(db_session, principal)
        found = await booking.get_booking(db_session, conference=conference, booking_id=booking_id, partner=partner)
        member = await staff.name_staff(
            db_session,
            settings=settings,
            conference=conference,
            booking=found,
            partner=partner,
            first_name=data.first_name,
            last_name=data.last_name,
            email=data.email,
            title=data.title,
            actor=principal,
        )
        return staff_out(member)

    @post("/bookings/{booking_id:uuid}/badges", opt=PARTNERS, operation_id="buyExtraBadges")
    async def buy_badges(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[BadgesIn],
    ) -> BadgeOrderOut:
        """Buys exhibitor badges beyond those included, by invoice or card; they count once paid."""
        partner = await service.partner_of(db_session, principal)
        found = await booking.get_booking(db_session, conference=conference, booking_id=booking_id, partner=partner)
        order = await staff.buy_badges(
            db_session,
            settings=settings,
            conference=conference,
            booking=found,
            partner=partner,
            quantity=data.quantity,
            method=PaymentMethod(data.method),
            payment_method_id=data.payment_method_id,
            buyer_email=principal.email,
            actor=principal,
        )
        p = order.purchase
        return BadgeOrderOut(
            id=p.id,
            booking_id=p.booking_id,
            quantity=p.quantity,
            unit_price_cents=p.unit_price_cents,
            currency=p.currency,
            status=str(p.status),
            payment_status=order.payment_status,
            message=order.message,
            client_secret=order.client_secret,
        )

    @post("/leads/scans", opt=PARTNERS, operation_id="scanLead", status_code=201)
    async def scan_lead(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[ScanIn],
    ) -> LeadOut:
        """Records a visitor whose badge your staff scanned: a new lead, or the same lead updated on a rescan.

        The badge is checked as at the door (signed by this conference, current, not cancelled).
        """
        partner = await service.partner_of(db_session, principal)
        view = await leads.scan_badge(
            db_session,
            conference=conference,
            partner=partner,
            badge=data.badge,
            scanned_by=principal,
            scanned_at=data.scanned_at,
            notes=data.notes,
            rating=data.rating,
        )
        return lead_out(view)

    @get("/leads", opt=PARTNERS, operation_id="listMyLeads")
    async def list_leads(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> list[LeadOut]:
        """Your partner's leads here, latest scan first; email only where the attendee agreed to share it."""
        partner = await service.partner_of(db_session, principal)
        return [lead_out(v) for v in await leads.list_leads(db_session, conference=conference, partner=partner)]

    @get("/leads.csv", opt=PARTNERS, operation_id="exportMyLeads", media_type="text/csv")
    async def export_leads(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Response[str]:
        """Your leads as CSV (UTF-8); cells that a spreadsheet would run as formulas are escaped."""
        partner = await service.partner_of(db_session, principal)
        return await leads_download(db_session, conference=conference, partner=partner)

    @get("/leads/{lead_id:uuid}", opt=PARTNERS, operation_id="getMyLead")
    async def get_lead(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        lead_id: FromPath[uuid.UUID],
    ) -> LeadOut:
        """One of your partner's leads."""
        partner = await service.partner_of(db_session, principal)
        return lead_out(await leads.get_lead(db_session, conference=conference, partner=partner, lead_id=lead_id))

    @patch("/leads/{lead_id:uuid}", opt=PARTNERS, operation_id="updateMyLead")
    async def update_lead(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        lead_id: FromPath[uuid.UUID],
        data: JSONBody[LeadPatch],
    ) -> LeadOut:
        """Changes a lead's notes or rating (``null`` clears the rating)."""
        partner = await service.partner_of(db_session, principal)
        view = await leads.get_lead(db_session, conference=conference, partner=partner, lead_id=lead_id)
        view = await leads.update_lead(
            db_session,
            view=view,
            notes=None if data.notes is msgspec.UNSET else data.notes,
            rating=None if data.rating is msgspec.UNSET else data.rating,
            clear_rating=data.rating is None,
        )
        return lead_out(view)
