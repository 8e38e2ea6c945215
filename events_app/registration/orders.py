"""Orders: the server's quote, checkout (card, invoice or nothing to pay), payment outcomes,
cancellation under the policy, substitution, and the buyer's signed manage link.

A pending card order holds its seats for ``HOLD_MINUTES``; an invoiced one until it is
paid or cancelled. Payments tell us what happened through ``RegistrationPayments``, the
handler registered for ``PURPOSE``: a payment that arrives after the hold expired takes
the seats again if they are still free, and otherwise leaves the order in "needs
attention" for staff to refund. Every amount is computed here; no request carries one.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from litestar.pagination import OffsetPagination
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.models import Conference, MemberCity
from events_app.conferences.service import city_for_email, registration_is_open
from events_app.core import signing
from events_app.core.clock import now
from events_app.core.errors import Conflict, Invalid, NotAllowed, NotFound
from events_app.core.pagination import paginate
from events_app.core.spreadsheet import csv_text
from events_app.payments import service as payments
from events_app.payments.errors import CannotHonour
from events_app.payments.models import Payment, PaymentStatus, ReceiptMethod, Refund
from events_app.payments.schemas import InvoiceLine
from events_app.registration import capacity, mail
from events_app.registration.models import (
    Attendee,
    AttendeeStatus,
    CancellationPolicy,
    DiscountKind,
    Order,
    OrderSource,
    OrderStatus,
    PaymentMethod,
    PromoCode,
    Rate,
    RegistrationType,
    TypeKind,
    Visibility,
    WaitlistEntry,
    WaitlistStatus,
)
from events_app.registration.pricing import MemberCheck, check_member, code_covers, discount_cents, price_cents
from events_app.registration.schemas import AttendeeIn, OrderIn, Quote, QuoteLine, SubstituteIn
from events_app.registration.service import get_policy, new_order_number
from events_app.registration.waitlist import OFFER_PURPOSE, offer_free_seats
from events_app.settings import Settings

PURPOSE = "registration.order"
HOLD_MINUTES = 30
MANAGE_PURPOSE = "registration.manage"
LIVE_ATTENDEE = (AttendeeStatus.PENDING, AttendeeStatus.CONFIRMED)


# --- the quote --------------------------------------------------------------------------------------------


@dataclass
class PricedAttendee:
    data: AttendeeIn
    registration_type: RegistrationType
    member: MemberCheck
    price_cents: int
    discount_cents: int
    uses_code: bool


@dataclass
class PricedOrder:
    currency: str
    attendees: list[PricedAttendee]
    code: PromoCode | None
    offer: WaitlistEntry | None = None
    code_uses: int = 0
    lines: list[QuoteLine] = field(default_factory=list)

    @property
    def subtotal_cents(self) -> int:
        return sum(a.price_cents for a in self.attendees)

    @property
    def discount_cents(self) -> int:
        return sum(a.discount_cents for a in self.attendees)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents


async def find_code(db: AsyncSession, *, conference_id: uuid.UUID, code: str, at: datetime) -> PromoCode:
    """A usable code of this conference, typed in any case; ``promo-code-invalid`` (422) otherwise."""
    found = await db.scalar(
        select(PromoCode).where(PromoCode.conference_id == conference_id, PromoCode.code == code.strip().upper())
    )
    if found is None or not found.active:
        raise Invalid(f"The code {code.strip().upper()} is not valid for this conference.", code="promo-code-invalid")
    if found.valid_from is not None and at < found.valid_from:
        raise Invalid(f"The code {found.code} is not valid yet.", code="promo-code-not-yet-valid")
    if found.valid_until is not None and at >= found.valid_until:
        raise Invalid(f"The code {found.code} has expired.", code="promo-code-expired")
    return found


def _check_for_sale(t: RegistrationType, *, at: datetime, code: PromoCode | None) -> None:
    if not t.active or t.kind == TypeKind.EXHIBITOR:
        raise Invalid(f"{t.name} is not sold here.", code="type-not-for-sale")
    if t.visibility == Visibility.CODE_ONLY and not (code is not None and code.types and code_covers(code, t)):
        raise Invalid(f"{t.name} is given with a code only.", code="code-required")
    if t.sale_starts_at is not None and at < t.sale_starts_at:
        raise Invalid(f"{t.name} is not on sale yet.", code="sale-not-started")
    if t.sale_ends_at is not None and at >= t.sale_ends_at:
        raise Invalid(f"{t.name} is no longer on sale.", code="sale-ended")


async def offer_from_token(db: AsyncSession, *, settings: Settings, token: str, at: datetime) -> WaitlistEntry:
    """The live waitlist offer a claim link stands for; ``offer-expired`` (409) once it has run out."""
    entry_id = signing.unsign(settings.secret_key, purpose=OFFER_PURPOSE, token=token)
    entry = await db.get(WaitlistEntry, uuid.UUID(entry_id))
    if entry is None:
        raise NotFound("This waitlist offer does not exist.", code="offer-not-found")
    if entry.status != WaitlistStatus.OFFERED or entry.offer_expires_at is None or entry.offer_expires_at <= at:
        raise Conflict("This waitlist offer has run out or was already used.", code="offer-expired")
    return entry


async def price_order(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    data: OrderIn,
    at: datetime,
    by_staff: bool = False,
) -> PricedOrder:
    """Every attendee's rate, price and discount, checked against the types' rules. Writes nothing."""
    if not by_staff and not registration_is_open(conference, at=at):
        raise Invalid(f"Registration for {conference.name} is not open.", code="registration-closed")
    code = None
    if data.promo_code:
        code = await find_code(db, conference_id=conference.id, code=data.promo_code, at=at)
    type_ids = {a.registration_type_id for a in data.attendees}
    types = {
        t.id: t
        for t in await db.scalars(
            select(RegistrationType).where(
                RegistrationType.id.in_(type_ids), RegistrationType.conference_id == conference.id
            )
        )
    }
    if missing := type_ids - types.keys():
        raise Invalid(f"Unknown registration type: {', '.join(map(str, missing))}.", code="registration-type-unknown")
    currencies = {t.currency for t in types.values()}
    if len(currencies) > 1:
        raise Invalid("One order cannot mix currencies.", code="mixed-currencies")
    offer = None
    if data.waitlist_offer:
        offer = await offer_from_token(db, settings=settings, token=data.waitlist_offer, at=at)
        if offer.registration_type_id not in type_ids or offer.conference_id != conference.id:
            raise Invalid("This order does not include the registration the offer is for.", code="offer-mismatch")
    seen_emails: set[str] = set()
    priced: list[PricedAttendee] = []
    for position, person in enumerate(data.attendees):
        t = types[person.registration_type_id]
        _check_for_sale(t, at=at, code=code)
        if t.kind == TypeKind.GUEST:
            primary = data.attendees[person.guest_of] if person.guest_of is not None else None
            if (
                primary is None
                or person.guest_of == position
                or types[primary.registration_type_id].kind == TypeKind.GUEST
            ):
                raise Invalid(
                    f"{person.first_name} {person.last_name} has a guest pass: name the attendee of this order "
                    "they accompany (guest_of).",
                    code="guest-needs-primary",
                )
        elif person.guest_of is not None:
            raise Invalid("Only a guest pass accompanies another attendee.", code="guest-of-not-a-guest")
        email = person.email.strip().lower()
        if t.kind != TypeKind.GUEST:
            if email in seen_emails:
                raise Invalid(f"{email} is listed twice in this order.", code="duplicate-attendee")
            seen_emails.add(email)
        claimed = None
        if person.city_id is not None:
            claimed = await db.get(MemberCity, person.city_id)
            if claimed is None:
                raise Invalid("No member city has this id.", code="city-not-found")
        member = await check_member(db, email=email, claimed_city=claimed)
        price = price_cents(t, rate=member.rate, at=at)
        uses_code = code is not None and code_covers(code, t)
        discount = discount_cents(code, price=price) if code is not None and uses_code else 0
        priced.append(PricedAttendee(person, t, member, price, discount, uses_code))
    if code is not None and not any(p.uses_code for p in priced):
        raise Invalid(f"The code {code.code} does not apply to these registrations.", code="promo-code-not-applicable")
    order = PricedOrder(currency=currencies.pop(), attendees=priced, code=code, offer=offer)
    order.code_uses = sum(1 for p in priced if p.uses_code)
    order.lines = [
        QuoteLine(
            position=i,
            name=f"{p.data.first_name} {p.data.last_name}",
            registration_type_id=p.registration_type.id,
            registration_type=p.registration_type.name,
            rate=p.member.rate,
            rate_note=p.member.note,
            city=p.member.city.name if p.member.city else p.data.city_name,
            price_cents=p.price_cents,
            discount_cents=p.discount_cents,
            amount_cents=p.price_cents - p.discount_cents,
        )
        for i, p in enumerate(priced)
    ]
    return order


def as_quote(priced: PricedOrder) -> Quote:
    return Quote(
        currency=priced.currency,
        lines=priced.lines,
        subtotal_cents=priced.subtotal_cents,
        discount_cents=priced.discount_cents,
        total_cents=priced.total_cents,
        promo_code=priced.code.code if priced.code else None,
        payment_needed=priced.total_cents > 0,
    )


# --- checkout ---------------------------------------------------------------------------------------------


def manage_token(settings: Settings, order: Order) -> str:
    return signing.sign(settings.secret_key, purpose=MANAGE_PURPOSE, payload=f"{order.id}.{order.manage_version}")


def manage_url(settings: Settings, *, conference: Conference, order: Order) -> str:
    return f"{settings.base_url}/c/{conference.slug}/registration/manage/{manage_token(settings, order)}"


async def order_from_manage_token(db: AsyncSession, *, settings: Settings, token: str) -> Order:
    """The order a manage link stands for; a link made before the order's version was raised no longer works."""
    payload = signing.unsign(settings.secret_key, purpose=MANAGE_PURPOSE, token=token)
    order_id, _, version = payload.partition(".")
    order = await db.get(Order, uuid.UUID(order_id), populate_existing=True)
    if order is None or str(order.manage_version) != version:
        raise Invalid("This link is no longer valid.", code="link-invalid")
    return order


