"""The quote: what an order would cost now, attendee by attendee, checked against the types' rules.

``price_order`` is the one place an amount is computed: the quote shown to a buyer and the
order placed at checkout both come from it, and it writes nothing. Each attendee gets the
member or non-member rate (``pricing.check_member`` says why), the price of the current
period and the promo code's discount where the code covers their type; a waitlist offer
lets its holder buy the seat kept for them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import msgspec
from sqlalchemy import Select, bindparam, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, raiseload

from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference, MemberCity
from events_app.conferences.service import CitySearch, registration_is_open
from events_app.registration.capacity import SeatsHeld, held_columns, seats_held_by_type
from events_app.registration.errors import (
    CodeRequired,
    DuplicateAttendee,
    GuestNeedsPrimary,
    GuestOfNotAGuest,
    MixedCurrencies,
    OfferMismatch,
    PromoCodeNotApplicable,
    RegistrationClosed,
    SaleEnded,
    SaleNotStarted,
    TypeNotForSale,
    UnknownRegistrationType,
)
from events_app.registration.models import OrderSource, PromoCode, RegistrationType, TypeKind, Visibility, WaitlistEntry
from events_app.registration.pricing import MemberCheck, check_member, code_covers, discount_cents, price_cents
from events_app.registration.promo import find_code
from events_app.registration.schemas import AttendeeIn, OrderIn, Quote, QuoteLine
from events_app.registration.waitlist import offer_from_token
from events_app.settings import Settings


def order_source(principal: Principal | None) -> OrderSource:
    """Where an order placed by this caller comes from: an organizer's is theirs, anyone else's is online."""
    return OrderSource.ORGANIZER if principal is not None and principal.role == Role.ORGANIZER else OrderSource.ONLINE


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
    seats_held: dict[uuid.UUID, SeatsHeld] = field(default_factory=dict)
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

    @property
    def promo_code(self) -> str | None:
        return self.code.code if self.code else None

    @property
    def payment_needed(self) -> bool:
        return self.total_cents > 0


def _check_for_sale(t: RegistrationType, *, at: datetime, code: PromoCode | None) -> None:
    if not t.active or t.kind == TypeKind.EXHIBITOR:
        raise TypeNotForSale(f"{t.name} is not sold here.")
    if t.visibility == Visibility.CODE_ONLY and not (code is not None and code.types and code_covers(code, t)):
        raise CodeRequired(f"{t.name} is given with a code only.")
    if t.sale_starts_at is not None and at < t.sale_starts_at:
        raise SaleNotStarted(f"{t.name} is not on sale yet.")
    if t.sale_ends_at is not None and at >= t.sale_ends_at:
        raise SaleEnded(f"{t.name} is no longer on sale.")


@cache
def _types_read(*, count_seats: bool, excluding_offer: bool) -> Select[Any]:
    """One read for the types, the cities the attendees name or write from and (``count_seats``) the seats held.

    Each type comes once per city found (a handful), or once when none is. Built once per shape, with
    parameters: building it anew cost a checkout more CPU than the database spent running it.
    """
    found = CitySearch.query().subquery()
    city = aliased(MemberCity, found)
    held = held_columns(
        moment=bindparam("moment"),
        exclude_offer_id=bindparam("offer_id") if excluding_offer else None,
        exclude_order_id=None,
    )
    return (
        # The counter comes as a column of its own: an entity already in the session keeps its older values.
        select(RegistrationType, city, found.c.domain, *((*held, RegistrationType.lock_counter) if count_seats else ()))
        .outerjoin(found, true())
        .where(
            RegistrationType.id.in_(bindparam("type_ids", expanding=True)),
            RegistrationType.conference_id == bindparam("conference_id"),
        )
        .options(raiseload(city.division), raiseload(city.email_domains))
    )


async def price_order(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    data: OrderIn,
    at: datetime,
    source: OrderSource = OrderSource.ONLINE,
    count_seats: bool = False,
) -> PricedOrder:
    """Every attendee's rate, price and discount, checked against the types' rules. Writes nothing.

    Organizers may register someone outside the registration window (``source``). ``count_seats``:
    also the seats held in each limited type (``seats_held``), counted in the same read.
    """
    if source != OrderSource.ORGANIZER and not registration_is_open(conference, at=at):
        raise RegistrationClosed(f"Registration for {conference.name} is not open.")
    code = None
    if data.promo_code:
        code = await find_code(db, conference_id=conference.id, code=data.promo_code, at=at)
    type_ids = {a.registration_type_id for a in data.attendees}
    offer = None
    if data.waitlist_offer:
        offer = await offer_from_token(db, settings=settings, token=data.waitlist_offer, at=at)
        if offer.registration_type_id not in type_ids or offer.conference_id != conference.id:
            raise OfferMismatch("This order does not include the registration the offer is for.")
    search = CitySearch.of(
        emails=[a.email for a in data.attendees],
        city_ids=[a.city_id for a in data.attendees if a.city_id is not None],
    )
    params = {"type_ids": list(type_ids), "conference_id": conference.id, "moment": at, **search.params}
    if offer is not None:
        params["offer_id"] = offer.id
    query = _types_read(count_seats=count_seats, excluding_offer=offer is not None)
    rows = (await db.execute(query, params)).all()
    types = {row[0].id: row[0] for row in rows}
    if missing := type_ids - types.keys():
        raise UnknownRegistrationType(f"Unknown registration type: {', '.join(map(str, missing))}.")
    currencies = {t.currency for t in types.values()}
    if len(currencies) > 1:
        raise MixedCurrencies("One order cannot mix currencies.")
    cities = search.found((row[1], row[2]) for row in rows)
    seats_held = seats_held_by_type(
        (t.id, t.name, t.capacity, by_attendees, by_offers, counter)
        for t, _, _, by_attendees, by_offers, counter in (rows if count_seats else ())
    )
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
                raise GuestNeedsPrimary(
                    f"{person.first_name} {person.last_name} has a guest pass: name the attendee of this order "
                    "they accompany (guest_of).",
                )
        elif person.guest_of is not None:
            raise GuestOfNotAGuest("Only a guest pass accompanies another attendee.")
        email = person.email.strip().lower()
        if t.kind != TypeKind.GUEST:
            if email in seen_emails:
                raise DuplicateAttendee(f"{email} is listed twice in this order.")
            seen_emails.add(email)
        claimed = cities.named(person.city_id) if person.city_id is not None else None
        member = check_member(email, claimed_city=claimed, cities=cities)
        price = price_cents(t, rate=member.rate, at=at)
        uses_code = code is not None and code_covers(code, t)
        discount = discount_cents(code, price=price) if code is not None and uses_code else 0
        priced.append(PricedAttendee(person, t, member, price, discount, uses_code))
    if code is not None and not any(p.uses_code for p in priced):
        raise PromoCodeNotApplicable(f"The code {code.code} does not apply to these registrations.")
    order = PricedOrder(currency=currencies.pop(), attendees=priced, code=code, offer=offer, seats_held=seats_held)
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
    return msgspec.convert(priced, Quote, from_attributes=True)
