"""The back office's pages: conferences, a conference's dashboard, orders, types and prices, the audit log,
and the association's member cities.

Organizers only (``allow()`` lets no other role in). Every action goes through the owning
domain's service, which audits it; this module only parses the form, asks first where an
action takes something away (a refund, a cancellation), commits, and redirects.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.service import Principal
from events_app.audit import service as audit
from events_app.backoffice import figures
from events_app.backoffice.forms import (
    Change,
    TypeForm,
    cents_from,
    office_page,
    reason,
    save_or_refuse,
    type_form,
    type_in,
    type_patch,
)
from events_app.conferences import service as conferences
from events_app.conferences.models import Conference, MemberCity
from events_app.conferences.schemas import CityPatch
from events_app.core.clock import now
from events_app.core.errors import DomainError
from events_app.core.mail import mails_about
from events_app.core.pagination import PAGE_SIZE, Offset, page_links
from events_app.db import roll_back
from events_app.payments import service as payments
from events_app.payments.errors import InvoiceNotFound
from events_app.payments.models import Payment, PaymentStatus, ReceiptMethod
from events_app.registration import cancellation, checkout, notes, reports
from events_app.registration import service as registration
from events_app.registration.checkout import PURPOSE as ORDER_PURPOSE
from events_app.registration.dependencies import provide_order, provide_registration_type
from events_app.registration.models import (
    LIVE_ATTENDEE,
    Order,
    OrderStatus,
    PaymentMethod,
    RegistrationType,
    TypeKind,
)
from events_app.settings import Settings

E = TypeVar("E", bound=StrEnum)
ORGANIZERS = allow()
STATIC_DIR = Path(__file__).parent / "static"
office_static = create_static_files_router(
    path="/static/office", directories=[STATIC_DIR], opt=PUBLIC, include_in_schema=False, name="office-static"
)
# Ways money for an invoice arrives that a clerk records by hand (cards pay through Stripe).
RECORDED_METHODS = [ReceiptMethod.CHECK, ReceiptMethod.ACH, ReceiptMethod.WIRE, ReceiptMethod.OTHER]
DONE = {
    "payment": "The payment is recorded.",
    "refund": "The refund is made.",
    "cancel": "The cancellation is made; the attendees are mailed.",
    "confirmation": "The confirmation is sent again.",
    "type": "The registration type is saved.",
    "city": "The city is saved.",
    "note": "The note is added.",
    "substitute": "The substitute is registered; the old badge no longer works.",
}


def _chosen(choices: type[E], value: str) -> E | None:
    """A filter's choice; "Any" (empty) or a value not offered filters nothing."""
    try:
        return choices(value)
    except ValueError:
        return None