async def reissue_manage_link(db: AsyncSession, *, settings: Settings, order: Order, actor: Principal | None) -> str:
    """A new manage link, mailed to the buyer; every earlier link stops working (e.g. one forwarded by mistake)."""
    order.manage_version += 1
    await db.flush()
    conference = await _conference(db, order)
    url = manage_url(settings, conference=conference, order=order)
    await mail.send_manage_link(db, settings=settings, conference=conference, order=order, manage_url=url)
    await record(
        db,
        actor=actor,
        action="registration.manage_link_reissued",
        subject_type="order",
        subject_id=order.id,
        conference_id=order.conference_id,
        version=order.manage_version,
    )
    return url


async def get_order(db: AsyncSession, *, order_id: uuid.UUID, conference_id: uuid.UUID | None = None) -> Order:
    order = await db.get(Order, order_id)
    if order is None or (conference_id is not None and order.conference_id != conference_id):
        raise NotFound("No order has this id.", code="order-not-found")
    return order


async def _conference(db: AsyncSession, order: Order) -> Conference:
    return await db.get_one(Conference, order.conference_id)


async def place_order(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    data: OrderIn,
    actor: Principal | None = None,
    source: OrderSource = OrderSource.ONLINE,
    at: datetime | None = None,
) -> Order:
    """Takes the seats and code uses (409 when gone) and records the order.

    Nothing to pay: confirmed at once. Invoice: a numbered invoice, seats held with no
    expiry. Card: pending, seats held for ``HOLD_MINUTES`` while the buyer pays.
    """
    moment = at or now()
    if data.submission_key and (earlier := await _submitted(db, conference=conference, key=data.submission_key)):
        return earlier
    priced = await price_order(
        db, settings=settings, conference=conference, data=data, at=moment, by_staff=source == OrderSource.ORGANIZER
    )
    method = data.payment_method
    if priced.total_cents == 0:
        method = PaymentMethod.NONE
    elif method == PaymentMethod.NONE:
        raise Invalid("This order has something to pay: choose card or invoice.", code="payment-needed")
    elif method == PaymentMethod.CARD and not payments.card_payments_enabled(settings):
        raise Invalid("Card payment is not available; choose an invoice.", code="card-payments-disabled")

    await capacity.take_seats(
        db,
        wanted=Counter(p.registration_type.id for p in priced.attendees),
        moment=moment,
        exclude_offer_id=priced.offer.id if priced.offer else None,
    )
    if priced.code is not None:
        await capacity.take_code_uses(db, code=priced.code, uses=priced.code_uses, moment=moment)

    status = {
        PaymentMethod.NONE: OrderStatus.PAID,
        PaymentMethod.INVOICE: OrderStatus.INVOICED,
        PaymentMethod.CARD: OrderStatus.PENDING,
    }[method]
    order = Order(
        conference_id=conference.id,
        number=new_order_number(),
        buyer_name=data.buyer_name.strip(),
        buyer_email=data.buyer_email.strip().lower(),
        buyer_organization=data.buyer_organization.strip(),
        status=status,
        source=source,
        payment_method=method,
        currency=priced.currency,
        subtotal_cents=priced.subtotal_cents,
        discount_cents=priced.discount_cents,
        total_cents=priced.total_cents,
        promo_code_id=priced.code.id if priced.code else None,
        po_number=data.po_number.strip(),
        hold_expires_at=moment + timedelta(minutes=HOLD_MINUTES) if method == PaymentMethod.CARD else None,
        submission_key=data.submission_key,
        attendees=[],
    )
    try:
        async with db.begin_nested():
            db.add(order)
    except IntegrityError:
        # The same checkout sent twice at once: the first one's order is the answer.
        if data.submission_key and (earlier := await _submitted(db, conference=conference, key=data.submission_key)):
            return earlier
        raise
    attendees = []
    for position, p in enumerate(priced.attendees):
        person = p.data
        attendee = Attendee(
            conference_id=conference.id,
            order_id=order.id,
            registration_type=p.registration_type,
            position=position,
            status=AttendeeStatus.PENDING,
            first_name=person.first_name.strip(),
            last_name=person.last_name.strip(),
            badge_name=(person.badge_name or person.first_name).strip(),
            title=person.title.strip(),
            organization=person.organization.strip() or (p.member.city.name if p.member.city else ""),
            email=person.email.strip().lower(),
            city_id=p.member.city.id if p.member.city else None,
            city_name=p.member.city.name if p.member.city else person.city_name.strip(),
            rate=p.member.rate,
            rate_note=p.member.note,
            price_cents=p.price_cents,
            discount_cents=p.discount_cents,
            promo_code_id=priced.code.id if p.uses_code and priced.code else None,
            consent_to_share_contact=person.consent_to_share_contact,
            dietary_needs=person.dietary_needs.strip(),
            accessibility_needs=person.accessibility_needs.strip(),
        )
        attendees.append(attendee)
    db.add_all(attendees)
    await db.flush()
    for attendee, p in zip(attendees, priced.attendees, strict=True):
        if p.data.guest_of is not None:
            attendee.primary_attendee_id = attendees[p.data.guest_of].id
    order.attendees = attendees
    if priced.offer is not None:
        priced.offer.status = WaitlistStatus.CLAIMED
        priced.offer.order_id = order.id
    await db.flush()
    await record(
        db,
        actor=actor,
        action="registration.order_placed",
        subject_type="order",
        subject_id=order.id,
        conference_id=conference.id,
        number=order.number,
        attendees=len(attendees),
        total_cents=order.total_cents,
        payment_method=method.value,
    )
    if method == PaymentMethod.NONE:
        await _confirm(db, settings=settings, conference=conference, order=order, at=moment)
    elif method == PaymentMethod.INVOICE:
        await _issue_invoice(db, settings=settings, conference=conference, order=order, actor=actor)
    return order


