"""Checkout: placing an order, holding its seats, and starting its payment by invoice or by card.

``place_order`` takes the seats and promo-code uses under ``capacity``'s locks (409 when
they are gone) and records the order at the prices of ``quote.price_order``; in a rush,
buyers wait for their turn in a per-process line, holding no connection. Nothing to
pay: confirmed at once. Invoice: a numbered invoice from payments, seats held until it is
paid or voided. Card: pending, seats held for ``HOLD_MINUTES`` while the buyer pays
through ``pay_by_card``; payments then tells ``payment_events`` how it went.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.db import write_pending
from events_app.payments import service as payments
from events_app.payments.errors import CardPaymentsDisabled
from events_app.payments.schemas import InvoiceLine
from events_app.registration import capacity, mail
from events_app.registration.errors import NothingToConfirm, OrderNotFound, OrderNotPayable, PaymentNeeded
from events_app.registration.manage_links import manage_url
from events_app.registration.models import (
    LIVE_ATTENDEE,
    Attendee,
    AttendeeStatus,
    Order,
    OrderSource,
    OrderStatus,
    PaymentMethod,
    PromoCode,
    Rate,
    WaitlistStatus,
)
from events_app.registration.quote import PricedOrder, price_order
from events_app.registration.schemas import OrderIn
from events_app.registration.service import audit, new_order_number
from events_app.settings import Settings

PURPOSE = "registration.order"  # what payments knows a registration order's payments by
HOLD_MINUTES = 30
# Orders of one process at work on the database at once. In a rush the others wait for their turn here, in
# memory, rather than each on a pooled connection queued on the type's lock (a pool of 20 cannot hold a
# thousand buyers, and each wait would end in a 503), and the few at work resume from an event loop that
# runs little else, so each holds the lock for a few round trips. Two keep the lock busy (one writes while
# the next prices its order); more would only queue on the lock and slow the one holding it.
ORDERS_AT_ONCE = 2
# How long a buyer waits in line before hearing 503 busy with Retry-After: under the 60 s a reverse proxy
# commonly waits for an answer, so the buyer hears ours, not the proxy's.
ORDER_LINE_SECONDS = 55
_lines: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = WeakKeyDictionary()


@asynccontextmanager
async def _turn(db: AsyncSession, settings: Settings) -> AsyncIterator[None]:
    """Waits in line for one of the process's ``ORDERS_AT_ONCE`` turns (503 busy after ``ORDER_LINE_SECONDS``)."""
    loop = asyncio.get_running_loop()
    # One line per event loop: a semaphore belongs to the loop it first waited on (tests run many loops).
    line = _lines.get(loop) or _lines.setdefault(
        loop, asyncio.Semaphore(min(ORDERS_AT_ONCE, settings.database_pool_size))
    )
    if line.locked() and not (db.new or db.dirty or db.deleted):
        # What the request read so far (its conference, its caller) stays loaded, and its connection goes
        # back to the pool for the wait.
        await db.commit()
    try:
        async with asyncio.timeout(ORDER_LINE_SECONDS):
            await line.acquire()
    except TimeoutError:
        raise PoolTimeout(f"No turn to place an order came within {ORDER_LINE_SECONDS} s.") from None
    try:
        yield
    finally:
        line.release()


async def get_order(db: AsyncSession, *, order_id: uuid.UUID, conference_id: uuid.UUID | None = None) -> Order:
    """An order by id; with ``conference_id``, only one of that conference (404 otherwise)."""
    order = await db.get(Order, order_id)
    if order is None or (conference_id is not None and order.conference_id != conference_id):
        raise OrderNotFound("No order has this id.")
    return order


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
    """Takes the seats and code uses (409 when gone), records the order and commits it.

    Nothing to pay: confirmed at once. Invoice: a numbered invoice, seats held with no
    expiry. Card: pending, seats held for ``HOLD_MINUTES`` while the buyer pays.
    """
    async with _turn(db, settings):
        return await _place_order(
            db, settings=settings, conference=conference, data=data, actor=actor, source=source, moment=at or now()
        )


