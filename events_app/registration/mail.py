"""The mails of registration: confirmations (with the conference as an .ics), invoices, cancellations,
refunds and waitlist offers, all queued with the change they describe.

Extension point for badges: a confirmation carries whatever the providers added to
``confirmation_attachments`` give for the attendee. The check-in domain's QR badge is one, added by
``events_app.wiring`` when the app starts::

    async def badge_attachment(db, *, settings, conference, attendee) -> Sequence[Attachment]: ...

Providers run inside the confirming transaction, in registration order, for every
attendee confirmed (and for the new person of a substitution, whose ``badge_version`` is
fresh). Until one is registered, confirmations carry the .ics only.

Links work the same way: each provider in ``attendee_links`` gives an attendee's own pages
(the program's agenda, check-in's badge), which their mails and the order's manage page show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, Protocol, TypeVar

from icalendar import Calendar, Event
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.core.mail import Attachment, queue_mail
from events_app.registration.models import Attendee, Order, WaitlistEntry
from events_app.settings import Settings
from events_app.web.filters import date_range, local_datetime, money


@dataclass(frozen=True, slots=True)
class AttendeeLink:
    label: str  # "Your agenda", said to the attendee
    url: str


T_co = TypeVar("T_co", covariant=True)


class AttendeeProvider(Protocol[T_co]):
    def __call__(
        self, db: AsyncSession, *, settings: Settings, conference: Conference, attendee: Attendee
    ) -> Awaitable[Sequence[T_co]]: ...


class AttendeeExtras(Generic[T_co]):
    """What other domains give an attendee (a badge attachment, a link to their agenda), asked in the order added."""

    def __init__(self) -> None:
        self._providers: list[AttendeeProvider[T_co]] = []

    def add(self, provider: AttendeeProvider[T_co]) -> None:
        """``events_app.wiring`` calls it at start; adding the same provider again changes nothing."""
        if provider not in self._providers:
            self._providers.append(provider)

    def remove(self, provider: AttendeeProvider[T_co]) -> None:
        if provider in self._providers:
            self._providers.remove(provider)

    async def gather(
        self, db: AsyncSession, *, settings: Settings, conference: Conference, attendee: Attendee
    ) -> list[T_co]:
        found: list[T_co] = []
        for provider in self._providers:
            found.extend(await provider(db, settings=settings, conference=conference, attendee=attendee))
        return found


# Attachments to every attendee's confirmation, beside the .ics (check-in adds the QR badge).
confirmation_attachments: AttendeeExtras[Attachment] = AttendeeExtras()
# An attendee's own pages (agenda, badge), shown in their mails and on the order's manage page.
attendee_links: AttendeeExtras[AttendeeLink] = AttendeeExtras()


async def _link_lines(db: AsyncSession, *, settings: Settings, conference: Conference, attendee: Attendee) -> list[str]:
    links = await attendee_links.gather(db, settings=settings, conference=conference, attendee=attendee)
    return [f"{link.label}: {link.url}" for link in links]


def conference_ics(conference: Conference, *, settings: Settings) -> bytes:
    """The conference as one all-day event; its UID and DTSTAMP are stable, so re-sent copies update in place."""
    calendar = Calendar()
    calendar.add("prodid", "-//events-app//registration//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    host = settings.base_url.split("//")[-1].split("/")[0].split(":")[0] or "events.local"
    event.add("uid", f"conference-{conference.id}@{host}")
    # DTSTAMP follows the conference's last change: the same conference always gives the same bytes.
    stamp = conference.updated_at or conference.created_at or datetime(2000, 1, 1, tzinfo=UTC)
    event.add("dtstamp", stamp.astimezone(UTC).replace(microsecond=0))
    event.add("dtstart", conference.starts_on)
    event.add("dtend", conference.ends_on + timedelta(days=1))  # DTEND of an all-day event is exclusive
    event.add("summary", conference.name)
    event.add("location", f"{conference.venue_name}, {conference.venue_address}")
    event.add("url", f"{settings.base_url}/c/{conference.slug}")
    if conference.description:
        event.add("description", conference.description)
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics


async def _mail_attendee(
    db: AsyncSession,
    *,
    settings: Settings,
    attendee: Attendee,
    subject: str,
    lines: list[str],
    attachments: Sequence[Attachment] = (),
) -> None:
    """A mail to one attendee, greeted by first name and filed under their order."""
    text = "\n".join([f"Dear {attendee.first_name},", "", *lines])
    await queue_mail(
        db,
        settings=settings,
        to=[attendee.email],
        subject=subject,
        text=text,
        attachments=attachments,
        about=attendee.order_id,
    )


async def _mail_buyer(db: AsyncSession, *, settings: Settings, order: Order, subject: str, lines: list[str]) -> None:
    """A mail to the order's buyer, greeted by name and filed under the order."""
    text = "\n".join([f"Dear {order.buyer_name},", "", *lines])
    await queue_mail(db, settings=settings, to=[order.buyer_email], subject=subject, text=text, about=order.id)