async def _issue_invoice(
    db: AsyncSession, *, settings: Settings, conference: Conference, order: Order, actor: Principal | None
) -> None:
    live = [a for a in order.attendees if a.status in LIVE_ATTENDEE and a.amount_cents > 0]
    lines = [
        InvoiceLine(
            description=f"{a.registration_type.name} ({'member' if a.rate == Rate.MEMBER else 'non-member'} rate)"
            f" - {a.full_name}",
            unit_amount_cents=a.amount_cents,
        )
        for a in live
    ]
    invoice = await payments.create_invoice(
        db,
        settings=settings,
        conference_id=conference.id,
        purpose=PURPOSE,
        reference_id=order.id,
        bill_to="\n".join(x for x in (order.buyer_organization, order.buyer_name, order.buyer_email) if x),
        buyer_email=order.buyer_email,
        buyer_name=order.buyer_name,
        lines=lines,
        currency=order.currency,
        po_number=order.po_number,
        description=f"{conference.name}: registration order {order.number}",
        actor=actor,
    )
    await mail.send_invoice_notice(
        db,
        settings=settings,
        conference=conference,
        order=order,
        invoice_number=invoice.number,
        invoice_url=payments.invoice_url(settings, invoice=invoice),
        manage_url=manage_url(settings, conference=conference, order=order),
    )


