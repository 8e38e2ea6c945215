"""API of what a partner's people do at the booth: the booth staff it names (each with an exhibitor
badge, extra badges bought beyond those the booth includes), and the leads they collect by scanning
visitors' badges, which the partner reads, rates and exports."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.shapes import shaped
from events_app.expo import leads, staff
from events_app.expo.controllers.access import PARTNERS, STAFF_OR_PARTNERS
from events_app.expo.models import BoothBooking, Partner
from events_app.expo.schemas import BadgeOrderOut, BadgesIn, LeadOut, LeadPatch, ScanIn, StaffIn, StaffListOut, StaffOut
from events_app.expo.views import badge_order_out, lead_out
from events_app.settings import Settings


class StaffController(Controller):
    """Each booked booth comes with badges (two per 100 sq ft); a partner names who wears them."""

    @get("/bookings/{booking_id:uuid}/staff", opt=STAFF_OR_PARTNERS, operation_id="listBoothStaff")
    async def list_staff(
        self, db_session: NamedDependency[AsyncSession], booking: NamedDependency[BoothBooking]
    ) -> StaffListOut:
        """The people named to work this booth, and how many badges are left to name."""
        badges = await staff.badges_of(db_session, booking=booking)
        members = await staff.list_staff(db_session, booking=booking)
        return shaped(
            StaffListOut,
            badges,
            booking_id=booking.id,
            staff=msgspec.convert(members, list[StaffOut], from_attributes=True),
        )

    @post("/bookings/{booking_id:uuid}/staff", opt=PARTNERS, operation_id="nameBoothStaff")
    async def name_staff(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        booking: NamedDependency[BoothBooking],
        data: JSONBody[StaffIn],
    ) -> StaffOut:
        """Names a staff member: registered as an exhibitor attendee with their own badge, while badges are left."""
        member = await staff.name_staff(
            db_session,
            settings=settings,
            conference=conference,
            booking=booking,
            partner=my_partner,
            person=data,
            actor=actor,
        )
        return msgspec.convert(member, StaffOut, from_attributes=True)

    @post("/bookings/{booking_id:uuid}/badges", opt=PARTNERS, operation_id="buyExtraBadges")
    async def buy_badges(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        booking: NamedDependency[BoothBooking],
        data: JSONBody[BadgesIn],
    ) -> BadgeOrderOut:
        """Buys exhibitor badges beyond those included, by invoice or card; they count once paid."""
        order = await staff.buy_badges(
            db_session,
            settings=settings,
            conference=conference,
            booking=booking,
            partner=my_partner,
            order=data,
            buyer=actor,
        )
        return badge_order_out(order)


async def leads_download(db: AsyncSession, *, conference: Conference, partner: Partner) -> Response[str]:
    """A partner's leads as a CSV attachment: the API and the dashboard offer the same file."""
    views = await leads.list_leads(db, conference=conference, partner=partner)
    return Response(
        await leads.leads_csv(views, timezone=conference.timezone),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="leads-{conference.slug}-{partner.slug}.csv"'},
    )


class LeadController(Controller):
    """A partner's leads at this conference; nobody else's."""

    @post("/leads/scans", opt=PARTNERS, operation_id="scanLead", status_code=201)
    async def scan_lead(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        data: JSONBody[ScanIn],
    ) -> LeadOut:
        """Records a visitor whose badge your staff scanned: a new lead, or the same lead updated on a rescan.

        The badge is checked as at the door (signed by this conference, current, not cancelled).
        """
        view = await leads.scan_badge(
            db_session, conference=conference, partner=my_partner, scan=data, scanned_by=actor
        )
        return lead_out(view)

    @get("/leads", opt=PARTNERS, operation_id="listMyLeads")
    async def list_leads(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
    ) -> list[LeadOut]:
        """Your partner's leads here, latest scan first; email only where the attendee agreed to share it."""
        return [lead_out(v) for v in await leads.list_leads(db_session, conference=conference, partner=my_partner)]

    @get("/leads.csv", opt=PARTNERS, operation_id="exportMyLeads", media_type="text/csv")
    async def export_leads(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
    ) -> Response[str]:
        """Your leads as CSV (UTF-8); cells that a spreadsheet would run as formulas are escaped."""
        return await leads_download(db_session, conference=conference, partner=my_partner)

    @get("/leads/{lead_id:uuid}", opt=PARTNERS, operation_id="getMyLead")
    async def get_lead(self, lead: NamedDependency[leads.LeadView]) -> LeadOut:
        """One of your partner's leads."""
        return lead_out(lead)

    @patch("/leads/{lead_id:uuid}", opt=PARTNERS, operation_id="updateMyLead")
    async def update_lead(
        self,
        db_session: NamedDependency[AsyncSession],
        lead: NamedDependency[leads.LeadView],
        data: JSONBody[LeadPatch],
    ) -> LeadOut:
        """Changes a lead's notes or rating (``null`` clears the rating)."""
        view = await leads.update_lead(
            db_session,
            view=lead,
            notes=None if data.notes is msgspec.UNSET else data.notes,
            rating=None if data.rating is msgspec.UNSET else data.rating,
            clear_rating=data.rating is None,
        )
        return lead_out(view)
