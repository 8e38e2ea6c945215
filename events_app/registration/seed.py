"""The demo's registration: realistic types and prices, codes, a policy and ~1,500 attendees.

Officials of member cities (most at member rates, a few from cities not in good standing),
consultants and county staff at non-member rates, group orders from city clerks, some
invoiced by purchase order, a few cancelled. Orders and attendees are bulk-inserted so the
whole demo seeds in seconds; a conference that already has types is left alone, so running
the seed twice changes nothing. Seeded card orders carry no Stripe records: they are demo data.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference, MemberCity
from events_app.conferences.seed import DEMO_SLUG
from events_app.payments import service as payments
from events_app.payments.schemas import InvoiceLine
from events_app.registration.checkout import PURPOSE
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
)
from events_app.registration.pricing import price_cents
from events_app.settings import get_settings

TARGET_ATTENDEES = 1500
FIRST_NAMES = (
    "Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Jennifer", "David", "Elizabeth", "Carlos", "Susan",
    "Daniel", "Karen", "Jose", "Nancy", "Kevin", "Lisa", "Brian", "Angela", "Thomas", "Michelle", "Anthony", "Laura",
    "Steven", "Grace", "Eric", "Diane", "Jason", "Monica", "Ryan", "Teresa", "Victor", "Helen", "Ahmed", "Mei",
    "Priya", "Tuan", "Rosa", "Darnell", "Keiko", "Miguel", "Fatima", "Gabriel", "Alicia", "Hector", "Sandra",
)  # fmt: skip
LAST_NAMES = (
    "Garcia", "Smith", "Nguyen", "Johnson", "Martinez", "Lee", "Brown", "Lopez", "Wilson", "Hernandez", "Kim",
    "Davis", "Gonzalez", "Miller", "Chen", "Rodriguez", "Anderson", "Patel", "Taylor", "Ramirez", "Thomas", "Wong",
    "Moore", "Torres", "Jackson", "Flores", "White", "Rivera", "Harris", "Sanchez", "Clark", "Tran", "Lewis",
    "Robinson", "Walker", "Perez", "Hall", "Young", "Allen", "Ortiz", "Nakamura", "Washington", "Cohen", "Singh",
)  # fmt: skip
TITLES = (
    "Mayor", "Mayor Pro Tem", "Council Member", "Council Member", "Council Member", "City Manager",
    "Assistant City Manager", "City Clerk", "Deputy City Clerk", "City Attorney", "Police Chief", "Fire Chief",
    "Planning Director", "Public Works Director", "Finance Director", "Community Services Director",
    "Economic Development Manager", "Human Resources Director",
)  # fmt: skip
NON_MEMBERS = (
    ("County of Alpine", "alpinecountyca.gov"), ("Sierra Regional Water Agency", "srwa.org"),
    ("Best Best & Krieger", "bbklaw.com"), ("Kimley-Horn", "kimley-horn.com"), ("Willdan", "willdan.com"),
    ("Transit District of the Valley", "valleytransit.org"), ("", "gmail.com"), ("", "yahoo.com"),
)  # fmt: skip
DIETS = ("", "", "", "", "", "", "vegetarian", "vegan", "gluten-free", "no shellfish", "halal", "kosher")
ACCESS = ("",) * 14 + ("wheelchair access", "hearing loop", "large-print materials")
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _at(day: date, hour: int = 16) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _types(conference: Conference) -> list[RegistrationType]:
    def t(name: str, kind: TypeKind, member: int, non_member: int, **extra: Any) -> RegistrationType:
        return RegistrationType(
            conference_id=conference.id, name=name, kind=kind, member_price_cents=member,
            non_member_price_cents=non_member, **extra,
        )  # fmt: skip

    days = [
        conference.starts_on + timedelta(days=n) for n in range((conference.ends_on - conference.starts_on).days + 1)
    ]
    early_until = _at(date(2027, 7, 1), 7)
    onsite_from = _at(conference.starts_on, 7)
    return [
        t("Full conference", TypeKind.FULL, 59500, 119500, position=1,
          description="All three days: keynotes, breakouts, the Expo hall and the general luncheons.",
          early_member_price_cents=52500, early_non_member_price_cents=109500, early_bird_until=early_until,
          onsite_member_price_cents=69500, onsite_non_member_price_cents=129500, onsite_from=onsite_from),
        *(
            t(f"One day: {day.strftime('%A')}", TypeKind.ONE_DAY, 29500, 54500, valid_on=day, position=2 + n,
              description=f"Sessions and the Expo hall on {day.strftime('%A, %B %-d')}.",
              onsite_member_price_cents=34500, onsite_non_member_price_cents=59500, onsite_from=onsite_from)
            for n, day in enumerate(days)
        ),
        t("Guest", TypeKind.GUEST, 17500, 17500, position=10,
          description="For a spouse or companion of an attendee: receptions and the Expo hall, no sessions."),
        t("Speaker", TypeKind.SPEAKER_COMP, 0, 0, visibility=Visibility.CODE_ONLY, position=20,
          description="Complimentary for session speakers, with the code from the program team."),
        t("Association staff", TypeKind.STAFF_COMP, 0, 0, visibility=Visibility.CODE_ONLY, position=21),
        t("Exhibitor staff", TypeKind.EXHIBITOR, 0, 0, visibility=Visibility.CODE_ONLY, position=100,
          description="Staff of partner booths in the expo hall, named by their company."),
    ]  # fmt: skip


async def seed(db: AsyncSession, *, rng: random.Random) -> None:
    conference = await db.scalar(select(Conference).where(Conference.slug == DEMO_SLUG))
    if conference is None or await db.scalar(
        select(RegistrationType.id).where(RegistrationType.conference_id == conference.id).limit(1)
    ):
        return
    types = _types(conference)
    for t in types:
        t.id = _id(rng)
    db.add_all(types)
    by_kind = {t.kind: t for t in types if t.kind != TypeKind.ONE_DAY}
    one_days = [t for t in types if t.kind == TypeKind.ONE_DAY]
    speaker = PromoCode(
        id=_id(rng), conference_id=conference.id, code="SPEAKER27", kind=DiscountKind.PERCENT, value=100,
        description="Speakers register free.", types=[by_kind[TypeKind.SPEAKER_COMP]],
    )  # fmt: skip
    db.add_all(
        [
            speaker,
            PromoCode(id=_id(rng), conference_id=conference.id, code="STAFF27", kind=DiscountKind.PERCENT, value=100,
                      types=[by_kind[TypeKind.STAFF_COMP]], description="Association staff."),
            PromoCode(id=_id(rng), conference_id=conference.id, code="FIRSTTIMER", kind=DiscountKind.FIXED,
                      value=10000, max_uses=150, types=[by_kind[TypeKind.FULL]],
                      description="$100 off a first conference."),
            CancellationPolicy(id=_id(rng), conference_id=conference.id, fee_kind=DiscountKind.FIXED, fee_value=7500,
                               full_refund_until=_at(date(2027, 8, 1), 7),
                               partial_refund_until=_at(date(2027, 9, 15), 7),
                               substitution_until=_at(date(2027, 10, 1), 7),
                               notes="Full refund until August 1; a $75 fee until September 15; none after. "
                                     "Substitutions from the same city until October 1."),
        ]
    )  # fmt: skip
    await db.flush()

    cities = list(await db.scalars(select(MemberCity).order_by(MemberCity.name)))
    orders: list[dict[str, Any]] = []
    attendees: list[dict[str, Any]] = []
    opened = conference.registration_opens_at or _at(date(2026, 11, 2))
    span = max(int((datetime(2026, 11, 26, tzinfo=UTC) - opened).total_seconds()), 3600)
    count = 0
    while count < TARGET_ATTENDEES:
        created = opened + timedelta(seconds=rng.randrange(span))
        member_order = rng.random() < 0.86
        city = rng.choice(cities) if member_order else None
        org, domain = (city.name, city.email_domains[0].domain) if city else rng.choice(NON_MEMBERS)
        group = rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 6)) if member_order else rng.choice((1, 1, 2))
        invoiced = (group >= 3 and rng.random() < 0.6) or rng.random() < 0.08
        order_id = _id(rng)
        number = "R-" + "".join(rng.choice(NUMBER_ALPHABET) for _ in range(7))
        buyer_first, buyer_last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        # Most invoices are paid by check by now; the newest are still open.
        paid = not invoiced or rng.random() < 0.55
        lines: list[dict[str, Any]] = []
        for n in range(group):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            roll = rng.random()
            if n > 0 and roll < 0.08:
                kind_type = by_kind[TypeKind.GUEST]
            elif roll < 0.2:
                kind_type = rng.choice(one_days)
            else:
                kind_type = by_kind[TypeKind.FULL]
            member = city is not None and city.in_good_standing
            rate = Rate.MEMBER if member else Rate.NON_MEMBER
            note = (
                f"{city.name} is not a member in good standing at the moment, so the non-member price applies."
                if city is not None and not city.in_good_standing
                else ""
                if city is not None
                else f"No member city uses the email domain {domain}, so the non-member price applies."
            )
            price = price_cents(kind_type, rate=rate, at=created)
            local = f"{first[0]}{last}{rng.randrange(100)}".lower().replace(" ", "")
            lines.append(
                {
                    "id": _id(rng), "conference_id": conference.id, "order_id": order_id,
                    "registration_type_id": kind_type.id, "position": n, "first_name": first, "last_name": last,
                    "badge_name": first, "title": "" if kind_type.kind == TypeKind.GUEST else rng.choice(TITLES),
                    "organization": org, "email": f"{local}@{domain}", "city_id": city.id if city else None,
                    "city_name": city.name if city else org, "rate": rate, "rate_note": note, "price_cents": price,
                    "discount_cents": 0, "refunded_cents": 0, "badge_version": 1,
                    "consent_to_share_contact": rng.random() < 0.7, "dietary_needs": rng.choice(DIETS),
                    "accessibility_needs": rng.choice(ACCESS),
                    "status": AttendeeStatus.CONFIRMED if paid else AttendeeStatus.PENDING,
                    "confirmed_at": created if paid else None, "cancelled_at": None,
                    "primary_attendee_id": None, "replaces_attendee_id": None, "promo_code_id": None,
                    "created_at": created, "updated_at": created,
                }
            )  # fmt: skip
        primary = lines[0]["id"]
        for line in lines:
            if line["registration_type_id"] == by_kind[TypeKind.GUEST].id:
                line["primary_attendee_id"] = primary
        total = sum(line["price_cents"] for line in lines)
        status = OrderStatus.PAID if paid else OrderStatus.INVOICED
        if paid and rng.random() < 0.03:  # a few changed plans and cancelled in the full-refund period
            for line in lines:
                line.update(status=AttendeeStatus.REFUNDED, refunded_cents=line["price_cents"], badge_version=2,
                            cancelled_at=created + timedelta(days=2))  # fmt: skip
            status = OrderStatus.CANCELLED
        orders.append(
            {
                "id": order_id, "conference_id": conference.id, "number": number,
                "buyer_name": f"{buyer_first} {buyer_last}",
                "buyer_email": f"{buyer_first[0]}{buyer_last}".lower() + f"@{domain}",
                "buyer_organization": org, "status": status, "source": OrderSource.ONLINE,
                "payment_method": PaymentMethod.INVOICE if invoiced else PaymentMethod.CARD,
                "currency": "USD", "subtotal_cents": total, "discount_cents": 0, "total_cents": total,
                "paid_cents": total if paid else 0,
                "refunded_cents": total if status == OrderStatus.CANCELLED else 0,
                "promo_code_id": None, "po_number": f"PO-{rng.randrange(10000, 99999)}" if invoiced else "",
                "hold_expires_at": None, "paid_at": created if paid else None, "attention_reason": "",
                "manage_version": 1, "created_at": created, "updated_at": created,
            }
        )  # fmt: skip
        attendees.extend(lines)
        count += group
    for n, last in enumerate(("Okafor", "Lindqvist", "Delgado")):
        order_id = _id(rng)
        orders.append(
            {
                "id": order_id, "conference_id": conference.id, "number": f"R-SPKR{n}", "buyer_name": f"Dr. {last}",
                "buyer_email": f"{last.lower()}@university.edu", "buyer_organization": "State University",
                "status": OrderStatus.PAID, "source": OrderSource.ONLINE, "payment_method": PaymentMethod.NONE,
                "currency": "USD", "subtotal_cents": 0, "discount_cents": 0, "total_cents": 0, "paid_cents": 0,
                "refunded_cents": 0, "promo_code_id": speaker.id, "po_number": "", "hold_expires_at": None,
                "paid_at": opened, "attention_reason": "", "manage_version": 1, "created_at": opened,
                "updated_at": opened,
            }
        )  # fmt: skip
        attendees.append(
            {
                "id": _id(rng), "conference_id": conference.id, "order_id": order_id,
                "registration_type_id": by_kind[TypeKind.SPEAKER_COMP].id, "position": 0,
                "first_name": rng.choice(FIRST_NAMES), "last_name": last, "badge_name": f"Dr. {last}",
                "title": "Professor of Public Policy", "organization": "State University",
                "email": f"{last.lower()}@university.edu", "city_id": None, "city_name": "State University",
                "rate": Rate.NON_MEMBER, "rate_note": "", "price_cents": 0, "discount_cents": 0,
                "refunded_cents": 0, "badge_version": 1, "consent_to_share_contact": True, "dietary_needs": "",
                "accessibility_needs": "", "status": AttendeeStatus.CONFIRMED, "confirmed_at": opened,
                "cancelled_at": None, "primary_attendee_id": None, "replaces_attendee_id": None,
                "promo_code_id": speaker.id, "created_at": opened, "updated_at": opened,
            }
        )  # fmt: skip
    await db.execute(insert(Order), orders)
    # Primary attendees first: a guest's row points at its primary's.
    await db.execute(insert(Attendee), [a for a in attendees if a["primary_attendee_id"] is None])
    await db.execute(insert(Attendee), [a for a in attendees if a["primary_attendee_id"] is not None])
    await _open_invoices(db, conference=conference, orders=orders, attendees=attendees, types=types)


async def _open_invoices(
    db: AsyncSession,
    *,
    conference: Conference,
    orders: list[dict[str, Any]],
    attendees: list[dict[str, Any]],
    types: list[RegistrationType],
) -> None:
    """Real numbered invoices for the orders still waiting for their check, so their pages link to them."""
    names = {t.id: t.name for t in types}
    settings = get_settings()
    for order in orders:
        if order["status"] != OrderStatus.INVOICED:
            continue
        lines = [
            InvoiceLine(
                description=f"{names[a['registration_type_id']]} "
                f"({'member' if a['rate'] == Rate.MEMBER else 'non-member'} rate) - {a['first_name']} {a['last_name']}",
                unit_amount_cents=a["price_cents"],
            )
            for a in attendees
            if a["order_id"] == order["id"]
        ]
        await payments.create_invoice(
            db,
            settings=settings,
            conference_id=conference.id,
            purpose=PURPOSE,
            reference_id=order["id"],
            bill_to=f"{order['buyer_organization']}\n{order['buyer_name']}\n{order['buyer_email']}",
            buyer_email=order["buyer_email"],
            buyer_name=order["buyer_name"],
            lines=lines,
            po_number=order["po_number"],
            description=f"{conference.name}: registration order {order['number']}",
        )