async def _confirm(db: AsyncSession, *, settings: Settings, conference: Conference, order: Order, at: datetime) -> None:
    """Paid (or nothing to pay): every waiting attendee is confirmed and mailed."""
    order.status = OrderStatus.PAID
    order.paid_at = at
    order.hold_expires_at = None
    order.attention_reason = ""
    for attendee in order.attendees:
        if attendee.status == AttendeeStatus.PENDING:
            attendee.status = AttendeeStatus.CONFIRMED
            attendee.confirmed_at = at
            await mail.send_confirmation(
                db,
                settings=settings,
                conference=conference,
                attendee=attendee,
                type_name=attendee.registration_type.name,
            )
    await db.flush()
    await mail.send_order_receipt(
        db,
        settings=settings,
        conference=conference,
        order=order,
        manage_url=manage_url(settings, conference=conference, order=order),
    )


async def _secure_seats_again(db: AsyncSession, *, order: Order, at: datetime) -> None:
    """Takes the seats of an order whose hold ran out, if they are still free (409 ``sold-out`` otherwise)."""
    waiting = [a for a in order.attendees if a.status == AttendeeStatus.PENDING]
    await capacity.take_seats(
        db, wanted=Counter(a.registration_type_id for a in waiting), moment=at, exclude_order_id=order.id
    )
    if order.promo_code_id is not None:
        code = await db.get_one(PromoCode, order.promo_code_id)
        uses = sum(1 for a in waiting if a.promo_code_id == code.id)
        if uses:
            await capacity.take_code_uses(db, code=code, uses=uses, moment=at, exclude_order_id=order.id)


async def _submitted(db: AsyncSession, *, conference: Conference, key: str) -> Order | None:
    return await db.scalar(select(Order).where(Order.conference_id == conference.id, Order.submission_key == key))


def _hold_is_live(order: Order, at: datetime) -> bool:
    if order.status == OrderStatus.INVOICED:
        return True
    return order.status == OrderStatus.PENDING and order.hold_expires_at is not None and order.hold_expires_at > at