async def send_confirmation(
    db: AsyncSession, *, settings: Settings, conference: Conference, attendee: Attendee, type_name: str
) -> None:
    """One attendee's confirmation: what they are registered for, where and when, and the .ics."""
    attachments = [
        Attachment(
            filename=f"{conference.slug}.ics",
            content_type="text/calendar; method=PUBLISH",
            data=conference_ics(conference, settings=settings),
        ),
        *await confirmation_attachments.gather(db, settings=settings, conference=conference, attendee=attendee),
    ]
    needs = [
        line
        for line in (
            f"Dietary needs: {attendee.dietary_needs}" if attendee.dietary_needs else "",
            f"Accessibility needs: {attendee.accessibility_needs}" if attendee.accessibility_needs else "",
        )
        if line
    ]
    await _mail_attendee(
        db,
        settings=settings,
        attendee=attendee,
        subject=f"You are registered: {conference.name}",
        attachments=attachments,
        lines=[
            f"You are registered for {conference.name}.",
            "",
            f"Registration: {type_name}",
            f"Name on your badge: {attendee.badge_name}",
            f"When: {date_range(conference.starts_on, conference.ends_on)}",
            f"Where: {conference.venue_name}, {conference.venue_address}",
            *needs,
            "",
            *await _link_lines(db, settings=settings, conference=conference, attendee=attendee),
            "",
            "The conference is attached as a calendar file. Bring this mail or your badge to the registration desk.",
            f"Contact details shared with exhibitors who scan your badge: {'yes' if attendee.consent_to_share_contact else 'no'}.",  # noqa: E501
        ],
    )


async def send_payment_pending(
    db: AsyncSession, *, settings: Settings, conference: Conference, attendee: Attendee, type_name: str
) -> None:
    """An invoiced attendee hears at once that they are registered; the badge follows the payment."""
    await _mail_attendee(
        db,
        settings=settings,
        attendee=attendee,
        subject=f"Registered, payment pending: {conference.name}",
        lines=[
            f"You are registered for {conference.name}; your city or organization is paying by invoice.",
            "",
            f"Registration: {type_name}",
            f"When: {date_range(conference.starts_on, conference.ends_on)}",
            f"Where: {conference.venue_name}, {conference.venue_address}",
            "",
            "You can plan your sessions now:",
            *await _link_lines(db, settings=settings, conference=conference, attendee=attendee),
            "",
            "Your confirmation and badge follow as soon as the payment arrives.",
        ],
    )


async def send_order_receipt(
    db: AsyncSession, *, settings: Settings, conference: Conference, order: Order, manage_url: str
) -> None:
    """The buyer's summary of a confirmed order, with the link to manage it."""
    lines = [f"  {a.full_name} ({a.badge_name}): {money(a.amount_cents, order.currency)}" for a in order.attendees]
    await _mail_buyer(
        db,
        settings=settings,
        order=order,
        subject=f"Order {order.number} confirmed",
        lines=[
            f"Your order {order.number} for {conference.name} is confirmed.",
            "",
            *lines,
            f"Total: {money(order.total_cents, order.currency)}",
            "",
            "Each attendee receives their own confirmation.",
            f"To cancel or substitute an attendee, use this link: {manage_url}",
        ],
    )


