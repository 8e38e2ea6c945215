"""What organizers type into the back office's forms, read as the services' own shapes, and what
every section does with a form: ask first before anything is taken away, commit or refuse the change,
and show a refused form again with the reason on a page drawn the one way (``office_page``).

Amounts are typed in dollars and cents, times in the conference's own time zone; an empty
optional field clears it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.conferences.schemas import ConferenceIn, ConferencePatch
from events_app.core.errors import DomainError
from events_app.db import roll_back
from events_app.registration.models import RegistrationType
from events_app.registration.schemas import TypeIn, TypePatch

PRICE_FIELDS = (
    "member_price",
    "non_member_price",
    "early_member_price",
    "early_non_member_price",
    "onsite_member_price",
    "onsite_non_member_price",
)
TIME_FIELDS = ("early_bird_until", "onsite_from", "sale_starts_at", "sale_ends_at")
REQUIRED = {"member_price", "non_member_price"}
# A change to make, and what shows a refused form again given the reason and the status to answer with.
Change = Callable[[], Awaitable[object]]
Refused = Callable[[str, int], Awaitable[Template]]
Made = TypeVar("Made")


def typed_fields(form: Mapping[str, Any], names: Iterable[str], *, longest: int | None = None) -> dict[str, str]:
    """The form's named fields as typed (absent, or a box left unticked: empty), trimmed, and cut at
    ``longest`` characters where a page bounds what it reads before the service's own limits."""
    return {name: str(form.get(name, "")).strip()[:longest] for name in names}


def office_page(
    template: str,
    principal: Principal,
    conference: Conference | None,
    /,
    *,
    error: str = "",
    status: int | None = None,
    **context: Any,
) -> Template:
    """A back-office page (``template`` under ``backoffice/``, without ``.html``); with ``error`` it shows a
    refused form again with the reason, answered 422 unless ``status`` gives the service's own."""
    context = {"principal": principal, "conference": conference, "error": error, **context}
    return Template(f"backoffice/{template}.html", context=context, status_code=status or (422 if error else 200))


def reason(exc: Exception) -> str:
    """What the page says about a refused change."""
    if isinstance(exc, DomainError):
        return exc.detail
    if isinstance(exc, msgspec.ValidationError):
        return f"Not saved: {exc}."
    return str(exc)


def refusal_status(exc: Exception) -> int:
    """The service's own status for what it refuses; 422 for what was typed wrong."""
    return int(exc.status) if isinstance(exc, DomainError) else 422


async def save_or_refuse(
    db: AsyncSession,
    change: Callable[[], Awaitable[Made]],
    *,
    then: str | Callable[[Made], str],
    refused: Refused,
    shown: tuple[object, ...] = (),
) -> Template | Redirect:
    """Makes the change and commits it before going on to ``then`` (an address, or the address of what
    the change made); a refused one is rolled back and ``refused`` shows the form again with the reason
    and status (``shown`` are reloaded for it first)."""
    try:
        made = await change()
    except (DomainError, ValueError) as exc:
        await roll_back(db, *shown)
        return await refused(reason(exc), refusal_status(exc))
    await db.commit()
    return Redirect(then if isinstance(then, str) else then(made), status_code=303)


class ConfirmForm(msgspec.Struct):
    """The "yes, go ahead" form a confirm page posts back."""

    confirmed: str = ""


async def confirm_then(
    db: AsyncSession,
    confirmed: object,
    *,
    ask: Callable[[], Awaitable[Template]],
    act: Change,
    then: str,
) -> Template | Redirect:
    """Asks first: without the confirm form's ``confirmed`` field the page from ``ask`` says what
    will happen; with it the action runs and is committed before going on to ``then``."""
    if not confirmed:
        return await ask()
    await act()
    await db.commit()
    return Redirect(then, status_code=303)


def cents_from(text: str) -> int:
    """``"1,250.50"`` or ``"$95"`` as cents; ``ValueError`` for anything else (negatives, fractions of a cent)."""
    try:
        amount = Decimal(text.strip().lstrip("$").replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount in dollars and cents.") from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{text!r} is not an amount in dollars and cents.")
    return int(amount * 100)


def whole_number(text: str, what: str) -> int:
    """A count typed in a form; ``ValueError`` names the field for anything else."""
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"The {what} is a whole number.") from None


def chosen_id(text: str, refusal: str) -> uuid.UUID:
    """The id of what was chosen from a list; ``ValueError`` with ``refusal`` when nothing (or no such id) was."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValueError(refusal) from None


def dollars(cents: int | None) -> str:
    return "" if cents is None else f"{cents // 100}.{cents % 100:02d}"


def local_moment(text: str, timezone: str, what: str) -> datetime:
    """A ``datetime-local`` field's value read as the conference's wall clock."""
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a date and time for {what}.") from None


def optional_moment(text: str, timezone: str, what: str) -> datetime | None:
    """A ``datetime-local`` field that may be left empty, for none."""
    return local_moment(text, timezone, what) if text.strip() else None


def wall_clock(moment: datetime | None, zone: ZoneInfo) -> str:
    """A moment as a ``datetime-local`` field shows it: the conference's wall clock (empty for none)."""
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


