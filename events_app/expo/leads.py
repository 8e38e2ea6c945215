"""Lead retrieval: a partner's staff scan visitors' badges at the booth and keep notes and a rating.

One lead per partner and attendee: a second scan updates the first (time, who scanned,
notes, rating) in one INSERT ... ON CONFLICT DO UPDATE, so two staff scanning the same
visitor at once still leave one lead. Contact details travel only with the attendee's
consent given at registration; without it a lead shows name, title, organization and
city. A partner reads only its own leads. The CSV export neutralizes cells a spreadsheet
would run as formulas.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.checkin import badges as checkin
from events_app.checkin.errors import ScanTimeNaive, ScanTimeTooOld
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.spreadsheet import csv_file
from events_app.expo.errors import (
    BadRating,
    LeadNotFound,
    NoBoothHere,
    NotesTooLong,
    WrongConference,
)
from events_app.expo.models import LIVE_BOOKING_STATUSES, BoothBooking, Lead, Partner
from events_app.expo.schemas import ScanIn
from events_app.registration.models import Attendee

NOTES_MAX = 4000
# A scanner may queue scans while the hall's network is down; older than this is not a queued scan.
MAX_QUEUED_SCAN_AGE = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class LeadView:
    lead: Lead
    name: str
    title: str
    organization: str
    city: str
    email: str | None  # only with the attendee's consent
    consented: bool


def _view(lead: Lead, attendee: Attendee) -> LeadView:
    consented = attendee.consent_to_share_contact
    return LeadView(
        lead=lead,
        name=attendee.full_name,
        title=attendee.title,
        organization=attendee.organization,
        city=attendee.city_name,
        email=attendee.email if consented else None,
        consented=consented,
    )


def _check(notes: str | None, rating: int | None) -> None:
    if notes is not None and len(notes) > NOTES_MAX:
        raise NotesTooLong(f"Notes are limited to {NOTES_MAX} characters.")
    if rating is not None and not 1 <= rating <= 5:
        raise BadRating("A rating is from 1 to 5.")


async def record_scan(
    db: AsyncSession,
    *,
    conference: Conference,
    partner: Partner,
    attendee: Attendee,
    scanned_by: Principal,
    scanned_at: datetime | None = None,
    notes: str | None = None,
    rating: int | None = None,
) -> LeadView:
    """Adds the visitor to the partner's leads, or updates the lead when they were scanned before."""
    _check(notes, rating)
    if attendee.conference_id != conference.id:
        raise WrongConference("This badge belongs to another conference.")
    moment = scanned_at or now()
    values = {
        "id": uuid.uuid4(),
        "conference_id": conference.id,
        "partner_id": partner.id,
        "attendee_id": attendee.id,
        "scanned_by_user_id": scanned_by.user_id,
        "scanned_by": scanned_by.name,
        "first_scanned_at": moment,
        "scanned_at": moment,
        "scans": 1,
        "notes": notes or "",
        "rating": rating,
        "created_at": moment,
        "updated_at": moment,
    }
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Lead).values(**values)
    changes = {
        "scanned_at": statement.excluded.scanned_at,
        "scanned_by_user_id": statement.excluded.scanned_by_user_id,
        "scanned_by": statement.excluded.scanned_by,
        "scans": Lead.scans + 1,
        "updated_at": statement.excluded.updated_at,
    }
    # A rescan keeps earlier notes and rating unless it brings new ones.
    if notes:
        changes["notes"] = statement.excluded.notes
    if rating is not None:
        changes["rating"] = statement.excluded.rating
    await db.execute(statement.on_conflict_do_update(index_elements=["partner_id", "attendee_id"], set_=changes))
    lead = await db.scalar(
        select(Lead)
        .where(Lead.partner_id == partner.id, Lead.attendee_id == attendee.id)
        .execution_options(populate_existing=True)
    )
    assert lead is not None  # the statement above guarantees the row
    return _view(lead, attendee)


async def scan_badge(
    db: AsyncSession,
    *,
    conference: Conference,
    partner: Partner,
    scan: ScanIn,
    scanned_by: Principal,
) -> LeadView:
    """A partner's staff scan a visitor's badge at the booth: checked by check-in like a door checks it."""
    moment = now()
    scanned_at = scan.scanned_at
    if scanned_at is not None:
        if scanned_at.tzinfo is None:
            raise ScanTimeNaive("scanned_at needs a time zone (e.g. 2027-10-06T17:05:00Z).")
        if scanned_at < moment - MAX_QUEUED_SCAN_AGE:
            raise ScanTimeTooOld("scanned_at is too long ago to be a scan queued on a device.")
        scanned_at = min(scanned_at, moment)  # a device clock running ahead never dates a lead in the future
    has_booth = await db.scalar(
        select(BoothBooking.id).where(
            BoothBooking.conference_id == conference.id,
            BoothBooking.partner_id == partner.id,
            BoothBooking.status.in_(LIVE_BOOKING_STATUSES),
        )
    )
    if has_booth is None:
        raise NoBoothHere("Leads are collected at your booth: book one at this conference first.")
    holder = await checkin.holder_for_badge(db, conference=conference, token=scan.badge)
    attendee = await db.get_one(Attendee, holder.id)
    return await record_scan(
        db,
        conference=conference,
        partner=partner,
        attendee=attendee,
        scanned_by=scanned_by,
        scanned_at=scanned_at,
        notes=scan.notes,
        rating=scan.rating,
    )


async def list_leads(db: AsyncSession, *, conference: Conference, partner: Partner) -> list[LeadView]:
    rows = await db.execute(
        select(Lead, Attendee)
        .join(Attendee, Attendee.id == Lead.attendee_id)
        .where(Lead.conference_id == conference.id, Lead.partner_id == partner.id)
        .order_by(Lead.scanned_at.desc())
    )
    return [_view(lead, attendee) for lead, attendee in rows]


async def get_lead(db: AsyncSession, *, conference: Conference, partner: Partner, lead_id: uuid.UUID) -> LeadView:
    row = (
        await db.execute(
            select(Lead, Attendee)
            .join(Attendee, Attendee.id == Lead.attendee_id)
            .where(Lead.id == lead_id, Lead.conference_id == conference.id, Lead.partner_id == partner.id)
        )
    ).first()
    if row is None:
        raise LeadNotFound("Your partner has no lead with this id.")
    return _view(row[0], row[1])


async def update_lead(
    db: AsyncSession, *, view: LeadView, notes: str | None, rating: int | None, clear_rating: bool = False
) -> LeadView:
    _check(notes, rating)
    if notes is not None:
        view.lead.notes = notes
    if rating is not None or clear_rating:
        view.lead.rating = rating
    await db.flush()
    return view


async def leads_csv(views: list[LeadView], *, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    header = ["Name", "Title", "Organization", "City", "Email", "Scanned at", "Scanned by", "Scans", "Rating", "Notes"]
    rows = (
        (
            v.name, v.title, v.organization, v.city, v.email or "",
            v.lead.scanned_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), v.lead.scanned_by, v.lead.scans,
            v.lead.rating or "", v.lead.notes,
        )
        for v in views
    )  # fmt: skip
    # A byte-order mark so Excel reads the file as UTF-8 (names with accents stay intact).
    return await csv_file(header, rows, byte_order_mark=True)
