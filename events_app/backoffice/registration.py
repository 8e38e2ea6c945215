"""The back office's registration desk beyond the order search: promo codes, the cancellation policy, comps,
notes on an order and substitutions.

Organizers only. Each action goes through registration's own service, which audits it; this
module reads the form in the conference's time zone and in dollars, asks first where an
action takes something away (disabling a code, handing a badge to someone else), commits,
and redirects. A refusal shows the same form again with the reason and what was typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit import service as audit
from events_app.backoffice.forms import (
    cents_from,
    chosen_id,
    confirm_then,
    dollars,
    office_page,
    optional_moment,
    save_or_refuse,
    typed_fields,
    wall_clock,
)
from events_app.backoffice.pages import ORGANIZERS, act_on_order
from events_app.conferences.models import Conference
from events_app.registration import cancellation, comps, notes, promo
from events_app.registration import service as registration
from events_app.registration.dependencies import provide_order, provide_promo_code
from events_app.registration.errors import AttendeeNotSubstitutable
from events_app.registration.models import Attendee, AttendeeStatus, DiscountKind, Order, PromoCode
from events_app.registration.schemas import PolicyIn, PromoCodeIn, PromoCodePatch, SubstituteIn
from events_app.settings import Settings

Form = dict[str, Any]
# Where a typed field is cut before the service reads it: above every field's own limit, so the service
# still says what is too long.
LONGEST = 4000
POLICY_FIELDS = ("fee_kind", "fee_value", "full_refund_until", "partial_refund_until", "substitution_until", "notes")
COMP_FIELDS = ("type", "first_name", "last_name", "email", "organization", "title")
SUBSTITUTE_FIELDS = ("first_name", "last_name", "email", "badge_name", "title")
DONE = {
    "code": "The promo code is saved.",
    "disabled": "The promo code is disabled: buyers can no longer use it.",
    "policy": "The cancellation policy is saved.",
    "comp": "The comp is issued and the confirmation mailed.",
}


def _amount(kind: str, text: str, *, what: str) -> int:
    """A percentage as a whole number, or an amount in dollars as cents."""
    if kind == DiscountKind.PERCENT:
        if not text.isdigit():
            raise ValueError(f"The {what} as a percentage is a whole number.")
        return int(text)
    return cents_from(text)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# --- promo codes -------------------------------------------------------------------------------------------

CODE_FIELDS = ("code", "description", "kind", "value", "max_uses", "valid_from", "valid_until")


def _code_typed(form: FormMultiDict) -> Form:
    """The promo-code form as typed, with the registration types it is for."""
    return typed_fields(form, CODE_FIELDS, longest=LONGEST) | {"types": form.getall("types", [])}


def _code_form(code: PromoCode, zone: ZoneInfo) -> Form:
    value = str(code.value) if code.kind == DiscountKind.PERCENT else dollars(code.value)
    return {
        "code": code.code,
        "description": code.description,
        "kind": code.kind.value,
        "value": value,
        "max_uses": "" if code.max_uses is None else str(code.max_uses),
        "valid_from": wall_clock(code.valid_from, zone),
        "valid_until": wall_clock(code.valid_until, zone),
        "types": [str(t.id) for t in code.types],
    }


def _code_changes(typed: Form, timezone: str) -> dict[str, Any]:
    """What the promo-code form asks for, in the API's own shape; ``ValueError`` names the wrong field."""
    uses = typed["max_uses"]
    if uses and not uses.isdigit():
        raise ValueError("The most uses is a whole number of attendees, or empty for no limit.")
    return {
        "description": typed["description"],
        "registration_type_ids": typed["types"],
        "max_uses": int(uses) if uses else None,
        "valid_from": optional_moment(typed["valid_from"], timezone, "valid from"),
        "valid_until": optional_moment(typed["valid_until"], timezone, "valid until"),
    }