class TypeForm(msgspec.Struct):
    """The registration type form as posted: every field as typed."""

    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    kind: Annotated[str, msgspec.Meta(max_length=30)] = ""  # a new type's only; a type keeps its kind
    member_price: str = ""
    non_member_price: str = ""
    early_member_price: str = ""
    early_non_member_price: str = ""
    early_bird_until: str = ""
    onsite_member_price: str = ""
    onsite_non_member_price: str = ""
    onsite_from: str = ""
    capacity: str = ""
    sale_starts_at: str = ""
    sale_ends_at: str = ""
    active: str = ""


def type_form(registration_type: RegistrationType, timezone: str) -> TypeForm:
    """The form filled from the type as it stands, times shown in the conference's zone."""
    t = registration_type
    zone = ZoneInfo(timezone)
    values: dict[str, Any] = {f: dollars(getattr(t, f"{f}_cents")) for f in PRICE_FIELDS}
    for f in TIME_FIELDS:
        values[f] = wall_clock(getattr(t, f), zone)
    return TypeForm(
        name=t.name, capacity="" if t.capacity is None else str(t.capacity), active="on" if t.active else "", **values
    )


def type_patch(form: TypeForm, timezone: str) -> TypePatch:
    """The change the form asks for; ``ValueError`` says which field is wrong and why."""
    changes: dict[str, Any] = {"name": form.name.strip(), "active": form.active == "on"}
    for f in PRICE_FIELDS:
        typed = getattr(form, f).strip()
        if not typed and f in REQUIRED:
            raise ValueError(f"The {f.replace('_', ' ')} is required (0 for free).")
        changes[f"{f}_cents"] = cents_from(typed) if typed else None
    for f in TIME_FIELDS:
        changes[f] = optional_moment(getattr(form, f), timezone, f.replace("_", " "))
    if not form.capacity.strip():
        changes["capacity"] = None
    elif form.capacity.strip().isdigit():
        changes["capacity"] = int(form.capacity)
    else:
        raise ValueError("The capacity is a whole number of seats, or empty for no limit.")
    try:
        return msgspec.convert(changes, TypePatch)
    except msgspec.ValidationError as exc:
        raise ValueError(f"Not saved: {exc}.") from None


def type_in(form: TypeForm, timezone: str) -> TypeIn:
    """A new type as the form describes it: the same fields as a change, and its kind."""
    fields = {k: v for k, v in msgspec.structs.asdict(type_patch(form, timezone)).items() if v is not msgspec.UNSET}
    try:
        return msgspec.convert({**fields, "kind": form.kind}, TypeIn)
    except msgspec.ValidationError as exc:
        raise ValueError(f"Not added: {exc}.") from None


class ConferenceForm(msgspec.Struct):
    """The conference form as posted; the slug only when the conference is new (addresses keep it)."""

    slug: Annotated[str, msgspec.Meta(max_length=80)] = ""
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    timezone: Annotated[str, msgspec.Meta(max_length=64)] = "America/Los_Angeles"
    venue_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    venue_address: Annotated[str, msgspec.Meta(max_length=400)] = ""
    starts_on: str = ""
    ends_on: str = ""
    registration_opens_at: str = ""
    registration_closes_at: str = ""
    description: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    admit_invoiced_members: str = ""


def conference_form(conference: Conference) -> ConferenceForm:
    zone = ZoneInfo(conference.timezone)
    return ConferenceForm(
        slug=conference.slug,
        name=conference.name,
        timezone=conference.timezone,
        venue_name=conference.venue_name,
        venue_address=conference.venue_address,
        starts_on=conference.starts_on.isoformat(),
        ends_on=conference.ends_on.isoformat(),
        registration_opens_at=wall_clock(conference.registration_opens_at, zone),
        registration_closes_at=wall_clock(conference.registration_closes_at, zone),
        description=conference.description,
        admit_invoiced_members="on" if conference.admit_invoiced_members else "",
    )


def _conference_fields(form: ConferenceForm) -> dict[str, Any]:
    """The fields every conference form has, read; ``ValueError`` names the one that is wrong."""
    timezone = form.timezone.strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{timezone!r} is not an IANA time zone such as America/Los_Angeles.") from None
    fields: dict[str, Any] = {
        "name": form.name.strip(),
        "timezone": timezone,
        "venue_name": form.venue_name.strip(),
        "venue_address": form.venue_address.strip(),
        "description": form.description.strip(),
        "admit_invoiced_members": form.admit_invoiced_members == "on",
    }
    for f in ("starts_on", "ends_on"):
        try:
            fields[f] = date.fromisoformat(getattr(form, f).strip())
        except ValueError:
            raise ValueError(f"Give the day the conference {f.removesuffix('_on')}.") from None
    for f in ("registration_opens_at", "registration_closes_at"):
        fields[f] = optional_moment(getattr(form, f), timezone, f"when {f.removesuffix('_at').replace('_', ' ')}")
    return fields


def conference_in(form: ConferenceForm) -> ConferenceIn:
    try:
        return msgspec.convert({**_conference_fields(form), "slug": form.slug.strip().lower()}, ConferenceIn)
    except msgspec.ValidationError as exc:
        raise ValueError(f"Not added: {exc}.") from None


def conference_patch(form: ConferenceForm) -> ConferencePatch:
    try:
        return msgspec.convert(_conference_fields(form), ConferencePatch)
    except msgspec.ValidationError as exc:
        raise ValueError(f"Not saved: {exc}.") from None