async def pay_by_card(
    db: AsyncSession,
    *,
    settings: Settings,
    order: Order,
    payment_method_id: str,
    at: datetime | None = None,
) -> payments.CardPaymentStarted:
    """Charges the order's card (a PaymentMethod made by Stripe.js); an expired hold is renewed if seats are free."""
    moment = at or now()
    if order.status not in (OrderStatus.PENDING, OrderStatus.EXPIRED) or order.payment_method != PaymentMethod.CARD:
        raise Conflict(f"Order {order.number} is {order.status.value.replace('_', ' ')}: nothing to pay by card.",
                       code="order-not-payable")  # fmt: skip
    if not _hold_is_live(order, moment):
        await _secure_seats_again(db, order=order, at=moment)
        order.status = OrderStatus.PENDING
    order.hold_expires_at = max(order.hold_expires_at or moment, moment + timedelta(minutes=HOLD_MINUTES))
    await db.flush()
    conference = await _conference(db, order)
    return await payments.start_card_payment(
        db,
        settings=settings,
        conference_id=order.conference_id,
        purpose=PURPOSE,
        reference_id=order.id,
        amount_cents=order.total_cents - order.paid_cents,
        currency=order.currency,
        description=f"{conference.name}: registration order {order.number}",
        payment_method_id=payment_method_id,
        buyer_email=order.buyer_email,
        buyer_name=order.buyer_name,
    )


# --- what payments tell us --------------------------------------------------------------------------------