async def send_manage_link(
    db: AsyncSession, *, settings: Settings, conference: Conference, order: Order, manage_url: str
) -> None:
    await _mail_buyer(
        db,
        settings=settings,
        order=order,
        subject=f"Manage order {order.number}",
        lines=[
            f"Here is a new link to manage order {order.number} for {conference.name}: {manage_url}",
            "Earlier links to this order no longer work.",
        ],
    )


async def send_invoice_notice(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    order: Order,
    invoice_number: str,
    invoice_url: str,
    manage_url: str,
) -> None:
    """ "Invoice me": the buyer's invoice number and link; the seats stay held until it is paid."""
    await _mail_buyer(
        db,
        settings=settings,
        order=order,
        subject=f"Invoice {invoice_number}: {conference.name}",
        lines=[
            f"Thank you for registering {len(order.attendees)} "
            f"{'person' if len(order.attendees) == 1 else 'people'} for {conference.name}.",
            f"Invoice {invoice_number} for {money(order.total_cents, order.currency)} is ready: {invoice_url}",
            *([f"Your purchase order: {order.po_number}"] if order.po_number else []),
            "",
            "The seats are held for you until the invoice is paid by check or ACH. Each attendee has a mail "
            "now with their agenda, and their confirmation with the badge once payment arrives.",
            f"Manage this order: {manage_url}",
        ],
    )


async def send_cancellation(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    order: Order,
    attendees: Sequence[Attendee],
    refund_cents: int,
    fee_cents: int,
) -> None:
    """Tells the buyer and each cancelled attendee what was cancelled and what comes back."""
    names = ", ".join(a.full_name for a in attendees)
    what_comes_back = (
        f"A refund of {money(refund_cents, order.currency)} is on its way"
        + (f" (cancellation fee: {money(fee_cents, order.currency)})." if fee_cents else ".")
        if refund_cents
        else "Under the cancellation policy no refund is due."
        if order.paid_cents
        else "Nothing had been paid, so nothing is refunded."
    )
    text = "\n".join(
        [
            f"The registration of {names} for {conference.name} (order {order.number}) is cancelled.",
            what_comes_back,
            "Badges of cancelled registrations no longer work.",
        ]
    )
    recipients = sorted({order.buyer_email, *(a.email for a in attendees)})
    await queue_mail(
        db,
        settings=settings,
        to=recipients,
        subject=f"Registration cancelled: {conference.name}",
        text=text,
        about=order.id,
    )


async def send_refund_notice(
    db: AsyncSession, *, settings: Settings, conference: Conference, order: Order, amount_cents: int, by_card: bool
) -> None:
    await _mail_buyer(
        db,
        settings=settings,
        order=order,
        subject=f"Refund on order {order.number}",
        lines=[
            f"We refunded {money(amount_cents, order.currency)} on order {order.number} for {conference.name}.",
            "It appears on your card statement within 5 to 10 business days."
            if by_card
            else "Our finance office sends it the way your payment came (check or ACH); no action is needed.",
        ],
    )


async def send_waitlist_offer(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    entry: WaitlistEntry,
    type_name: str,
    claim_url: str,
) -> None:
    assert entry.offer_expires_at is not None
    text = "\n".join(
        [
            f"Dear {entry.name},",
            "",
            f"A seat for {type_name} at {conference.name} is free, and it is yours if you want it.",
            f"Register with this link before {local_datetime(entry.offer_expires_at, conference.timezone)}:",
            claim_url,
            "",
            "After that the seat goes to the next person on the waitlist.",
        ]
    )
    await queue_mail(db, settings=settings, to=[entry.email], subject=f"A seat is free: {conference.name}", text=text)