def _received_on(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("Give the date the money arrived, as on the check or the bank statement.") from None


@dataclass(frozen=True, slots=True)
class OrderMoney:
    """An order's payments and what a clerk can do with them now."""

    payments: list[Payment]

    @property
    def open_invoice_payment(self) -> Payment | None:
        return next((p for p in self.payments if p.invoice is not None and p.status == PaymentStatus.PENDING), None)

    @property
    def refundable_cents(self) -> int:
        return sum(p.refundable_cents for p in self.payments)


async def _order_page(
    db: AsyncSession,
    *,
    conference: Conference,
    principal: Principal,
    order: Order,
    error: str = "",
    done: str = "",
) -> Template:
    money = OrderMoney(await payments.payments_for(db, purpose=ORDER_PURPOSE, reference_id=order.id))
    subjects = [order.id, *(a.id for a in order.attendees), *(p.id for p in money.payments)]
    subjects += [p.invoice.id for p in money.payments if p.invoice is not None]
    return office_page(
        "order",
        principal,
        conference,
        error=error,
        order=order,
        money=money,
        live_statuses=LIVE_ATTENDEE,
        trail=await audit.trail_of(db, subject_ids=subjects),
        notes=await notes.notes_on(db, order=order),
        mails=await mails_about(db, about_id=order.id),
        methods=RECORDED_METHODS,
        today=now().astimezone(ZoneInfo(conference.timezone)).date().isoformat(),
        done=DONE.get(done, ""),
    )


async def _refused(db: AsyncSession, exc: DomainError | ValueError, **page: Any) -> Template:
    """The order page again with the reason, after undoing whatever the refused action began."""
    order: Order = page.pop("order")
    await roll_back(db, page["conference"], order)
    return await _order_page(db, order=order, error=reason(exc), **page)


async def act_on_order(db: AsyncSession, action: Awaitable[object], *, done: str, **page: Any) -> Template | Redirect:
    """Runs an order's action and commits it before answering; a refusal shows the order again with its reason."""
    try:
        await action
    except (DomainError, ValueError) as exc:
        return await _refused(db, exc, **page)
    await db.commit()
    return Redirect(f"/office/c/{page['conference'].slug}/orders/{page['order'].id}?done={done}", status_code=303)


def _type_page(
    actor: Principal,
    conference: Conference,
    registration_type: RegistrationType | None,
    form: TypeForm,
    error: str = "",
) -> Template:
    """A registration type's form; a new type's (``registration_type`` None) also asks its kind."""
    return office_page("type", actor, conference, error=error, type=registration_type, form=form, kinds=list(TypeKind))


async def _type_saved(
    db: AsyncSession,
    actor: Principal,
    conference: Conference,
    registration_type: RegistrationType | None,
    form: TypeForm,
    change: Change,
) -> Template | Redirect:
    """Saves a type (a new one when ``registration_type`` is None); a refused form comes back as typed."""

    async def refused(error: str, _status: int) -> Template:
        return _type_page(actor, conference, registration_type, form, error)

    shown = (conference,) if registration_type is None else (conference, registration_type)
    then = f"/office/c/{conference.slug}/types?done=type"
    return await save_or_refuse(db, change, then=then, refused=refused, shown=shown)


class PaymentForm(msgspec.Struct):
    amount: str = ""
    method: Annotated[str, msgspec.Meta(max_length=30)] = ""
    received_on: str = ""
    reference: Annotated[str, msgspec.Meta(max_length=200)] = ""
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class RefundForm(msgspec.Struct):
    amount: str = ""
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    cancel_attendees: str = ""
    confirmed: str = ""


class OfficeHome(Controller):
    path = "/office"
    include_in_schema = False

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-home")
    async def home(self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal]) -> Template:
        """Every conference, drafts included, each with its dashboard."""
        found = await conferences.list_conferences(db_session, principal=actor)
        return Template("backoffice/home.html", context={"principal": actor, "conferences": found})