async def _place_order(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    data: OrderIn,
    actor: Principal | None,
    source: OrderSource,
    moment: datetime,
) -> Order:
    if data.submission_key and (earlier := await _submitted(db, conference=conference, key=data.submission_key)):
        return earlier
    priced = await price_order(
        db, settings=settings, conference=conference, data=data, at=moment, source=source, count_seats=True
    )
    method = data.payment_method
    if priced.total_cents == 0:
        method = PaymentMethod.NONE
    elif method == PaymentMethod.NONE:
        raise PaymentNeeded("This order has something to pay: choose card or invoice.")
    elif method == PaymentMethod.CARD and not payments.card_payments_enabled(settings):
        raise CardPaymentsDisabled("Card payment is not available; choose an invoice.")

    wanted = Counter(p.registration_type.id for p in priced.attendees)
    offer_id = priced.offer.id if priced.offer else None
    capacity.refuse_unless_fit(wanted, priced.seats_held)

    status = {
        PaymentMethod.NONE: OrderStatus.PAID,
        PaymentMethod.INVOICE: OrderStatus.INVOICED,
        PaymentMethod.CARD: OrderStatus.PENDING,
    }[method]
    order = Order(
        id=uuid.uuid4(),
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
    if data.submission_key:
        try:
            async with db.begin_nested():
                db.add(order)
        except IntegrityError:
            # The same checkout sent twice at once: the first one's order is the answer.
            if earlier := await _submitted(db, conference=conference, key=data.submission_key):
                return earlier
            raise
    # The order's rows are written with Core INSERTs rather than the session's flush, which cost the order more
    # CPU than anything else it does. Until written, the mails see attendees not yet in the database, whose
    # agendas and badges need no read.
    with db.no_autoflush:
        db.add(order)
        await _record_order(
            db, settings=settings, conference=conference, order=order, priced=priced, method=method, actor=actor
        )
        if method == PaymentMethod.NONE:
            await confirm(db, settings=settings, conference=conference, order=order, at=moment)
        # The order and its attendees (and an invoice's payment) are written before the type's lock, their
        # seats left out of the count under it (``exclude_order_id``): nobody sees them before the commit, which
        # comes after the lock bumped the counter. The lock is then held for the invoice number and the last
        # writes only, so a rush queues for milliseconds per buyer. A refusal rolls all of it back.
        await write_pending(db, Order, Attendee)

        async def take_seats() -> None:
            await capacity.take_seats(
                db,
                wanted=wanted,
                moment=moment,
                counted=priced.seats_held,
                exclude_offer_id=offer_id,
                exclude_order_id=order.id,
            )
            if priced.code is not None:
                await capacity.take_code_uses(
                    db, code=priced.code, uses=priced.code_uses, moment=moment, exclude_order_id=order.id
                )

        if method == PaymentMethod.INVOICE:
            # Numbered under the type's lock, after it: every path takes a type's lock before the series'.
            await issue_invoice(
                db, settings=settings, conference=conference, order=order, actor=actor, before_numbering=take_seats
            )
        else:
            await take_seats()
        await write_pending(db)
    # Committed at once rather than after the answer is built: the type's lock (and the invoice series')
    # is held until the commit, and in a rush every buyer behind waits for it. A refused commit raises
    # here, and the buyer hears that instead.
    await db.commit()
    return order


async def _record_order(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    order: Order,
    priced: PricedOrder,
    method: PaymentMethod,
    actor: Principal | None,
) -> None:
    """The order's attendees, its audit entry and, invoiced, each attendee's payment-pending mail."""
    ids = [uuid.uuid4() for _ in priced.attendees]
    attendees: list[Attendee] = []
    for position, p in enumerate(priced.attendees):
        person = p.data
        attendees.append(
            Attendee(
                id=ids[position],
                conference_id=order.conference_id,
                order_id=order.id,
                registration_type_id=p.registration_type.id,
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
                primary_attendee_id=ids[person.guest_of] if person.guest_of is not None else None,
                consent_to_share_contact=person.consent_to_share_contact,
                dietary_needs=person.dietary_needs.strip(),
                accessibility_needs=person.accessibility_needs.strip(),
            )
        )
    # Rows are written in the order they join the session, and a guest's names the row of the person they
    # accompany, who may come later in the order: the people first, then their guests.
    db.add_all([a for a in attendees if a.primary_attendee_id is None])
    db.add_all([a for a in attendees if a.primary_attendee_id is not None])
    order.attendees.extend(attendees)
    if priced.offer is not None:
        priced.offer.status = WaitlistStatus.CLAIMED
        priced.offer.order_id = order.id
    await audit(
        db,
        order,
        "registration.order_placed",
        actor=actor,
        number=order.number,
        attendees=len(order.attendees),
        total_cents=order.total_cents,
        payment_method=method.value,
    )
    if method == PaymentMethod.INVOICE:
        # A check takes weeks: the officials hear now that they are in, and can plan their sessions.
        for attendee in order.attendees:
            await mail.send_payment_pending(
                db,
                settings=settings,
                conference=conference,
                attendee=attendee,
                type_name=attendee.registration_type.name,
            )


async def issue_invoice(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    order: Order,
    actor: Principal | None,
    before_numbering: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Bills the order's live attendees on a numbered invoice (cities pay by check) and mails the buyer.

    ``before_numbering``: what must be locked before the invoice series (see ``payments.create_invoice``).
    """
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
        before_numbering=before_numbering,
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


async def _mail_confirmations(
    db: AsyncSession, *, settings: Settings, conference: Conference, order: Order, attendees: list[Attendee]
) -> None:
    """Each attendee's confirmation, then the buyer's receipt with the manage link."""
    for attendee in attendees:
        await mail.send_confirmation(
            db, settings=settings, conference=conference, attendee=attendee, type_name=attendee.registration_type.name
        )
    await mail.send_order_receipt(
        db,
        settings=settings,
        conference=conference,
        order=order,
        manage_url=manage_url(settings, conference=conference, order=order),
    )


async def resend_confirmation(
    db: AsyncSession, *, settings: Settings, conference: Conference, order: Order, actor: Principal | None
) -> list[Attendee]:
    """Mails every confirmed attendee their confirmation again, and the buyer the receipt (a lost mail, a new inbox)."""
    confirmed = [a for a in order.attendees if a.status == AttendeeStatus.CONFIRMED]
    if not confirmed:
        raise NothingToConfirm(f"Order {order.number} has no confirmed attendee to send a confirmation to.")
    await _mail_confirmations(db, settings=settings, conference=conference, order=order, attendees=confirmed)
    await audit(db, order, "registration.confirmation_resent", actor=actor, attendees=[str(a.id) for a in confirmed])
    return confirmed


async def confirm(db: AsyncSession, *, settings: Settings, conference: Conference, order: Order, at: datetime) -> None:
    """Paid (or nothing to pay): every waiting attendee is confirmed and mailed."""
    order.status = OrderStatus.PAID
    order.paid_at = at
    order.hold_expires_at = None
    order.attention_reason = ""
    waiting = [a for a in order.attendees if a.status == AttendeeStatus.PENDING]
    for attendee in waiting:
        attendee.status = AttendeeStatus.CONFIRMED
        attendee.confirmed_at = at
    await db.flush()
    await _mail_confirmations(db, settings=settings, conference=conference, order=order, attendees=waiting)


async def secure_seats_again(db: AsyncSession, *, order: Order, at: datetime) -> None:
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


def hold_is_live(order: Order, at: datetime) -> bool:
    """Whether the order still holds its seats: an invoiced one until it is settled, a card one until its hold ends."""
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
        raise OrderNotPayable(
            f"Order {order.number} is {order.status.value.replace('_', ' ')}: nothing to pay by card."
        )
    conference = await db.get_one(Conference, order.conference_id)

    async def hold() -> None:
        if not hold_is_live(order, moment):
            await secure_seats_again(db, order=order, at=moment)
            order.status = OrderStatus.PENDING
        order.hold_expires_at = max(order.hold_expires_at or moment, moment + timedelta(minutes=HOLD_MINUTES))
        await db.flush()

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
        hold=hold,
    )
