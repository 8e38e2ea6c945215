"""HTTP API of registration: the public quote, order, waitlist and manage-link calls, and the organizers' API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency
from litestar.pagination import OffsetPagination
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.pagination import Limit, Offset
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
from events_app.registration.errors import PolicyNotFound
from events_app.registration.models import Attendee, Order, OrderStatus, RegistrationType, WaitlistEntry
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


def type_out(t: RegistrationType) -> TypeOut:
    return TypeOut(
        id=t.id,
        name=t.name,
        description=t.description,
        kind=t.kind,
        visibility=t.visibility,
        currency=t.currency,
        member_price_cents=t.member_price_cents,
        non_member_price_cents=t.non_member_price_cents,
        early_member_price_cents=t.early_member_price_cents,
        early_non_member_price_cents=t.early_non_member_price_cents,
        early_bird_until=t.early_bird_until,
        onsite_member_price_cents=t.onsite_member_price_cents,
        onsite_non_member_price_cents=t.onsite_non_member_price_cents,
        onsite_from=t.onsite_from,
        capacity=t.capacity,
        sale_starts_at=t.sale_starts_at,
        sale_ends_at=t.sale_ends_at,
        valid_on=t.valid_on,
        position=t.position,
        active=t.active,
    )


def attendee_out(a: Attendee) -> AttendeeOut:
    return AttendeeOut(
        id=a.id,
        order_id=a.order_id,
        registration_type_id=a.registration_type_id,
        registration_type=a.registration_type.name,
        status=a.status,
        first_name=a.first_name,
        last_name=a.last_name,
        badge_name=a.badge_name,
        title=a.title,
        organization=a.organization,
        email=a.email,
        city_id=a.city_id,
        city_name=a.city_name,
        rate=a.rate,
        rate_note=a.rate_note,
        price_cents=a.price_cents,
        discount_cents=a.discount_cents,
        refunded_cents=a.refunded_cents,
        badge_version=a.badge_version,
        consent_to_share_contact=a.consent_to_share_contact,
        dietary_needs=a.dietary_needs,
        accessibility_needs=a.accessibility_needs,
        primary_attendee_id=a.primary_attendee_id,
        replaces_attendee_id=a.replaces_attendee_id,
    )


def order_out(order: Order, *, manage_url: str | None = None) -> OrderOut:
    return OrderOut(
        id=order.id,
        number=order.number,
        conference_id=order.conference_id,
        status=order.status,
        payment_method=order.payment_method,
        buyer_name=order.buyer_name,
        buyer_email=order.buyer_email,
        buyer_organization=order.buyer_organization,
        currency=order.currency,
        subtotal_cents=order.subtotal_cents,
        discount_cents=order.discount_cents,
        total_cents=order.total_cents,
        paid_cents=order.paid_cents,
        refunded_cents=order.refunded_cents,
        po_number=order.po_number,
        hold_expires_at=order.hold_expires_at,
        paid_at=order.paid_at,
        attention_reason=order.attention_reason,
        created_at=order.created_at,
        attendees=[attendee_out(a) for a in order.attendees],
        manage_url=manage_url,
    )


async def waitlist_out(db: AsyncSession, entry: WaitlistEntry) -> WaitlistOut:
    return WaitlistOut(
        id=entry.id,
        registration_type_id=entry.registration_type_id,
        name=entry.name,
        email=entry.email,
        status=entry.status,
        position=await waitlist.place_in_line(db, entry=entry),
        offer_expires_at=entry.offer_expires_at,
    )


async def _managed(db: AsyncSession, settings: Settings, conference: Conference, token: str) -> Order:
    return await manage_links.order_from_manage_token(db, settings=settings, conference=conference, token=token)


class RegistrationController(Controller):
    """Buyers' calls (prices, quotes, orders, waitlist, manage link) and the organizers' (types, codes, policy,
    order search, refunds, exports, live counts), each route with its own access rule."""

    path = "/api/conferences/{slug:str}/registration"
    tags = ["Registration"]

    @get("/types", opt=PUBLIC, operation_id="listRegistrationTypes")
    async def list_public_types(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[TypeOut]:
        """The types on public sale, in display order, with all their prices and dates."""
        return [
            type_out(t) for t in await service.list_types(db_session, conference_id=conference.id, public_only=True)
        ]

    @post("/quote", opt=PUBLIC, operation_id="quoteRegistration", status_code=200)
    async def quote(
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
    async def managed_order(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
    ) -> OrderOut:
        """The order behind a buyer's signed manage link."""
        order = await _managed(db_session, settings, conference, token)
        return order_out(order)

    @post("/manage/{token:str}/cancel", opt=PUBLIC, operation_id="cancelManagedAttendees", status_code=200)
    async def cancel(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
        data: JSONBody[CancelIn],
    ) -> CancellationOut:
        """Cancels some attendees (or, with none named, the whole order); refunds follow the conference's policy."""
        order = await _managed(db_session, settings, conference, token)
        result = await cancellation.cancel_attendees(
            db_session, settings=settings, order=order, attendee_ids=data.attendee_ids
        )
        return CancellationOut(
            cancelled_attendee_ids=[a.id for a in result.attendees],
            refund_cents=result.refund_cents,
            fee_cents=result.fee_cents,
            order=order_out(order),
        )

    @post("/manage/{token:str}/card-payment", opt=PUBLIC, operation_id="payManagedOrderByCard", status_code=200)
    async def pay_by_card(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
        data: JSONBody[CardPaymentIn],
    ) -> CardPaymentOut:
        """Charges a pending order with a card PaymentMethod made by Stripe.js; the webhook confirms the order.

        ``requires_action``: finish 3-D Secure with Stripe.js ``confirmCardPayment(client_secret)``.
        """
        order = await _managed(db_session, settings, conference, token)
        started = await checkout.pay_by_card(
            db_session, settings=settings, order=order, payment_method_id=data.payment_method_id
        )
        return CardPaymentOut(status=started.status, client_secret=started.client_secret, message=started.message)

    @post("/manage/{token:str}/attendees/{attendee_id:uuid}/substitute", opt=PUBLIC,
          operation_id="substituteManagedAttendee", status_code=201)  # fmt: skip
    async def substitute(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
        attendee_id: FromPath[uuid.UUID],
        data: JSONBody[SubstituteIn],
    ) -> AttendeeOut:
        """Gives a confirmed registration to a colleague from the same city; the old badge stops working."""
        order = await _managed(db_session, settings, conference, token)
        new = await cancellation.substitute(
            db_session, settings=settings, order=order, attendee_id=attendee_id, data=data
        )
        return attendee_out(new)

    # --- the organizers' side: types, codes, policy, orders, refunds, exports and live counts ---

    @get("/all-types", opt=STAFF, operation_id="listAllRegistrationTypes")
    async def list_types(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[TypeOut]:
        """Every type of the conference, hidden and inactive ones included."""
        return [type_out(t) for t in await service.list_types(db_session, conference_id=conference.id)]

    @post("/types", opt=ORGANIZERS, operation_id="createRegistrationType")
    async def create_type(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[TypeIn],
    ) -> TypeOut:
        """Adds a registration type with its prices, dates, capacity and visibility."""
        return type_out(await service.create_type(db_session, conference=conference, data=data, actor=principal))

    @patch("/types/{type_id:uuid}", opt=ORGANIZERS, operation_id="updateRegistrationType")
    async def update_type(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        type_id: FromPath[uuid.UUID],
        data: JSONBody[TypePatch],
    ) -> TypeOut:
        """Changes the fields sent; a capacity below the seats already taken is refused (409).

        New seats are offered to the waitlist at once, by mail, in turn.
        """
        registration_type = await service.get_type(db_session, conference_id=conference.id, type_id=type_id)
        updated = await service.update_type(db_session, registration_type=registration_type, data=data, actor=principal)
        # More seats: the waitlist hears first.
        await waitlist.offer_free_seats(db_session, settings=settings, type_ids=[updated.id])
        return type_out(updated)

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
        conference: NamedDependency[Conference],
        code_id: FromPath[uuid.UUID],
        data: JSONBody[PromoCodePatch],
    ) -> PromoCodeOut:
        """Changes a code's limits, window, types or whether it is active."""
        code = await promo.get_code(db_session, conference_id=conference.id, code_id=code_id)
        code = await promo.update_code(db_session, code=code, data=data, actor=principal)
        return await promo.code_out(db_session, code)

    @get("/cancellation-policy", opt=PUBLIC, operation_id="getCancellationPolicy")
    async def get_policy(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> PolicyOut:
        """The conference's cancellation and substitution policy."""
        policy = await service.get_policy(db_session, conference_id=conference.id)
        if policy is None:
            raise PolicyNotFound("This conference has no cancellation policy yet.")
        return _policy_out(policy)

    @put("/cancellation-policy", opt=ORGANIZERS, operation_id="setCancellationPolicy")
    async def set_policy(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[PolicyIn],
    ) -> PolicyOut:
        """Sets the policy: full refund until one date, a fee until another, none after; substitution deadline."""
        return _policy_out(
            await service.set_policy(db_session, conference_id=conference.id, data=data, actor=principal)
        )

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
        return OffsetPagination(
            items=[order_out(o) for o in page.items], limit=page.limit, offset=page.offset, total=page.total
        )

    @get("/orders/{order_id:uuid}", opt=STAFF, operation_id="getRegistrationOrder")
    async def get_order(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        order_id: FromPath[uuid.UUID],
    ) -> OrderOut:
        """One order with its attendees and the buyer's manage link (to send again)."""
        order = await checkout.get_order(db_session, order_id=order_id, conference_id=conference.id)
        return order_out(order, manage_url=manage_links.manage_url(settings, conference=conference, order=order))

    @post("/orders/{order_id:uuid}/cancel", opt=ORGANIZERS, operation_id="cancelRegistrationOrder", status_code=200)
    async def cancel_order(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        order_id: FromPath[uuid.UUID],
        data: JSONBody[CancelIn],
    ) -> CancellationOut:
        """Cancels attendees (none named: all) as the buyer could, under the policy."""
        order = await checkout.get_order(db_session, order_id=order_id, conference_id=conference.id)
        result = await cancellation.cancel_attendees(
            db_session, settings=settings, order=order, attendee_ids=data.attendee_ids, actor=principal
        )
        return CancellationOut(
            cancelled_attendee_ids=[a.id for a in result.attendees],
            refund_cents=result.refund_cents,
            fee_cents=result.fee_cents,
            order=order_out(order),
        )

    @post("/orders/{order_id:uuid}/manage-link", opt=STAFF, operation_id="reissueManageLink", status_code=200)
    async def reissue_manage_link(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        order_id: FromPath[uuid.UUID],
    ) -> OrderOut:
        """Mails the buyer a new manage link; every earlier link to the order stops working."""
        order = await checkout.get_order(db_session, order_id=order_id, conference_id=conference.id)
        url = await manage_links.reissue_manage_link(db_session, settings=settings, order=order, actor=principal)
        return order_out(order, manage_url=url)

    @post("/orders/{order_id:uuid}/honour", opt=ORGANIZERS, operation_id="honourRegistrationOrder", status_code=200)
    async def honour(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        order_id: FromPath[uuid.UUID],
    ) -> OrderOut:
        """Gives a paid "needs attention" order its seats after all (409 while they are still sold out)."""
        order = await checkout.get_order(db_session, order_id=order_id, conference_id=conference.id)
        return order_out(await payment_events.honour_order(db_session, settings=settings, order=order, actor=principal))

    @post("/orders/{order_id:uuid}/refund", opt=ORGANIZERS, operation_id="refundRegistrationOrder", status_code=200)
    async def refund(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        order_id: FromPath[uuid.UUID],
        data: JSONBody[RefundIn],
    ) -> OrderOut:
        """Refunds an amount (default: all that is left), optionally cancelling every attendee with no fee."""
        order = await checkout.get_order(db_session, order_id=order_id, conference_id=conference.id)
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
        entries = await db_session.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.conference_id == conference.id)
            .order_by(WaitlistEntry.registration_type_id, WaitlistEntry.created_at)
        )
        return [await waitlist_out(db_session, e) for e in entries]


def _policy_out(policy: Any) -> PolicyOut:
    return PolicyOut(
        fee_kind=policy.fee_kind,
        fee_value=policy.fee_value,
        full_refund_until=policy.full_refund_until,
        partial_refund_until=policy.partial_refund_until,
        substitution_until=policy.substitution_until,
        notes=policy.notes,
    )
