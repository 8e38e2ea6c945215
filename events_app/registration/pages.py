"""The registration pages: the form (with the server's totals), card checkout, and the buyer's manage page.

Everything works without JavaScript except the card field: adding an attendee, checking
member rates and totals, and placing the order are plain form posts. On the card page,
Stripe.js turns the card into a PaymentMethod; our server creates and confirms the
PaymentIntent, and Stripe.js runs 3-D Secure when the bank asks for it.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference, MemberCity
from events_app.conferences.service import registration_is_open
from events_app.core.clock import now
from events_app.core.errors import DomainError
from events_app.payments import service as payments
from events_app.registration import cancellation, checkout, mail, manage_links, quote, reports, service, waitlist
from events_app.registration.dependencies import provide_managed_order
from events_app.registration.models import (
    AttendeeStatus,
    Order,
    OrderStatus,
    PaymentMethod,
    Rate,
    RegistrationType,
    TypeKind,
)
from events_app.registration.pricing import price_cents, price_period
from events_app.registration.schemas import OrderIn, SubstituteIn, WaitlistIn
from events_app.settings import Settings
from events_app.web.filters import money

MAX_ATTENDEES = 20
ATTENDEE_FIELDS = (
    "registration_type_id", "first_name", "last_name", "badge_name", "title", "email", "city_id", "city_name",
    "dietary_needs", "accessibility_needs", "guest_of",
)  # fmt: skip


def _number(text: str | None, *, default: int) -> int:
    """A number typed or posted in a form; anything else is the default (a form never answers 500)."""
    return int(text) if text is not None and text.strip().isdigit() else default


def _form_to_order(form: dict[str, str], count: int) -> tuple[OrderIn | None, str | None]:
    """The order the form describes, or a sentence saying what is missing."""
    attendees = []
    for i in range(count):
        raw = {key: form.get(f"a{i}_{key}", "").strip() for key in ATTENDEE_FIELDS}
        person: dict[str, Any] = {k: v for k, v in raw.items() if v and k not in {"city_id", "guest_of"}}
        if raw["city_id"]:
            person["city_id"] = raw["city_id"]
        if raw["guest_of"]:
            person["guest_of"] = int(raw["guest_of"]) - 1 if raw["guest_of"].isdigit() else -1
        person["consent_to_share_contact"] = form.get(f"a{i}_consent") == "yes"
        attendees.append(person)
    body = {
        "buyer_name": form.get("buyer_name", "").strip(),
        "buyer_email": form.get("buyer_email", "").strip(),
        "buyer_organization": form.get("buyer_organization", "").strip(),
        "promo_code": form.get("promo_code", "").strip() or None,
        "payment_method": form.get("payment_method", "invoice"),
        "po_number": form.get("po_number", "").strip(),
        "waitlist_offer": form.get("offer") or None,
        "submission_key": form.get("submission_key") or None,
        "attendees": attendees,
    }
    try:
        return msgspec.convert(body, OrderIn), None
    except msgspec.ValidationError as exc:  # e.g. "Expected `str` of length >= 1 - at `$.attendees[0].email`"
        return None, f"Please check the form: {exc}."


async def _roll_back(db: AsyncSession, conference: Conference) -> None:
    """After a refused change: roll back, as a refused checkout or cancellation may have taken row locks."""
    await db.rollback()
    await db.refresh(conference)  # the rollback expired it


async def _read_again(db: AsyncSession, settings: Settings, conference: Conference, token: str) -> Order:
    """After a refused change: roll back and read the managed order again."""
    await _roll_back(db, conference)
    return await manage_links.order_from_manage_token(db, settings=settings, conference=conference, token=token)


# An attendee's status as the buyer reads it on the manage page.
ATTENDEE_STATUS_WORDS = {
    AttendeeStatus.PENDING: "Registered, payment pending",
    AttendeeStatus.CONFIRMED: "Registered",
    AttendeeStatus.CANCELLED: "Cancelled",
    AttendeeStatus.REFUNDED: "Cancelled and refunded",
    AttendeeStatus.SUBSTITUTED: "Handed to a colleague",
}


def type_label(registration_type: RegistrationType) -> str:
    """A one-day type's name with its date, the weekday said once: "One day: Wednesday, October 6"."""
    day = registration_type.valid_on
    if day is None:
        return registration_type.name
    date = f"{day:%B} {day.day}"
    if f"{day:%A}" in registration_type.name:
        return f"{registration_type.name}, {date}"
    return f"{registration_type.name} ({day:%A}, {date})"


