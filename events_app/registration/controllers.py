"""HTTP API of registration: the public quote, order, waitlist and manage-link calls, and the organizers' API."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.pagination import OffsetPagination
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.pagination import Limit, Offset, page_of
from events_app.core.shapes import shaped
from events_app.registration import (
    cancellation,
    checkout,
    manage_links,
    payment_events,
    promo,
    quote,
    reports,
    service,
    waitlist,
)
from events_app.registration.dependencies import (
    provide_managed_order,
    provide_order,
    provide_promo_code,
    provide_registration_type,
)
from events_app.registration.errors import PolicyNotFound
from events_app.registration.models import Order, OrderStatus, PromoCode, RegistrationType, WaitlistEntry
from events_app.registration.schemas import (
    AttendeeOut,
    CancelIn,
    CancellationOut,
    CardPaymentIn,
    CardPaymentOut,
    OrderIn,
    OrderOut,
    PolicyIn,
    PolicyOut,
    PromoCodeIn,
    PromoCodeOut,
    PromoCodePatch,
    Quote,
    RefundIn,
    SubstituteIn,
    TypeCount,
    TypeIn,
    TypeOut,
    TypePatch,
    WaitlistIn,
    WaitlistOut,
)
from events_app.settings import Settings

ORGANIZERS = allow()
STAFF = allow(Role.STAFF)


def order_out(order: Order, *, manage_url: str | None = None) -> OrderOut:
    """The order and its attendees; ``manage_url`` only for the buyer who placed it and for organizers."""
    return msgspec.structs.replace(msgspec.convert(order, OrderOut, from_attributes=True), manage_url=manage_url)


def cancellation_out(result: cancellation.Cancellation, order: Order) -> CancellationOut:
    return CancellationOut(
        cancelled_attendee_ids=[a.id for a in result.attendees],
        refund_cents=result.refund_cents,
        fee_cents=result.fee_cents,
        order=order_out(order),
    )


async def waitlist_out(db: AsyncSession, entry: WaitlistEntry) -> WaitlistOut:
    return shaped(WaitlistOut, entry, position=await waitlist.place_in_line(db, entry=entry))


class RegistrationController(Controller):
    """Buyers' calls (prices, quotes, orders, waitlist, manage link) and the organizers' (types, codes, policy,
    order search, refunds, exports, live counts), each route with its own access rule."""

    path = "/api/conferences/{slug:str}/registration"
    tags = ["Registration"]
    dependencies = {
        "managed_order": Provide(provide_managed_order),
        "order": Provide(provide_order),
        "registration_type": Provide(provide_registration_type),
        "promo_code": Provide(provide_promo_code),
    }

    @get("/types", opt=PUBLIC, operation_id="listRegistrationTypes")
    async def list_public_types(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[TypeOut]:
        """The types on public sale, in display order, with all their prices and dates."""
        types = await service.list_types(db_session, conference_id=conference.id, public_only=True)
        return msgspec.convert(types, list[TypeOut], from_attributes=True)

    @post("/quote", opt=PUBLIC, operation_id="quoteRegistration", status_code=200)
    async def quote_order(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[OrderIn],
    ) -> Quote:
        """What this order would cost now, per attendee (member check explained) and in total. Writes nothing."""
        priced = await quote.price_order(
            db_session,
            settings=settings,
            conference=conference,
            data=data,
            at=now(),
            source=quote.order_source(principal),
        )
        return quote.as_quote(priced)

    @post("/orders", opt=PUBLIC, operation_id="placeRegistrationOrder", status_code=201)
    async def place_order(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[OrderIn],
    ) -> OrderOut:
        """Registers one or more people; 409 ``sold-out`` or ``promo-code-used-up`` when the seats or code are gone.

        The answer's ``manage_url`` is the buyer's signed link to pay by card, cancel or substitute.
        """
        order = await checkout.place_order(
            db_session,
            settings=settings,
            conference=conference,
            data=data,
            actor=principal,
            source=quote.order_source(principal),
        )
        return order_out(order, manage_url=manage_links.manage_url(settings, conference=conference, order=order))

    @post("/waitlist", opt=PUBLIC, operation_id="joinRegistrationWaitlist", status_code=201)
    async def join_waitlist(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        data: JSONBody[WaitlistIn],
    ) -> WaitlistOut:
        """Joins the waitlist of a sold-out type; a freed seat is offered by mail in turn, for a limited time."""
        entry = await waitlist.join_waitlist(db_session, conference=conference, data=data)
        return await waitlist_out(db_session, entry)

    @get("/manage/{token:str}", opt=PUBLIC, operation_id="getManagedOrder")
    async def get_managed_order(self, managed_order: NamedDependency[Order]) -> OrderOut:
        """The order behind a buyer's signed manage link."""
        return order_out(managed_order)

    @post("/manage/{token:str}/cancel", opt=PUBLIC, operation_id="cancelManagedAttendees", status_code=200)
    async def cancel(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        managed_order: NamedDependency[Order],
        data: JSONBody[CancelIn],
    ) -> CancellationOut:
        """Cancels some attendees (or, with none named, the whole order); refunds follow the conference's policy."""
        result = await cancellation.cancel_attendees(
            db_session, settings=settings, order=managed_order, attendee_ids=data.attendee_ids
        )
        return cancellation_out(result, managed_order)

    @post("/manage/{token:str}/card-payment", opt=PUBLIC, operation_id="payManagedOrderByCard", status_code=200)
    async def pay_by_card(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        managed_order: NamedDependency[Order],
        data: JSONBody[CardPaymentIn],
    ) -> CardPaymentOut:
        """Charges a pending order with a card PaymentMethod made by Stripe.js; the webhook confirms the order.

        ``requires_action``: finish 3-D Secure with Stripe.js ``confirmCardPayment(client_secret)``.
        """
        started = await checkout.pay_by_card(
            db_session, settings=settings, order=managed_order, payment_method_id=data.payment_method_id
        )
        return CardPaymentOut(status=started.status, client_secret=started.client_secret, message=started.message)

    @post("/manage/{token:str}/attendees/{attendee_id:uuid}/substitute", opt=PUBLIC,
          operation_id="substituteManagedAttendee", status_code=201)  # fmt: skip
    async def substitute(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        managed_order: NamedDependency[Order],
        attendee_id: FromPath[uuid.UUID],
        data: JSONBody[SubstituteIn],
    ) -> AttendeeOut:
        """Gives a confirmed registration to a colleague from the same city; the old badge stops working."""
        new = await cancellation.substitute(
            db_session, settings=settings, order=managed_order, attendee_id=attendee_id, data=data
        )
        return msgspec.convert(new, AttendeeOut, from_attributes=True)

    # --- the organizers' side: types, codes, policy, orders, refunds, exports and live counts ---

    @get("/all-types", opt=STAFF, operation_id="listAllRegistrationTypes")
    async def list_types(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[TypeOut]:
        """Every type of the conference, hidden and inactive ones included."""
        types = await service.list_types(db_session, conference_id=conference.id)
        return msgspec.convert(types, list[TypeOut], from_attributes=True)

    @post("/types", opt=ORGANIZERS, operation_id="createRegistrationType")
    async def create_type(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[TypeIn],
    ) -> TypeOut:
        """Adds a registration type with its prices, dates, capacity and visibility."""
        created = await service.create_type(db_session, conference=conference, data=data, actor=principal)
        return msgspec.convert(created, TypeOut, from_attributes=True)

    @patch("/types/{type_id:uuid}", opt=ORGANIZERS, operation_id="updateRegistrationType")
    async def update_type(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        registration_type: NamedDependency[RegistrationType],
        data: JSONBody[TypePatch],
    ) -> TypeOut:
        """Changes the fields sent; a capacity below the seats already taken is refused (409).

        New seats are offered to the waitlist at once, by mail, in turn.
        """
        updated = await service.update_type(db_session, registration_type=registration_type, data=data, actor=principal)
        # More seats: the waitlist hears first.
        await waitlist.offer_free_seats(db_session, settings=settings, type_ids=[updated.id])
        return msgspec.convert(updated, TypeOut, from_attributes=True)

    @get("/counts", opt=STAFF, operation_id="registrationCounts")
    async def counts(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[TypeCount]:
        """Live seats per type: confirmed, held by live checkouts and invoices, offered to the waitlist, left."""
        return await reports.live_counts(db_session, conference_id=conference.id)

    @get("/promo-codes", opt=ORGANIZERS, operation_id="listPromoCodes")
    async def list_codes(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[PromoCodeOut]:
        """Every promo code of the conference with its uses so far."""
        return await promo.list_codes(db_session, conference_id=conference.id)

    @post("/promo-codes", opt=ORGANIZERS, operation_id="createPromoCode")
    async def create_code(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[PromoCodeIn],
    ) -> PromoCodeOut:
        """Adds a percent or fixed code, optionally limited to types, uses and a window."""
        code = await promo.create_code(db_session, conference=conference, data=data, actor=principal)
        return await promo.code_out(db_session, code)

    @patch("/promo-codes/{code_id:uuid}", opt=ORGANIZERS, operation_id="updatePromoCode")
    async def update_code(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        promo_code: NamedDependency[PromoCode],
        data: JSONBody[PromoCodePatch],
    ) -> PromoCodeOut:
        """Changes a code's limits, window, types or whether it is active."""
        code = await promo.update_code(db_session, code=promo_code, data=data, actor=principal)
        return await promo.code_out(db_session, code)

    @get("/cancellation-policy", opt=PUBLIC, operation_id="getCancellationPolicy")
    async def get_policy(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> PolicyOut:
        """The conference's cancellation and substitution policy."""
        policy = await service.get_policy(db_session, conference_id=conference.id)
        if policy is None:
            raise PolicyNotFound("This conference has no cancellation policy yet.")
        return msgspec.convert(policy, PolicyOut, from_attributes=True)

    @put("/cancellation-policy", opt=ORGANIZERS, operation_id="setCancellationPolicy")
    async def set_policy(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[PolicyIn],
    ) -> PolicyOut:
        """Sets the policy: full refund until one date, a fee until another, none after; substitution deadline."""
        policy = await service.set_policy(db_session, conference_id=conference.id, data=data, actor=principal)
        return msgspec.convert(policy, PolicyOut, from_attributes=True)

    @get("/orders", opt=STAFF, operation_id="searchRegistrationOrders")
    async def search_orders(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        limit: Limit = 50,
        offset: Offset = 0,
        status: FromQuery[OrderStatus | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=100, description="Number, buyer or attendee.")] = None,
    ) -> OffsetPagination[OrderOut]:
        """Orders newest first, by status or by a search over number, buyer and attendees."""
        page = await reports.search_orders(
            db_session, conference_id=conference.id, search=q, status=status, limit=limit, offset=offset
        )
        return page_of(page, order_out)

    @get("/orders/{order_id:uuid}", opt=STAFF, operation_id="getRegistrationOrder")
    async def get_order(
        self,
        settings: NamedDependency[Settings],
        conference: NamedDependency[Conference],
        order: NamedDependency[Order],
    ) -> OrderOut:
        """One order with its attendees and the buyer's manage link (to send again)."""
        return order_out(order, manage_url=manage_links.manage_url(settings, conference=conference, order=order))

    @post("/orders/{order_id:uuid}/cancel", opt=ORGANIZERS, operation_id="cancelRegistrationOrder", status_code=200)
    async def cancel_order(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        order: NamedDependency[Order],
        data: JSONBody[CancelIn],
    ) -> CancellationOut:
        """Cancels attendees (none named: all) as the buyer could, under the policy."""
        result = await cancellation.cancel_attendees(
            db_session, settings=settings, order=order, attendee_ids=data.attendee_ids, actor=principal
        )
        return cancellation_out(result, order)

    @post("/orders/{order_id:uuid}/manage-link", opt=STAFF, operation_id="reissueManageLink", status_code=200)
    async def reissue_manage_link(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        order: NamedDependency[Order],
    ) -> OrderOut:
        """Mails the buyer a new manage link; every earlier link to the order stops working."""
        url = await manage_links.reissue_manage_link(db_session, settings=settings, order=order, actor=principal)
        return order_out(order, manage_url=url)

    @post("/orders/{order_id:uuid}/honour", opt=ORGANIZERS, operation_id="honourRegistrationOrder", status_code=200)
    async def honour(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        order: NamedDependency[Order],
    ) -> OrderOut:
        """Gives a paid "needs attention" order its seats after all (409 while they are still sold out)."""
        return order_out(await payment_events.honour_order(db_session, settings=settings, order=order, actor=principal))

    @post("/orders/{order_id:uuid}/refund", opt=ORGANIZERS, operation_id="refundRegistrationOrder", status_code=200)
    async def refund(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        order: NamedDependency[Order],
        data: JSONBody[RefundIn],
    ) -> OrderOut:
        """Refunds an amount (default: all that is left), optionally cancelling every attendee with no fee."""
        await cancellation.refund_order(
            db_session,
            settings=settings,
            order=order,
            amount_cents=data.amount_cents,
            reason=data.reason,
            cancel_attendees_too=data.cancel_attendees,
            actor=principal,
        )
        await db_session.refresh(order)
        return order_out(order)

    @get("/attendees.csv", opt=ORGANIZERS, operation_id="exportAttendees", media_type="text/csv")
    async def export(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> Response[str]:
        """Every attendee as CSV; cells that a spreadsheet would run as a formula are quoted."""
        body = await reports.export_attendees_csv(db_session, conference_id=conference.id)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{conference.slug}-attendees.csv"'},
        )

    @get("/waitlist", opt=STAFF, operation_id="listRegistrationWaitlist")
    async def list_waitlist(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[WaitlistOut]:
        """Everyone on the conference's waitlists, in line order per type."""
        entries = await waitlist.entries(db_session, conference_id=conference.id)
        return [await waitlist_out(db_session, e) for e in entries]