class RegistrationPayments:
    """The payment handler for registration orders (``reference_id`` is the order's id)."""

    async def on_paid(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
        order = await db.get(Order, payment.reference_id, with_for_update=True, populate_existing=True)
        if order is None:
            raise CannotHonour("The registration order this payment was for no longer exists.")
        moment = now()
        if order.status == OrderStatus.PAID:
            return
        if order.status in (OrderStatus.CANCELLED, OrderStatus.NEEDS_ATTENTION):
            reason = f"Order {order.number} was {order.status.value.replace('_', ' ')} when its payment arrived."
            raise CannotHonour(reason)
        if not _hold_is_live(order, moment):
            try:
                await _secure_seats_again(db, order=order, at=moment)
            except Conflict as exc:
                reason = f"Paid after its hold expired and the seats were gone: {exc.detail}"
                order.paid_cents += payment.amount_paid_cents  # the money did arrive: staff refund it from here
                await _needs_attention(db, order=order, reason=reason)
                raise CannotHonour(reason) from exc
        order.paid_cents += payment.amount_paid_cents
        await _confirm(db, settings=settings, conference=await _conference(db, order), order=order, at=moment)
        await record(
            db,
            actor=None,
            action="registration.order_paid",
            subject_type="order",
            subject_id=order.id,
            conference_id=order.conference_id,
            payment_id=str(payment.id),
            amount_cents=payment.amount_paid_cents,
        )

    async def on_failed(self, db: AsyncSession, *, settings: Settings, payment: Payment) -> None:
        order = await db.get(Order, payment.reference_id, populate_existing=True)
        if order is None or order.id in db.info.get(_REISSUING, set()):
            return
        if order.status == OrderStatus.INVOICED and payment.invoice is not None:
            # A voided invoice ends the order: its seats go back on sale.
            await _cancel_unpaid(db, settings=settings, order=order, reason="invoice voided")
        # A declined card leaves the order pending: the buyer may try another card while the hold lasts.

    async def on_refunded(self, db: AsyncSession, *, settings: Settings, payment: Payment, refund: Refund) -> None:
        order = await db.get(Order, payment.reference_id, populate_existing=True)
        if order is None:
            return
        order.refunded_cents += refund.amount_cents
        conference = await _conference(db, order)
        if order.refunded_cents >= order.paid_cents > 0:
            # Fully refunded (by our cancellation or by staff in payments): nobody is left registered.
            for attendee in order.attendees:
                if attendee.status in LIVE_ATTENDEE:
                    _revoke(attendee, AttendeeStatus.REFUNDED, at=now())
            order.status = OrderStatus.CANCELLED
        await db.flush()
        await mail.send_refund_notice(
            db,
            settings=settings,
            conference=conference,
            order=order,
            amount_cents=refund.amount_cents,
            by_card=refund.method is None,
        )


_REISSUING = "registration.reissuing-invoice"


async def _needs_attention(db: AsyncSession, *, order: Order, reason: str) -> None:
    order.status = OrderStatus.NEEDS_ATTENTION
    order.attention_reason = reason[:500]
    await db.flush()
    await record(
        db,
        actor=None,
        action="registration.order_needs_attention",
        subject_type="order",
        subject_id=order.id,
        conference_id=order.conference_id,
        reason=reason,
    )


# --- cancellation, refunds, substitution ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cancellation:
    attendees: list[Attendee]
    refund_cents: int
    fee_cents: int


def refund_under_policy(policy: CancellationPolicy | None, *, paid_cents: int, at: datetime) -> tuple[int, int]:
    """(refund, fee) for one attendee who paid ``paid_cents``: full, less the fee, or nothing, by date."""
    if paid_cents <= 0:
        return 0, 0
    if policy is None or (policy.full_refund_until is not None and at < policy.full_refund_until):
        return paid_cents, 0
    if policy.partial_refund_until is not None and at < policy.partial_refund_until:
        if policy.fee_kind == DiscountKind.PERCENT:
            fee = min(paid_cents, (paid_cents * policy.fee_value + 50) // 100)
        else:
            fee = min(paid_cents, policy.fee_value)
        return paid_cents - fee, fee
    return 0, paid_cents


def _revoke(attendee: Attendee, status: AttendeeStatus, *, at: datetime) -> None:
    attendee.status = status
    attendee.cancelled_at = at
    attendee.badge_version += 1  # the old badge stops scanning


async def _cancel_unpaid(db: AsyncSession, *, settings: Settings, order: Order, reason: str) -> None:
    moment = now()
    freed = [a for a in order.attendees if a.status in LIVE_ATTENDEE]
    for attendee in freed:
        _revoke(attendee, AttendeeStatus.CANCELLED, at=moment)
    order.status = OrderStatus.CANCELLED
    order.hold_expires_at = None
    await db.flush()
    await record(
        db,
        actor=None,
        action="registration.order_cancelled",
        subject_type="order",
        subject_id=order.id,
        conference_id=order.conference_id,
        reason=reason,
    )
    await offer_free_seats(db, settings=settings, type_ids={a.registration_type_id for a in freed}, at=moment)


def _with_guests(order: Order, chosen: set[uuid.UUID]) -> list[Attendee]:
    """The chosen attendees and the guests who came with them: a guest pass needs its primary attendee."""
    return [
        a for a in order.attendees if a.status in LIVE_ATTENDEE and (a.id in chosen or a.primary_attendee_id in chosen)
    ]


async def cancel_attendees(
    db: AsyncSession,
    *,
    settings: Settings,
    order: Order,
    attendee_ids: Sequence[uuid.UUID] = (),
    actor: Principal | None = None,
    waive_policy: bool = False,
    at: datetime | None = None,
) -> Cancellation:
    """Cancels some attendees (none named: the whole order) and refunds what the policy allows.

    A cancelled attendee's badge is revoked at once (``badge_version`` rises) and the seat
    goes back on sale (to the waitlist first). Refunds go through payments, one per
    attendee with an idempotency key, so asking twice never pays twice.
    """
    moment = at or now()
    live_ids = {a.id for a in order.attendees if a.status in LIVE_ATTENDEE}
    chosen = set(attendee_ids) or live_ids
    if not chosen <= live_ids:
        raise Invalid("Some of these attendees are not (or no longer) registered on this order.",
                      code="attendee-not-cancellable")  # fmt: skip
    targets = _with_guests(order, chosen)
    if order.status == OrderStatus.NEEDS_ATTENTION:
        raise Conflict(
            "Staff are dealing with this order's payment; please contact them.", code="order-needs-attention"
        )
    conference = await _conference(db, order)
    policy = None if waive_policy else await get_policy(db, conference_id=order.conference_id)
    everyone = {a.id for a in targets} == live_ids
    refund_total = fee_total = 0
    if order.status == OrderStatus.PAID:
        for attendee in targets:
            refund, fee = refund_under_policy(policy, paid_cents=attendee.amount_cents, at=moment)
            if waive_policy:
                refund, fee = attendee.amount_cents, 0
            refund = min(refund, max(order.paid_cents - order.refunded_cents - refund_total, 0))
            attendee.refunded_cents = refund
            refund_total += refund
            fee_total += fee
            _revoke(attendee, AttendeeStatus.REFUNDED if refund else AttendeeStatus.CANCELLED, at=moment)
        if everyone:
            order.status = OrderStatus.CANCELLED
        await db.flush()
        for attendee in targets:
            if attendee.refunded_cents:
                await _refund_through_payments(
                    db,
                    settings=settings,
                    order=order,
                    amount_cents=attendee.refunded_cents,
                    reason=f"Cancellation of {attendee.full_name}",
                    key=f"registration-cancel-{attendee.id}",
                    actor=actor,
                )
    else:
        live_payment = await payments.live_payment_for(db, purpose=PURPOSE, reference_id=order.id)
        if (
            live_payment is not None
            and live_payment.invoice is None
            and live_payment.status != PaymentStatus.REQUIRES_ACTION
        ):
            # Stripe may still collect it: cancelling now would race the payment. (An abandoned
            # 3-D Secure step is cancelled below instead.)
            raise Conflict("A card payment for this order is being processed; try again in a minute.",
                           code="payment-in-progress")  # fmt: skip
        for attendee in targets:
            _revoke(attendee, AttendeeStatus.CANCELLED, at=moment)
            order.subtotal_cents -= attendee.price_cents
            order.discount_cents -= attendee.discount_cents
            order.total_cents -= attendee.amount_cents
        if everyone:
            order.status = OrderStatus.CANCELLED
            order.hold_expires_at = None
        await db.flush()
        if live_payment is not None:
            if live_payment.invoice is not None:
                db.info.setdefault(_REISSUING, set()).add(order.id)
                try:
                    await payments.void_invoice(
                        db, settings=settings, invoice=live_payment.invoice, reason="attendees cancelled", actor=actor
                    )
                finally:
                    db.info[_REISSUING].discard(order.id)
                if not everyone and order.total_cents > 0:
                    await _issue_invoice(db, settings=settings, conference=conference, order=order, actor=actor)
            else:
                await payments.cancel_payment(
                    db, settings=settings, payment=live_payment, actor=actor, reason="order cancelled"
                )
    await record(
        db,
        actor=actor,
        action="registration.attendees_cancelled",
        subject_type="order",
        subject_id=order.id,
        conference_id=order.conference_id,
        attendees=[str(a.id) for a in targets],
        refund_cents=refund_total,
        fee_cents=fee_total,
    )
    await mail.send_cancellation(
        db,
        settings=settings,
        conference=conference,
        order=order,
        attendees=targets,
        refund_cents=refund_total,
        fee_cents=fee_total,
    )
    await offer_free_seats(db, settings=settings, type_ids={a.registration_type_id for a in targets}, at=moment)
    return Cancellation(attendees=targets, refund_cents=refund_total, fee_cents=fee_total)


async def _refund_through_payments(
    db: AsyncSession,
    *,
    settings: Settings,
    order: Order,
    amount_cents: int,
    reason: str,
    key: str,
    actor: Principal | None,
) -> int:
    """Refunds ``amount_cents`` over the order's paid payments, newest first; returns what was asked for."""
    left = amount_cents
    paid = [
        p for p in await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id) if p.refundable_cents > 0
    ]
    for n, payment in enumerate(reversed(paid)):
        if left <= 0:
            break
        part = min(left, payment.refundable_cents)
        await payments.refund(
            db,
            settings=settings,
            payment=payment,
            amount_cents=part,
            reason=reason,
            actor=actor,
            idempotency_key=key if n == 0 else f"{key}-{n}",
            method=ReceiptMethod.CHECK if payment.invoice is not None else None,
        )
        left -= part
    return amount_cents - left


async def honour_order(db: AsyncSession, *, settings: Settings, order: Order, actor: Principal | None) -> Order:
    """Staff give a "needs attention" order its seats after all (e.g. after raising the capacity).

    The seats are taken as at checkout (409 ``sold-out`` if they still are not there); the
    attendees are confirmed and mailed, and the payment's attention flag is settled.
    """
    if order.status != OrderStatus.NEEDS_ATTENTION:
        raise Conflict(f"Order {order.number} does not need attention.", code="order-not-needing-attention")
    moment = now()
    await _secure_seats_again(db, order=order, at=moment)
    await _confirm(db, settings=settings, conference=await _conference(db, order), order=order, at=moment)
    for payment in await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id):
        if payment.needs_attention and payment.attention_resolved_at is None:
            await payments.resolve_attention(db, payment=payment, note="Registration honoured by staff", actor=actor)
    await record(
        db,
        actor=actor,
        action="registration.order_honoured",
        subject_type="order",
        subject_id=order.id,
        conference_id=order.conference_id,
    )
    return order