class ConferenceOffice(Controller):
    path = "/office/c/{slug:str}"
    include_in_schema = False
    dependencies = {"order": Provide(provide_order), "registration_type": Provide(provide_registration_type)}

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-dashboard")
    async def dashboard(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Template:
        found = await figures.gather(db_session, conference=conference)
        context = {"principal": actor, "conference": conference, "figures": found}
        return Template("backoffice/dashboard.html", context=context)

    @get("/orders", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-orders")
    async def orders(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        q: FromQuery[str] = "",
        status: FromQuery[str] = "",
        method: FromQuery[str] = "",
        type: FromQuery[str] = "",
        city: FromQuery[str] = "",
        offset: Offset = 0,
    ) -> Template | Redirect:
        """Orders by number, buyer, attendee name, email or city; an invoice number opens its order."""
        if q.strip().upper().startswith("INV-"):
            try:
                invoice = await payments.get_invoice(db_session, number=q, conference_id=conference.id)
            except InvoiceNotFound:
                pass
            else:
                if invoice.payment.purpose == ORDER_PURPOSE:
                    order_url = f"/office/c/{conference.slug}/orders/{invoice.payment.reference_id}"
                    return Redirect(order_url, status_code=303)
        order_status = _chosen(OrderStatus, status)
        payment_method = _chosen(PaymentMethod, method)
        types = await registration.list_types(db_session, conference_id=conference.id)
        chosen_type = next((t.id for t in types if str(t.id) == type), None)
        page = await reports.search_orders(
            db_session,
            conference_id=conference.id,
            search=q.strip()[:100] or None,
            status=order_status,
            payment_method=payment_method,
            registration_type_id=chosen_type,
            city=city.strip()[:100] or None,
            limit=PAGE_SIZE,
            offset=offset,
        )
        context = {
            "principal": actor,
            "conference": conference,
            "page": page,
            "links": page_links(request.url.path, request.query_params, total=page.total, offset=offset),
            "filters": {"q": q, "status": status, "method": method, "type": type, "city": city},
            "statuses": list(OrderStatus),
            "methods": list(PaymentMethod),
            "types": types,
        }
        return Template("backoffice/orders.html", context=context)

    @get("/orders/{order_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-order")
    async def order_detail(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        order: NamedDependency[Order],
        done: FromQuery[str] = "",
    ) -> Template:
        return await _order_page(db_session, conference=conference, principal=actor, order=order, done=done)

    @post("/orders/{order_id:uuid}/payments", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def record_payment(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        order: NamedDependency[Order],
        data: URLEncodedBody[PaymentForm],
    ) -> Template | Redirect:
        """A city's check or ACH transfer against the order's open invoice; the order is paid at zero balance."""
        money = OrderMoney(await payments.payments_for(db_session, purpose=ORDER_PURPOSE, reference_id=order.id))
        payment = money.open_invoice_payment

        async def record() -> None:
            if payment is None or payment.invoice is None:
                raise ValueError(f"Order {order.number} has no open invoice to record a payment against.")
            if data.method not in RECORDED_METHODS:
                raise ValueError("Choose how the money came: check, ACH, wire or other.")
            await payments.record_invoice_payment(
                db_session,
                settings=settings,
                invoice=payment.invoice,
                amount_cents=cents_from(data.amount),
                method=ReceiptMethod(data.method),
                received_on=_received_on(data.received_on),
                reference=data.reference,
                note=data.note,
                actor=actor,
            )

        return await act_on_order(
            db_session, record(), done="payment", conference=conference, principal=actor, order=order
        )

    @post("/orders/{order_id:uuid}/refund", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def refund(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        order: NamedDependency[Order],
        data: URLEncodedBody[RefundForm],
    ) -> Template | Redirect:
        """Asks first, saying how much goes back to whom; then refunds (full or partial) through payments."""
        page = {"conference": conference, "principal": actor, "order": order}
        try:
            amount = cents_from(data.amount) if data.amount.strip() else None
        except ValueError as exc:
            return await _refused(db_session, exc, **page)
        if not data.confirmed:
            refundable = OrderMoney(
                await payments.payments_for(db_session, purpose=ORDER_PURPOSE, reference_id=order.id)
            ).refundable_cents
            context = {**page, "form": data, "amount_cents": refundable if amount is None else amount}
            return Template("backoffice/confirm_refund.html", context=context, status_code=200)
        refunding = cancellation.refund_order(
            db_session,
            settings=settings,
            order=order,
            amount_cents=amount,
            reason=data.reason.strip()[:500],
            cancel_attendees_too=data.cancel_attendees == "on",
            actor=actor,
        )
        return await act_on_order(db_session, refunding, done="refund", **page)

    @post("/orders/{order_id:uuid}/cancel", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        order: NamedDependency[Order],
    ) -> Template | Redirect:
        """Asks first, naming who loses their seat; then cancels them under the policy (none ticked: everyone)."""
        page = {"conference": conference, "principal": actor, "order": order}
        form = await request.form()
        try:
            chosen = [uuid.UUID(value) for value in form.getall("attendee", [])]
        except ValueError:
            return await _refused(db_session, ValueError("Tick attendees of this order."), **page)
        if not form.get("confirmed"):
            try:
                preview = await cancellation.preview_cancellation(db_session, order=order, attendee_ids=chosen)
            except DomainError as exc:
                return await _refused(db_session, exc, **page)
            context = {**page, "leaving": preview.attendees, "whole": not chosen, "preview": preview}
            return Template("backoffice/confirm_cancel.html", context=context, status_code=200)
        cancelling = cancellation.cancel_attendees(
            db_session, settings=settings, order=order, attendee_ids=chosen, actor=actor
        )
        return await act_on_order(db_session, cancelling, done="cancel", **page)

    @post("/orders/{order_id:uuid}/confirmation", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def resend_confirmation(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        order: NamedDependency[Order],
    ) -> Template | Redirect:
        sending = checkout.resend_confirmation(
            db_session, settings=settings, conference=conference, order=order, actor=actor
        )
        return await act_on_order(
            db_session, sending, done="confirmation", conference=conference, principal=actor, order=order
        )

    @get("/types", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-types")
    async def types(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """Every registration type with its prices, capacity and sale window."""
        context = {
            "principal": actor,
            "conference": conference,
            "types": await registration.list_types(db_session, conference_id=conference.id),
            "done": DONE.get(done, ""),
        }
        return Template("backoffice/types.html", context=context)

    @get("/types/new", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-new-type")
    async def new_type(self, actor: NamedDependency[Principal], conference: NamedDependency[Conference]) -> Template:
        return _type_page(actor, conference, None, TypeForm(active="on"))

    @post("/types", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_type(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[TypeForm],
    ) -> Template | Redirect:
        """Adds a type with its prices; comps and exhibitor staff are sold only by code."""

        async def add() -> None:
            new = type_in(data, conference.timezone)
            await registration.create_type(db_session, conference=conference, data=new, actor=actor)

        return await _type_saved(db_session, actor, conference, None, data, add)

    @get("/types/{type_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-type")
    async def edit_type(
        self,
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        registration_type: NamedDependency[RegistrationType],
    ) -> Template:
        return _type_page(actor, conference, registration_type, type_form(registration_type, conference.timezone))

    @post("/types/{type_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_type(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        registration_type: NamedDependency[RegistrationType],
        data: URLEncodedBody[TypeForm],
    ) -> Template | Redirect:
        """Saves prices, capacity, sale window and whether it is on sale; the form comes back with the reason."""

        async def save() -> None:
            patch = type_patch(data, conference.timezone)
            await registration.update_type(db_session, registration_type=registration_type, data=patch, actor=actor)

        return await _type_saved(db_session, actor, conference, registration_type, data, save)


class CityForm(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    email_domains: str = ""
    in_good_standing: str = ""


def _city_form(city: MemberCity) -> CityForm:
    return CityForm(
        name=city.name,
        email_domains="\n".join(d.domain for d in city.email_domains),
        in_good_standing="on" if city.in_good_standing else "",
    )


async def _city_page(
    db: AsyncSession, *, city: MemberCity, form: CityForm, principal: Principal, error: str = ""
) -> Template:
    trail = await audit.trail_of(db, subject_ids=[city.id])
    return office_page("city", principal, None, error=error, city=city, form=form, trail=trail)


class CityOffice(Controller):
    """The association's member cities: their standing and email domains decide member rates."""

    path = "/office/cities"
    include_in_schema = False

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-cities")
    async def cities(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        q: FromQuery[str] = "",
        offset: Offset = 0,
        done: FromQuery[str] = "",
    ) -> Template:
        page = await conferences.list_cities(
            db_session, division_id=None, search=q.strip()[:100] or None, limit=PAGE_SIZE, offset=offset
        )
        context = {
            "principal": actor,
            "page": page,
            "q": q,
            "links": page_links(request.url.path, request.query_params, total=page.total, offset=offset),
            "done": DONE.get(done, ""),
        }
        return Template("backoffice/cities.html", context=context)

    @get("/{city_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-city")
    async def city_detail(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        city_id: FromPath[uuid.UUID],
    ) -> Template:
        city = await conferences.get_city(db_session, city_id=city_id)
        return await _city_page(db_session, city=city, form=_city_form(city), principal=actor)

    @post("/{city_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_city(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        city_id: FromPath[uuid.UUID],
        data: URLEncodedBody[CityForm],
    ) -> Template | Redirect:
        """Renames a city, changes its email domains or its standing; audited with what it was before."""
        city = await conferences.get_city(db_session, city_id=city_id)
        before = _city_form(city)
        domains = [d.strip().lower() for d in data.email_domains.replace(",", "\n").splitlines() if d.strip()]
        changes = {
            "name": data.name.strip(),
            "email_domains": domains,
            "in_good_standing": data.in_good_standing == "on",
        }

        async def save() -> None:
            await conferences.update_city(db_session, city=city, data=msgspec.convert(changes, CityPatch))
            await audit.record(
                db_session,
                actor=actor,
                action="city.updated",
                subject_type="member_city",
                subject_id=city.id,
                name=[before.name, city.name],
                email_domains=[before.email_domains.split("\n"), domains],
                in_good_standing=[before.in_good_standing == "on", city.in_good_standing],
            )

        def refused(error: str, _status: int) -> Awaitable[Template]:
            return _city_page(db_session, city=city, form=data, principal=actor, error=error)

        return await save_or_refuse(db_session, save, then="/office/cities?done=city", refused=refused, shown=(city,))
