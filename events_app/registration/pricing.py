"""What one attendee pays: the member or non-member rate, the price period, and a promo code's discount.

Member status belongs to the city, not the person: an attendee gets the member rate when
the domain of their email belongs to a member city in good standing (the one they named,
if they named one). Every other case falls back to the non-member rate with a sentence
saying why, so the buyer can fix an address instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from events_app.conferences.models import MemberCity
from events_app.conferences.service import CityLookup, email_domain
from events_app.registration.models import DiscountKind, PromoCode, Rate, RegistrationType


@dataclass(frozen=True, slots=True)
class MemberCheck:
    """The rate an attendee gets, the member city that vouches for them (if any) and why not, when not."""

    rate: Rate
    city: MemberCity | None
    note: str = ""


def check_member(email: str, *, claimed_city: MemberCity | None, cities: CityLookup) -> MemberCheck:
    """Decides member or non-member from the email's domain and the city the attendee named."""
    domain = email_domain(email)
    vouching = cities.for_email(email)
    if claimed_city is not None:
        if vouching is None or vouching.id != claimed_city.id:
            return MemberCheck(
                Rate.NON_MEMBER,
                claimed_city,
                f"{domain} is not an email domain of {claimed_city.name}, so the non-member price applies; "
                f"use a {claimed_city.name} address for the member rate.",
            )
        vouching = claimed_city
    elif vouching is None:
        return MemberCheck(
            Rate.NON_MEMBER, None, f"No member city uses the email domain {domain}, so the non-member price applies."
        )
    if not vouching.in_good_standing:
        return MemberCheck(
            Rate.NON_MEMBER,
            vouching,
            f"{vouching.name} is not a member in good standing at the moment, so the non-member price applies.",
        )
    return MemberCheck(Rate.MEMBER, vouching)


def price_period(registration_type: RegistrationType, *, at: datetime) -> str:
    """``early``, ``regular`` or ``onsite``: which of the type's prices applies at this moment."""
    if registration_type.onsite_from is not None and at >= registration_type.onsite_from:
        return "onsite"
    if registration_type.early_bird_until is not None and at < registration_type.early_bird_until:
        return "early"
    return "regular"


def price_cents(registration_type: RegistrationType, *, rate: Rate, at: datetime) -> int:
    """The type's price for this rate at this moment; a period without its own price uses the regular one."""
    member = rate == Rate.MEMBER
    regular = registration_type.member_price_cents if member else registration_type.non_member_price_cents
    period = price_period(registration_type, at=at)
    special: int | None = None
    if period == "onsite":
        special = (
            registration_type.onsite_member_price_cents if member else registration_type.onsite_non_member_price_cents
        )
    elif period == "early":
        special = (
            registration_type.early_member_price_cents if member else registration_type.early_non_member_price_cents
        )
    return regular if special is None else special


def discount_cents(code: PromoCode, *, price: int) -> int:
    """A code's discount on one attendee's price: a percent (rounded to the nearest cent) or a fixed amount."""
    if code.kind == DiscountKind.PERCENT:
        return min(price, (price * code.value + 50) // 100)
    return min(price, code.value)


def code_covers(code: PromoCode, registration_type: RegistrationType) -> bool:
    """A code with listed types covers exactly those; an unlisted code covers every publicly sold type."""
    if code.types:
        return any(t.id == registration_type.id for t in code.types)
    return registration_type.visibility == "public"