async def refund_order(
    db: AsyncSession,
    *,
    settings: Settings,
    order: Order,
    amount_cents: int | None,
    reason: str,
    cancel_attendees_too: bool,
    actor: Principal | None,
) -> int:
    """Staff refund: an amount (default: everything left), optionally cancelling every attendee with no fee."""
    collected = await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id)
    refundable = sum(p.refundable_cents for p in collected)
    amount = refundable if amount_cents is None else amount_cents
    if amount <= 0 or amount > refundable:
        raise Invalid(f"At most {refundable} cents can be refunded on order {order.number}.", code="refund-too-large")
    if cancel_attendees_too:
        if amount_cents is not None:
            raise Invalid("Cancelling every attendee refunds all they paid: leave amount_cents out.",
                          code="refund-amount-with-cancel")  # fmt: skip
        if order.status == OrderStatus.PAID:
            result = await cancel_attendees(db, settings=settings, order=order, actor=actor, waive_policy=True)
            return result.refund_cents
    # An order in "needs attention" never got its seats: refunding it settles it.
    key = f"registration-refund-{order.id}-{order.refunded_cents}-{amount}"
    asked = await _refund_through_payments(
        db, settings=settings, order=order, amount_cents=amount, reason=reason or "Refund by staff", key=key,
        actor=actor,
    )  # fmt: skip
    await record(
        db,
        actor=actor,
        action="registration.order_refunded",
        subject_type="order",
        subject_id=order.id,
        conference_id=order.conference_id,
        amount_cents=asked,
        reason=reason,
    )
    return asked