class RegistrationOffice(Controller):
    path = "/office/c/{slug:str}"
    include_in_schema = False
    dependencies = {"order": Provide(provide_order), "promo_code": Provide(provide_promo_code)}

    async def _codes_page(
        self,
        db: AsyncSession,
        principal: Principal,
        conference: Conference,
        form: Form,
        *,
        done: str = "",
        error: str = "",
    ) -> Template:
        return office_page(
            "promo_codes",
            principal,
            conference,
            error=error,
            codes=await promo.list_codes(db, conference_id=conference.id),
            types=await registration.list_types(db, conference_id=conference.id),
            form=form,
            done=DONE.get(done, ""),
        )

    @get("/promo-codes", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-promo-codes")
    async def promo_codes(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """Every promo code with its uses, and the form for a new one."""
        blank = dict.fromkeys(CODE_FIELDS, "") | {"kind": "percent", "types": []}
        return await self._codes_page(db_session, actor, conference, blank, done=done)

    @post("/promo-codes", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def create_promo_code(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Template | Redirect:
        """Adds a code: a percentage or an amount off each attendee, for some types, some uses and a window."""
        typed = _code_typed(await request.form())

        async def create() -> None:
            fields = _code_changes(typed, conference.timezone) | {
                "code": typed["code"],
                "kind": typed["kind"],
                "value": _amount(typed["kind"], typed["value"], what="discount"),
            }
            await promo.create_code(
                db_session, conference=conference, data=msgspec.convert(fields, PromoCodeIn), actor=actor
            )

        def refused(error: str, _status: int) -> Awaitable[Template]:
            return self._codes_page(db_session, actor, conference, typed, error=error)

        then = f"/office/c/{conference.slug}/promo-codes?done=code"
        return await save_or_refuse(db_session, create, then=then, refused=refused, shown=(conference,))

    @get("/promo-codes/{code_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-promo-code")
    async def promo_code(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        promo_code: NamedDependency[PromoCode],
    ) -> Template:
        return await self._code_page(db_session, actor, conference, promo_code)

    async def _code_page(
        self,
        db: AsyncSession,
        principal: Principal,
        conference: Conference,
        code: PromoCode,
        form: Form | None = None,
        *,
        error: str = "",
    ) -> Template:
        return office_page(
            "promo_code",
            principal,
            conference,
            error=error,
            code=await promo.code_out(db, code),
            form=form or _code_form(code, ZoneInfo(conference.timezone)),
            types=await registration.list_types(db, conference_id=conference.id),
            trail=await audit.trail_of(db, subject_ids=[code.id]),
        )

    @post("/promo-codes/{code_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_promo_code(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        promo_code: NamedDependency[PromoCode],
    ) -> Template | Redirect:
        """Changes a code's description, types, uses and window (its text and discount stay what buyers saw)."""
        typed = _code_typed(await request.form())

        async def save() -> None:
            patch = msgspec.convert(_code_changes(typed, conference.timezone), PromoCodePatch)
            await promo.update_code(db_session, code=promo_code, data=patch, actor=actor)

        def refused(error: str, _status: int) -> Awaitable[Template]:
            return self._code_page(db_session, actor, conference, promo_code, typed, error=error)

        then = f"/office/c/{conference.slug}/promo-codes?done=code"
        return await save_or_refuse(db_session, save, then=then, refused=refused, shown=(conference, promo_code))

    @post("/promo-codes/{code_id:uuid}/active", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def switch_promo_code(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        promo_code: NamedDependency[PromoCode],
    ) -> Template | Redirect:
        """Disables a code after asking (orders already placed keep their discount), or enables it again."""
        form = await request.form()
        enable = form.get("active") == "yes"

        async def ask() -> Template:
            context = {"principal": actor, "conference": conference}
            code = await promo.code_out(db_session, promo_code)
            return Template("backoffice/confirm_disable_code.html", context={**context, "code": code})

        async def switch() -> None:
            await promo.update_code(db_session, code=promo_code, data=PromoCodePatch(active=enable), actor=actor)

        then = f"/office/c/{conference.slug}/promo-codes?done={'code' if enable else 'disabled'}"
        return await confirm_then(db_session, enable or form.get("confirmed"), ask=ask, act=switch, then=then)

    # --- cancellation policy ---------------------------------------------------------------------------------

    @get("/policy", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-policy")
    async def policy(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """The refunds a cancellation gets by date, and the last moment for a substitution."""
        zone = ZoneInfo(conference.timezone)
        found = await registration.get_policy(db_session, conference_id=conference.id)
        form = {
            "fee_kind": found.fee_kind.value if found else "fixed",
            "fee_value": (
                "0"
                if found is None
                else str(found.fee_value)
                if found.fee_kind == DiscountKind.PERCENT
                else dollars(found.fee_value)
            ),
            "full_refund_until": wall_clock(found.full_refund_until, zone) if found else "",
            "partial_refund_until": wall_clock(found.partial_refund_until, zone) if found else "",
            "substitution_until": wall_clock(found.substitution_until, zone) if found else "",
            "notes": found.notes if found else "",
        }
        return office_page("policy", actor, conference, form=form, exists=found is not None, done=DONE.get(done, ""))

    @post("/policy", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_policy(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Template | Redirect:
        """Saves the policy; it applies to cancellations from now on, never to refunds already made."""
        typed = typed_fields(await request.form(), POLICY_FIELDS, longest=LONGEST)

        async def save() -> None:
            fields = {
                "fee_kind": typed["fee_kind"],
                "fee_value": _amount(typed["fee_kind"], typed["fee_value"] or "0", what="fee"),
                "notes": typed["notes"],
                **{
                    k: optional_moment(typed[k], conference.timezone, k.replace("_", " "))
                    for k in typed
                    if k.endswith("_until")
                },
            }
            data = msgspec.convert(fields, PolicyIn)
            await registration.set_policy(db_session, conference_id=conference.id, data=data, actor=actor)

        async def refused(error: str, _status: int) -> Template:
            return office_page("policy", actor, conference, error=error, form=typed, exists=True)

        then = f"/office/c/{conference.slug}/policy?done=policy"
        return await save_or_refuse(db_session, save, then=then, refused=refused, shown=(conference,))

    # --- comps -----------------------------------------------------------------------------------------------

    @get("/comps", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-comps")
    async def comps_form(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
        placed: FromQuery[str] = "",
    ) -> Template:
        """Issue a comp to a named person: registered at once, nothing to pay, confirmation mailed."""
        types = await comps.comp_types(db_session, conference_id=conference.id)
        placed = placed if done and _is_uuid(placed) else ""
        return office_page("comps", actor, conference, types=types, form={}, done=DONE.get(done, ""), order_id=placed)

    @post("/comps", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def issue_comp(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Template | Redirect:
        typed = typed_fields(await request.form(), COMP_FIELDS, longest=LONGEST)

        async def issue() -> Attendee:
            person = msgspec.convert({k: typed[k] for k in ("first_name", "last_name", "email", "title")}, SubstituteIn)
            return await comps.issue_comp(
                db_session,
                settings=settings,
                conference=conference,
                registration_type_id=chosen_id(typed["type"], "Choose the comp type."),
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
                organization=typed["organization"][:200],
                title=person.title,
                actor=actor,
            )

        async def refused(error: str, _status: int) -> Template:
            types = await comps.comp_types(db_session, conference_id=conference.id)
            return office_page("comps", actor, conference, error=error, types=types, form=typed)

        def issued(attendee: Attendee) -> str:
            return f"/office/c/{conference.slug}/comps?done=comp&placed={attendee.order_id}"

        return await save_or_refuse(db_session, issue, then=issued, refused=refused, shown=(conference,))

    # --- an order's notes and substitutions ------------------------------------------------------------------

    @post("/orders/{order_id:uuid}/notes", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_note(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        order: NamedDependency[Order],
    ) -> Template | Redirect:
        """A note on the order, signed and timed; it cannot be edited afterwards, only followed by another."""
        text = str((await request.form()).get("text", ""))
        adding = notes.add_note(db_session, order=order, text=text, actor=actor)
        return await act_on_order(db_session, adding, done="note", conference=conference, principal=actor, order=order)

    def _substitute_page(
        self,
        principal: Principal,
        conference: Conference,
        order: Order,
        attendee_id: uuid.UUID,
        form: Form,
        *,
        error: str = "",
    ) -> Template:
        """Who takes the attendee's place; refused for anyone but a confirmed attendee of this order."""
        attendee = next((a for a in order.attendees if a.id == attendee_id), None)
        if attendee is None or attendee.status != AttendeeStatus.CONFIRMED:
            raise AttendeeNotSubstitutable("Only a confirmed attendee of this order can be substituted.")
        return office_page("substitute", principal, conference, error=error, order=order, attendee=attendee, form=form)

    @get(
        "/orders/{order_id:uuid}/attendees/{attendee_id:uuid}/substitute",
        opt=ORGANIZERS,
        media_type=MediaType.HTML,
        name="office-substitute",
    )
    async def substitute_form(
        self,
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        order: NamedDependency[Order],
        attendee_id: FromPath[uuid.UUID],
    ) -> Template:
        """Who takes this attendee's place: a colleague from the same city; the old badge stops working."""
        return self._substitute_page(actor, conference, order, attendee_id, {})

    @post("/orders/{order_id:uuid}/attendees/{attendee_id:uuid}/substitute", opt=ORGANIZERS, status_code=303,
          media_type=MediaType.HTML)  # fmt: skip
    async def substitute(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        order: NamedDependency[Order],
        attendee_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        """Hands the registration to the colleague; the form itself is the confirmation, as it says what ends."""
        typed = typed_fields(await request.form(), SUBSTITUTE_FIELDS, longest=LONGEST)
        self._substitute_page(actor, conference, order, attendee_id, typed)  # refuses one who cannot be

        async def hand_over() -> None:
            data = msgspec.convert(typed, SubstituteIn)
            await cancellation.substitute(
                db_session, settings=settings, order=order, attendee_id=attendee_id, data=data, actor=actor
            )

        async def refused(error: str, _status: int) -> Template:
            return self._substitute_page(actor, conference, order, attendee_id, typed, error=error)

        then = f"/office/c/{conference.slug}/orders/{order.id}?done=substitute"
        return await save_or_refuse(db_session, hand_over, then=then, refused=refused, shown=(conference, order))
