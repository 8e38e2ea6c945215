"""Booth staff: the people a partner names to work its booth, each registered through the registration
service as an exhibitor attendee with their own badge; and extra badges bought beyond what the
booth includes (two per 100 sq ft), paid through payments as purpose ``expo-badges``.

Naming staff is serialized per booking (its row is touched first), so two contacts naming
people at once can never exceed the badges the booking has.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.checkin.mail import badge_attachment
from events_app.conferences.models import Conference
from events_app.expo import history
from events_app.expo import mail as expo_mail
from events_app.expo.billing import charge_partner
from events_app.expo.claims import lock_row
from events_app.expo.errors import (
    BadgesUsedUp,
    BadQuantity,
    BookingNotStaffable,
    StaffAlreadyNamed,
    StaffEmailMissing,
)
from events_app.expo.models import (
    BadgePurchase,
    BookingStatus,
    Booth,
    BoothBooking,
    BoothStaffMember,
    Partner,
    PurchaseStatus,
)
from events_app.expo.rules import expo_settings
from events_app.expo.schemas import BadgesIn, StaffIn
from events_app.payments import service as payments
from events_app.payments.checkout import CollectionStatus
from events_app.payments.models import Payment, Refund
from events_app.payments.schemas import InvoiceLine
from events_app.registration import service as registration
from events_app.settings import Settings

BADGES_PURPOSE = "expo-badges"
BADGES_PER_100_SQFT = 2


def badge_allowance(area_sqft: float) -> int:
    """Exhibitor badges a booth includes: two per 100 sq ft (10x10: 2, 10x20: 4, 20x20: 8), at least two."""
    return max(BADGES_PER_100_SQFT, round(area_sqft / 100) * BADGES_PER_100_SQFT)


def is_staffable(booking: BoothBooking) -> bool:
    """Staff are named, and extra badges bought, once the booth is booked (invoiced or paid) and still is."""
    return booking.status in (BookingStatus.INVOICED, BookingStatus.CONFIRMED)


@dataclass(frozen=True, slots=True)
class Badges:
    included: int
    bought: int
    named: int

    @property
    def left(self) -> int:
        return max(0, self.included + self.bought - self.named)


async def badges_of(db: AsyncSession, *, booking: BoothBooking) -> Badges:
    booth = await db.get_one(Booth, booking.booth_id)
    bought = await db.scalar(
        select(func.coalesce(func.sum(BadgePurchase.quantity), 0)).where(
            BadgePurchase.booking_id == booking.id, BadgePurchase.status == PurchaseStatus.PAID
        )
    )
    named = await db.scalar(
        select(func.count()).select_from(BoothStaffMember).where(BoothStaffMember.booking_id == booking.id)
    )
    return Badges(included=badge_allowance(booth.area_sqft), bought=int(bought or 0), named=int(named or 0))


async def list_staff(db: AsyncSession, *, booking: BoothBooking) -> list[BoothStaffMember]:
    query = select(BoothStaffMember).where(BoothStaffMember.booking_id == booking.id)
    return list(await db.scalars(query.order_by(BoothStaffMember.created_at)))


async def name_staff(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    booking: BoothBooking,
    partner: Partner,
    person: StaffIn,
    actor: Principal | None,
) -> BoothStaffMember:
    """Registers a staff member for the booth (an exhibitor attendee with a badge) while badges are left."""
    if not is_staffable(booking):
        raise BookingNotStaffable("Staff can be named once the booth is booked.")
    email = person.email.strip().lower()
    if "@" not in email:
        raise StaffEmailMissing("A staff member needs an email address for their badge.")
    await lock_row(db, BoothBooking, booking.id)
    if await db.scalar(
        select(BoothStaffMember.id).where(BoothStaffMember.booking_id == booking.id, BoothStaffMember.email == email)
    ):
        raise StaffAlreadyNamed(f"{email} already works this booth.")
    badges = await badges_of(db, booking=booking)
    if badges.left == 0:
        raise BadgesUsedUp(
            f"All {badges.included + badges.bought} badges of this booth are named; buy extra badges to add more.",
            included=badges.included,
            bought=badges.bought,
        )
    # The attendee and the staff member carry the same name, email and title.
    named = {
        "first_name": person.first_name.strip(),
        "last_name": person.last_name.strip(),
        "email": email,
        "title": person.title.strip(),
    }
    attendee = await registration.add_exhibitor_staff(
        db, conference_id=conference.id, organization=partner.name, actor=actor, **named
    )
    member = BoothStaffMember(booking_id=booking.id, partner_id=partner.id, attendee_id=attendee.id, **named)
    db.add(member)
    await db.flush()
    booth = await db.get_one(Booth, booking.booth_id)
    await expo_mail.send_staff_registered(
        db,
        settings=settings,
        conference=conference,
        partner=partner,
        booth=booth,
        member=member,
        badge=await badge_attachment(db, settings=settings, conference=conference, attendee=attendee),
    )
    await history.changed(db, "booth.staff_named", booking, actor=actor, attendee_id=str(attendee.id), email=email)
    return member


@dataclass(frozen=True, slots=True)
class BadgeOrder:
    purchase: BadgePurchase
    payment_status: CollectionStatus
    client_secret: str | None
    message: str


async def buy_badges(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    booking: BoothBooking,
    partner: Partner,
    order: BadgesIn,
    buyer: Principal,
) -> BadgeOrder:
    """Orders extra exhibitor badges at the conference's price; they count once payments says paid."""
    if not is_staffable(booking):
        raise BookingNotStaffable("Extra badges can be bought once the booth is booked.")
    quantity = order.quantity
    if not 1 <= quantity <= 50:
        raise BadQuantity("Buy between 1 and 50 badges at a time.")
    payments.check_payment_choice(settings, method=order.method, payment_method_id=order.payment_method_id)
    rules = await expo_settings(db, conference=conference)
    price_cents = rules.extra_staff_price_cents
    purchase = BadgePurchase(
        id=uuid.uuid4(),
        booking_id=booking.id,
        quantity=quantity,
        unit_price_cents=price_cents,
        currency=rules.currency,
        status=PurchaseStatus.PENDING,
    )
    db.add(purchase)
    await db.flush()
    charge = await charge_partner(
        db,
        settings=settings,
        conference=conference,
        partner=partner,
        purpose=BADGES_PURPOSE,
        bought=purchase,
        choice=order,
        lines=[InvoiceLine(description="Extra exhibitor badge", unit_amount_cents=price_cents, quantity=quantity)],
        description=f"{conference.name}: {quantity} extra exhibitor badge(s) for {partner.name}",
        buyer=buyer,
    )
    message = charge.message
    if charge.invoice is not None:
        message = f"Invoice {charge.invoice.number}: the badges count once it is paid."
    elif charge.status == "failed":
        purchase.status = PurchaseStatus.CANCELLED
    return BadgeOrder(
        purchase=purchase, payment_status=charge.status, client_secret=charge.client_secret, message=message
    )


class BadgePayments:
    """What payments calls for ``expo-badges``: paid badges count, failed ones never will."""

    async def on_paid(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
        await db.execute(
            update(BadgePurchase)
            .where(BadgePurchase.id == payment.reference_id, BadgePurchase.status != PurchaseStatus.PAID)
            .values(status=PurchaseStatus.PAID)
            .execution_options(synchronize_session=False)
        )

    async def on_failed(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
        await db.execute(
            update(BadgePurchase)
            .where(BadgePurchase.id == payment.reference_id, BadgePurchase.status == PurchaseStatus.PENDING)
            .values(status=PurchaseStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )

    async def on_refunded(self, db: AsyncSession, *, settings: Settings, payment: Payment, refund: Refund) -> None:
        """Badges already printed are not taken back; the refund is the organizers' decision, audited by payments."""