async def substitute(
    db: AsyncSession,
    *,
    settings: Settings,
    order: Order,
    attendee_id: uuid.UUID,
    data: SubstituteIn,
    actor: Principal | None = None,
    at: datetime | None = None,
) -> Attendee:
    """Moves a confirmed registration to a colleague from the same city, before the policy's deadline.

    The colleague is a new attendee with a new badge; the old badge is revoked.
    """
    moment = at or now()
    old = next((a for a in order.attendees if a.id == attendee_id), None)
    if old is None or old.status != AttendeeStatus.CONFIRMED:
        raise Invalid("Only a confirmed attendee of this order can be substituted.", code="attendee-not-substitutable")
    conference = await _conference(db, order)
    policy = await get_policy(db, conference_id=order.conference_id)
    deadline = policy.substitution_until if policy else None
    if deadline is not None and moment >= deadline:
        raise NotAllowed("The deadline for substitutions has passed.", code="substitution-closed")
    email = data.email.strip().lower()
    new_city = await city_for_email(db, email=email)
    if old.city_id is not None:
        if new_city is None or new_city.id != old.city_id:
            raise Invalid(f"A substitute must be a colleague from {old.city_name}, with a {old.city_name} email "
                          "address.", code="substitute-not-same-city")  # fmt: skip
    elif email.rpartition("@")[2] != old.email.rpartition("@")[2]:
        raise Invalid("A substitute must be a colleague with an email address at the same organization.",
                      code="substitute-not-same-city")  # fmt: skip
    if email == old.email:
        raise Invalid("The substitute is the same person.", code="substitute-same-person")
    new = Attendee(
        conference_id=old.conference_id,
        order_id=order.id,
        registration_type=old.registration_type,
        position=old.position,
        status=AttendeeStatus.CONFIRMED,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        badge_name=(data.badge_name or data.first_name).strip(),
        title=data.title.strip(),
        organization=old.organization,
        email=email,
        city_id=old.city_id,
        city_name=old.city_name,
        rate=old.rate,
        rate_note=old.rate_note,
        price_cents=old.price_cents,
        discount_cents=old.discount_cents,
        promo_code_id=old.promo_code_id,
        primary_attendee_id=old.primary_attendee_id,
        replaces_attendee_id=old.id,
        consent_to_share_contact=data.consent_to_share_contact,
        dietary_needs=data.dietary_needs.strip(),
        accessibility_needs=data.accessibility_needs.strip(),
        confirmed_at=moment,
    )
    # The old person's seat passes to the new one in the same transaction: capacity is unchanged.
    _revoke(old, AttendeeStatus.SUBSTITUTED, at=moment)
    db.add(new)
    await db.flush()
    for guest in order.attendees:
        if guest.primary_attendee_id == old.id:
            guest.primary_attendee_id = new.id
    order.attendees.append(new)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="registration.attendee_substituted",
        subject_type="attendee",
        subject_id=old.id,
        conference_id=order.conference_id,
        substitute_id=str(new.id),
    )
    await mail.send_confirmation(
        db, settings=settings, conference=conference, attendee=new, type_name=new.registration_type.name
    )
    return new


# --- organizers' views ------------------------------------------------------------------------------------


async def search_orders(
    db: AsyncSession,
    *,
    conference_id: uuid.UUID,
    search: str | None,
    status: OrderStatus | None,
    limit: int,
    offset: int,
) -> OffsetPagination[Order]:
    """Orders newest first; ``search`` matches the number, the buyer, or any attendee's name or email."""
    query = select(Order).where(Order.conference_id == conference_id).order_by(Order.created_at.desc())
    if status is not None:
        query = query.where(Order.status == status)
    if search:
        needle = search.strip().lower()
        attendee_match = (
            select(Attendee.order_id)
            .where(
                or_(
                    func.lower(Attendee.email).contains(needle, autoescape=True),
                    func.lower(Attendee.first_name + " " + Attendee.last_name).contains(needle, autoescape=True),
                )
            )
            .scalar_subquery()
        )
        query = query.where(
            or_(
                func.lower(Order.number).contains(needle, autoescape=True),
                func.lower(Order.buyer_name).contains(needle, autoescape=True),
                func.lower(Order.buyer_email).contains(needle, autoescape=True),
                Order.id.in_(attendee_match),
            )
        )
    return await paginate(db, query, limit=limit, offset=offset)


EXPORT_COLUMNS = (
    "attendee_id", "order_number", "status", "registration_type", "first_name", "last_name", "badge_name", "title",
    "organization", "email", "city", "member_rate", "price", "discount", "paid_status", "consent_to_share_contact",
    "dietary_needs", "accessibility_needs", "badge_version",
)  # fmt: skip


def _dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


async def export_attendees_csv(db: AsyncSession, *, conference_id: uuid.UUID) -> str:
    """Every attendee of the conference as CSV (amounts in dollars and cents), safe to open in a spreadsheet."""
    rows = (
        await db.execute(
            select(Attendee, Order.number, Order.status, Order.currency)
            .join(Order, Order.id == Attendee.order_id)
            .where(Attendee.conference_id == conference_id)
            .order_by(Attendee.last_name, Attendee.first_name, Attendee.created_at)
        )
    ).all()
    return csv_text(
        EXPORT_COLUMNS,
        (
            (
                attendee.id, number, attendee.status.value, attendee.registration_type.name, attendee.first_name,
                attendee.last_name, attendee.badge_name, attendee.title, attendee.organization, attendee.email,
                attendee.city_name, "yes" if attendee.rate == Rate.MEMBER else "no",
                _dollars(attendee.price_cents), _dollars(attendee.discount_cents), order_status.value,
                "yes" if attendee.consent_to_share_contact else "no", attendee.dietary_needs,
                attendee.accessibility_needs, attendee.badge_version,
            )
            for attendee, number, order_status, _currency in rows
        ),
    )  # fmt: skip
