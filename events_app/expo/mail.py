"""The expo's mail to partners and their booth staff, queued in the transaction of the change it reports."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.core.mail import Attachment, queue_mail
from events_app.core.money import Money
from events_app.expo.models import Booth, BoothBooking, BoothStaffMember, Partner
from events_app.expo.partners import list_contacts
from events_app.payments import service as payments
from events_app.payments.models import Invoice
from events_app.settings import Settings
from events_app.web.filters import date_range


def _recipients(partner: Partner, *contact_emails: str) -> list[str]:
    """The partner's billing address and its contacts, once each."""
    return list(dict.fromkeys(e.lower() for e in (partner.billing_email, *contact_emails) if e))


async def send_booth_invoice(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    partner: Partner,
    booth: Booth,
    invoice: Invoice,
    contact_email: str,
) -> None:
    text = "\n".join(
        [
            f"Dear {partner.name},",
            "",
            f"Booth {booth.code} ({booth.size} {booth.kind}) at {conference.name} is reserved for you.",
            f"Invoice {invoice.number}: {Money(invoice.amount_cents, invoice.currency)}, due "
            f"{invoice.due_on.strftime('%B %-d, %Y')}." + (f" PO {invoice.po_number}." if invoice.po_number else ""),
            "",
            f"View or print the invoice: {payments.invoice_url(settings, invoice=invoice)}",
            "",
            "The booking becomes final when the invoice is paid.",
        ]
    )
    await queue_mail(
        db,
        settings=settings,
        to=_recipients(partner, contact_email),
        subject=f"Booth {booth.code} reserved: invoice {invoice.number}",
        text=text,
    )


async def send_booth_confirmed(
    db: AsyncSession, *, settings: Settings, conference: Conference, partner: Partner, booking: BoothBooking
) -> None:
    booth = booking.booth
    text = "\n".join(
        [
            f"Dear {partner.name},",
            "",
            f"Your payment of {Money(booking.paid_cents, booking.currency)} is in: booth {booth.code} ({booth.size} "
            f"{booth.kind}) is yours for {conference.name}, {date_range(conference.starts_on, conference.ends_on)}.",
            "",
            "Name your booth staff on your partner dashboard; each gets an exhibitor badge.",
            f"{settings.base_url}/c/{conference.slug}/expo/dashboard",
        ]
    )
    to = _recipients(partner, *(user.email for _contact, user in await list_contacts(db, partner_id=partner.id)))
    if not to:
        return  # a partner with no address and no contact: the dashboard still shows the booking
    await queue_mail(
        db,
        settings=settings,
        to=to,
        subject=f"Booth {booth.code} confirmed: {conference.name}",
        text=text,
    )


async def send_staff_registered(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    partner: Partner,
    booth: Booth,
    member: BoothStaffMember,
    badge: Sequence[Attachment],
) -> None:
    text = "\n".join(
        [
            f"Dear {member.first_name},",
            "",
            f"{partner.name} registered you as exhibitor staff at booth {booth.code} for {conference.name}, "
            f"{date_range(conference.starts_on, conference.ends_on)}, {conference.venue_name}.",
            "",
            "Your badge is attached: show its QR code at the entrance, on your phone or printed.",
        ]
    )
    await queue_mail(
        db,
        settings=settings,
        to=[member.email],
        subject=f"Your exhibitor badge: {conference.name}",
        text=text,
        attachments=badge,
    )