def _refusal(exc: Exception, unreadable: str) -> tuple[str, int]:
    """What to tell the person, and the status: a refusal says its own; a form that does not read is 422."""
    if isinstance(exc, DomainError):
        return exc.detail, exc.status
    return unreadable, 422


class RegistrationPages(Controller):
    opt = PUBLIC
    include_in_schema = False
    dependencies = {"managed_order": Provide(provide_managed_order)}

    async def _form_context(
        self, db: AsyncSession, settings: Settings, conference: Conference, **extra: Any
    ) -> dict[str, Any]:
        moment = now()
        types = [
            t
            for t in await service.list_types(db, conference_id=conference.id)
            if t.active and t.kind != TypeKind.EXHIBITOR
        ]
        counts = {c.registration_type_id: c for c in await reports.live_counts(db, conference_id=conference.id)}
        cities = list(await db.scalars(select(MemberCity).order_by(MemberCity.name)))
        form: dict[str, str] = extra.pop("form", {})
        # One key per filled-in form, kept across re-renders: sending it twice makes one order.
        form.setdefault("submission_key", secrets.token_urlsafe(18))
        return {
            "conference": conference,
            "form": form,
            "types": types,
            "labels": {t.id: type_label(t) for t in types},
            "counts": counts,
            "periods": {t.id: price_period(t, at=moment) for t in types},
            "prices": {t.id: {rate: price_cents(t, rate=rate, at=moment) for rate in Rate} for t in types},
            "sold_out": [t for t in types if t.visibility == "public" and t.id in counts and counts[t.id].left == 0],
            "cities": cities,
            "open": registration_is_open(conference, at=moment),
            "card_enabled": payments.card_payments_enabled(settings),
            "money": money,
            "count": 1,
            "quote": None,
            "error": None,
            **extra,
        }

    async def _form_refused(
        self, db: AsyncSession, settings: Settings, conference: Conference, error: str, status: int, **extra: Any
    ) -> Template:
        """The form again, with what was refused and why."""
        await _roll_back(db, conference)
        context = await self._form_context(db, settings, conference, error=error, **extra)
        return Template("registration/register.html", context=context, status_code=status)

    @get("/c/{slug:str}/register", media_type=MediaType.HTML, name="conference-register")
    async def register_form(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        offer: FromQuery[str | None] = None,
    ) -> Template:
        form = {"offer": offer} if offer else {}
        context = await self._form_context(db_session, settings, conference, principal=principal, form=form)
        return Template("registration/register.html", context=context)

    @post("/c/{slug:str}/register", media_type=MediaType.HTML, status_code=200)
    async def register(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Template | Redirect:
        form = {k: str(v) for k, v in (await request.form()).items()}
        count = min(max(_number(form.get("count"), default=1), 1), MAX_ATTENDEES)
        action = form.get("action", "quote")
        if action == "add":
            count = min(count + 1, MAX_ATTENDEES)
        elif action.startswith("remove-") and count > 1:
            gone = min(max(_number(action.removeprefix("remove-"), default=count - 1), 0), count - 1)
            for i in range(gone, count - 1):
                for key in (*ATTENDEE_FIELDS, "consent"):
                    form[f"a{i}_{key}"] = form.get(f"a{i + 1}_{key}", "")
            count -= 1
        context = await self._form_context(
            db_session, settings, conference, principal=principal, form=form, count=count
        )
        if action not in {"quote", "place"}:
            return Template("registration/register.html", context=context)
        data, problem = _form_to_order(form, count)
        if data is None:
            context["error"] = problem
            return Template("registration/register.html", context=context, status_code=422)
        try:
            if action == "quote":
                priced = await quote.price_order(
                    db_session, settings=settings, conference=conference, data=data, at=now()
                )
                context["quote"] = quote.as_quote(priced)
                return Template("registration/register.html", context=context)
            order = await checkout.place_order(db_session, settings=settings, conference=conference, data=data)
        except DomainError as exc:
            return await self._form_refused(
                db_session, settings, conference, exc.detail, exc.status, principal=principal, form=form, count=count
            )
        token = manage_links.manage_token(settings, order)
        if order.status == OrderStatus.PENDING:
            return Redirect(f"/c/{conference.slug}/registration/checkout/{token}", status_code=303)
        return Redirect(f"/c/{conference.slug}/registration/manage/{token}?done=placed", status_code=303)

    async def _manage_context(
        self, db: AsyncSession, settings: Settings, conference: Conference, order: Order, token: str, **extra: Any
    ) -> dict[str, Any]:
        policy = await service.get_policy(db, conference_id=conference.id)
        invoice = None
        for payment in await payments.payments_for(db, purpose=checkout.PURPOSE, reference_id=order.id):
            if payment.invoice is not None and payment.invoice.status != "void":
                invoice = payment.invoice
        return {
            "conference": conference,
            "order": order,
            "token": token,
            "policy": policy,
            "money": money,
            "invoice": invoice,
            "invoice_url": payments.invoice_url(settings, invoice=invoice) if invoice else None,
            "links": {
                a.id: await mail.attendee_links.gather(db, settings=settings, conference=conference, attendee=a)
                for a in order.attendees
            },
            "status_words": ATTENDEE_STATUS_WORDS,
            "now": now(),
            "error": None,
            "notice": None,
            **extra,
        }

    async def _manage_refused(
        self,
        db: AsyncSession,
        settings: Settings,
        conference: Conference,
        token: str,
        error: str,
        status: int,
        principal: Principal | None,
    ) -> Template:
        """The manage page again, as the order now stands, with what was refused and why."""
        order = await _read_again(db, settings, conference, token)
        context = await self._manage_context(db, settings, conference, order, token, principal=principal, error=error)
        return Template("registration/manage.html", context=context, status_code=status)

    @get("/c/{slug:str}/registration/manage/{token:str}", media_type=MediaType.HTML, name="registration-manage")
    async def manage(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        managed_order: NamedDependency[Order],
        token: FromPath[str],
        done: FromQuery[str | None] = None,
    ) -> Template:
        notices = {
            "card": "Thank you: your payment is being confirmed with the bank. This page shows it within a minute, "
            "and each attendee receives a confirmation mail.",
            "placed": "Thank you: your registration is recorded and a mail with this page's link is on its way. "
            "Keep the link to cancel or substitute later.",
            "cancelled": "The cancellation is done; a mail confirms it.",
            "substituted": "The substitution is done; your colleague receives their own confirmation.",
        }
        context = await self._manage_context(
            db_session, settings, conference, managed_order, token, principal=principal, notice=notices.get(done or "")
        )
        return Template("registration/manage.html", context=context)

    @post("/c/{slug:str}/registration/manage/{token:str}/cancel", media_type=MediaType.HTML, status_code=303)
    async def cancel(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        managed_order: NamedDependency[Order],
        token: FromPath[str],
    ) -> Template | Redirect:
        form = await request.form()
        try:
            chosen = [uuid.UUID(str(v)) for v in form.getall("attendee_id", []) if str(v)]
        except ValueError:
            chosen = [uuid.uuid4()]  # not an attendee of this order: refused below like any stranger's id
        try:
            if form.get("confirm") != "yes":
                # One click must not cancel an order: first say who goes and what comes back.
                preview = await cancellation.preview_cancellation(db_session, order=managed_order, attendee_ids=chosen)
                return Template(
                    "registration/cancel_confirm.html",
                    context={
                        "conference": conference,
                        "order": managed_order,
                        "token": token,
                        "chosen": chosen,
                        "preview": preview,
                        "money": money,
                        "principal": principal,
                    },
                    status_code=200,
                )
            await cancellation.cancel_attendees(db_session, settings=settings, order=managed_order, attendee_ids=chosen)
        except DomainError as exc:
            return await self._manage_refused(
                db_session, settings, conference, token, exc.detail, exc.status, principal=principal
            )
        return Redirect(f"/c/{conference.slug}/registration/manage/{token}?done=cancelled", status_code=303)

    @post("/c/{slug:str}/registration/manage/{token:str}/substitute", media_type=MediaType.HTML, status_code=303)
    async def substitute(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        managed_order: NamedDependency[Order],
        token: FromPath[str],
    ) -> Template | Redirect:
        form = {k: str(v).strip() for k, v in (await request.form()).items()}
        try:
            data = msgspec.convert(
                {
                    "first_name": form.get("first_name", ""),
                    "last_name": form.get("last_name", ""),
                    "email": form.get("email", ""),
                    "title": form.get("title", ""),
                    "badge_name": form.get("badge_name", ""),
                    "consent_to_share_contact": form.get("consent") == "yes",
                },
                SubstituteIn,
            )
            await cancellation.substitute(
                db_session,
                settings=settings,
                order=managed_order,
                attendee_id=uuid.UUID(form.get("attendee_id", "")),
                data=data,
            )
        except (DomainError, msgspec.ValidationError, ValueError) as exc:
            detail, status = _refusal(exc, "Please give the colleague's name and email.")
            return await self._manage_refused(
                db_session, settings, conference, token, detail, status, principal=principal
            )
        return Redirect(f"/c/{conference.slug}/registration/manage/{token}?done=substituted", status_code=303)

    def _checkout_context(
        self, settings: Settings, conference: Conference, order: Order, token: str, **extra: Any
    ) -> dict[str, Any]:
        return {
            "conference": conference,
            "order": order,
            "token": token,
            "money": money,
            "stripe_js_url": settings.stripe_js_url,
            "publishable_key": settings.stripe_publishable_key,
            "client_secret": None,
            "error": None,
            **extra,
        }

    @get("/c/{slug:str}/registration/checkout/{token:str}", media_type=MediaType.HTML, name="registration-checkout")
    async def checkout_page(
        self,
        settings: NamedDependency[Settings],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        managed_order: NamedDependency[Order],
        token: FromPath[str],
    ) -> Template | Redirect:
        order = managed_order
        if order.status not in (OrderStatus.PENDING, OrderStatus.EXPIRED) or order.payment_method != PaymentMethod.CARD:
            return Redirect(f"/c/{conference.slug}/registration/manage/{token}", status_code=303)
        context = self._checkout_context(settings, conference, order, token, principal=principal)
        return Template("registration/checkout.html", context=context)

    @post("/c/{slug:str}/registration/checkout/{token:str}", media_type=MediaType.HTML, status_code=303)
    async def pay(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        managed_order: NamedDependency[Order],
        token: FromPath[str],
    ) -> Template | Redirect:
        order = managed_order
        form = await request.form()
        payment_method_id = str(form.get("payment_method_id", "")).strip()
        error = None
        if not payment_method_id.startswith("pm_"):
            error = "The card could not be read; please enter it again."
        else:
            try:
                started = await checkout.pay_by_card(
                    db_session, settings=settings, order=order, payment_method_id=payment_method_id
                )
            except DomainError as exc:
                order = await _read_again(db_session, settings, conference, token)
                error = exc.detail
            else:
                if started.status == "requires_action":
                    context = self._checkout_context(
                        settings, conference, order, token, principal=principal, client_secret=started.client_secret
                    )
                    return Template("registration/checkout.html", context=context, status_code=200)
                if started.status == "failed":
                    error = started.message or "The card was declined; please try another card."
                else:
                    return Redirect(f"/c/{conference.slug}/registration/manage/{token}?done=card", status_code=303)
        context = self._checkout_context(settings, conference, order, token, principal=principal, error=error)
        return Template("registration/checkout.html", context=context, status_code=422)

    @post("/c/{slug:str}/registration/waitlist", media_type=MediaType.HTML, status_code=200)
    async def join_waitlist(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Template:
        form = {k: str(v).strip() for k, v in (await request.form()).items()}
        try:
            data = msgspec.convert(
                {"registration_type_id": form.get("registration_type_id", ""), "name": form.get("name", ""),
                 "email": form.get("email", "")},
                WaitlistIn,
            )  # fmt: skip
            entry = await waitlist.join_waitlist(db_session, conference=conference, data=data)
        except (DomainError, msgspec.ValidationError) as exc:
            detail, status = _refusal(exc, "Please give your name and email.")
            return await self._form_refused(db_session, settings, conference, detail, status, principal=principal)
        registration_type = await db_session.get_one(RegistrationType, entry.registration_type_id)
        context = {
            "conference": conference,
            "entry": entry,
            "position": await waitlist.place_in_line(db_session, entry=entry),
            "type_name": registration_type.name,
            "hours": waitlist.OFFER_HOURS,
            "principal": principal,
        }
        return Template("registration/waitlist.html", context=context)
