"""Booth staff: the people a partner names to work its booth, each registered through the registration
service as an exhibitor attendee with their own badge; and extra badges bought beyond what the
booth includes (two per 100 sq ft), paid through payments as purpose ``expo-badges``.

Naming staff is serialized per booking (its row is touched first), so two contacts naming
people at once can never exceed the badges the booking has.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.checkin.mail import badge_attachment
from events_app.conferences.models import Conference
from events_app.expo import mail as expo_mail
from events_app.expo.booking import badge_allowance, booking_is_live
from events_app.expo.errors import (
    BadgesUsedUp,
    BadQuantity,
    BookingNotStaffable,
    CardMissing,
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
    PaymentMethod,
    PurchaseStatus,
)
from events_app.expo.service import expo_settings
from events_app.payments import service as payments
from events_app.payments.models import Payment, Refund
from events_app.payments.schemas import InvoiceLine
from events_app.registration import service as registration
from events_app.settings import Settings

BADGES_PURPOSE = "expo-badges"
STAFFABLE = (BookingStatus.INVOICED, BookingStatus.CONFIRMED)


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
    first_name: str,
    last_name: str,
    email: str,
    title: str = "",
    actor: Principal | None,
) -> BoothStaffMember:
    """Registers a staff member for the booth (an exhibitor attendee with a badge) while badges are left."""
    if booking.status not in STAFFABLE or not booking_is_live(booking):
        raise BookingNotStaffable("Staff can be named once the booth is booked.")
    email = email.strip().lower()
    if "@" not in email:
        raise StaffEmailMissing("A staff member needs an email address for their badge.")
    # Touch the booking first: a row lock on PostgreSQL, the write lock on SQLite.
    await db.execute(
        update(BoothBooking)
        .where(BoothBooking.id == booking.id)
        .values(updated_at=BoothBooking.updated_at)
        .execution_options(synchronize_session=False)
    )
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
    attendee = await registration.add_exhibitor_staff(
        db,
        conference_id=conference.id,
        organization=partner.name,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        title=title.strip(),
        actor=actor,
    )
    member = BoothStaffMember(
        booking_id=booking.id,
        partner_id=partner.id,
        attendee_id=attendee.id,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        title=title.strip(),
    )
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
    await record(
        db,
        actor=actor,
        action="booth.staff_named",
        subject_type="booking",
        subject_id=booking.id,
        conference_id=conference.id,
        attendee_id=str(attendee.id),
        email=email,
    )
    return member


@dataclass(frozen=True, slots=True)
class BadgeOrder:
    purchase: BadgePurchase
    payment_status: Literal["invoiced", "processing", "requires_action", "failed"]
    client_secret: str | None
    message: str


async def buy_badges(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    booking: BoothBooking,
    partner: Partner,
    quantity: int,
    method: PaymentMethod,
    payment_method_id: str | None,
    buyer_email: str,
    actor: Principal | None,
) -> BadgeOrder:
    """Orders extra exhibitor badges at the conference's price; they count once payments says paid."""
    if booking.status not in STAFFABLE or not booking_is_live(booking):
        raise BookingNotStaffable("Extra badges can be bought once the booth is booked.")
    if not 1 <= quantity <= 50:
        raise BadQuantity("Buy between 1 and 50 badges at a time.")
    rules = await expo_settings(db, conference=conference)
    purchase = BadgePurchase(
        id=uuid.uuid4(),
        booking_id=booking.id,
        quantity=quantity,
        unit_price_cents=rules.extra_staff_price_cents,
        currency=rules.currency,
        status=PurchaseStatus.PENDING,
    )
    db.add(purchase)
    await db.flush()
    amount = quantity * rules.extra_staff_price_cents
    description = f"{conference.name}: {quantity} extra exhibitor badge(s) for {partner.name}"
    if method == PaymentMethod.INVOICE:
        invoice = await payments.create_invoice(
            db,
            settings=settings,
            conference_id=conference.id,
            purpose=BADGES_PURPOSE,
            reference_id=purchase.id,
            bill_to=f"{partner.name}\n{partner.billing_email}".strip(),
            buyer_email=partner.billing_email or buyer_email,
            buyer_name=partner.name,
            description=description,
            currency=rules.currency,
            actor=actor,
            lines=[
                InvoiceLine(
                    description="Extra exhibitor badge",
                    unit_amount_cents=rules.extra_staff_price_cents,
                    quantity=quantity,
                )
            ],
        )
        purchase.payment_id = str(invoice.payment_id)
        await db.flush()
        return BadgeOrder(
            purchase=purchase,
            payment_status="invoiced",
            client_secret=None,
            message=f"Invoice {invoice.number}: the badges count once it is paid.",
        )
    if not payment_method_id:
        raise CardMissing("A card purchase needs the card (payment_method_id) from Stripe.js.")
    started = await payments.start_card_payment(
        db,
        settings=settings,
        conference_id=conference.id,
        purpose=BADGES_PURPOSE,
        reference_id=purchase.id,
        amount_cents=amount,
        currency=rules.currency,
        description=description,
        payment_method_id=payment_method_id,
        buyer_email=partner.billing_email or buyer_email,
        buyer_name=partner.name,
        actor=actor,
    )
    purchase.payment_id = str(started.payment.id)
    if started.status == "failed":
        purchase.status = PurchaseStatus.CANCELLED
    await db.flush()
    return BadgeOrder(
        purchase=purchase, payment_status=started.status, client_secret=started.client_secret, message=started.message
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
