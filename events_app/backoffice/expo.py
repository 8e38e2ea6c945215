"""The back office's pages for one conference's expo: its rules and booking windows, the floor plan
(drawn, exported and imported as JSON with the reasons a document is refused), and the bookings, where
organizers place a partner in a booth, move a booking, free a booth or cancel a booking (the Partner
Program the expo sells to is in ``partners``).

Every change goes through the expo's services, which audit it; whatever takes a booth or money away
is asked about first, saying what the partner gets back.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import allow
from events_app.accounts.service import Principal
from events_app.backoffice.forms import (
    Change,
    ConfirmForm,
    Refused,
    cents_from,
    chosen_id,
    dollars,
    local_moment,
    office_page,
    save_or_refuse,
    whole_number,
)
from events_app.conferences.models import Conference
from events_app.core.downloads import download
from events_app.core.errors import DomainError
from events_app.db import roll_back
from events_app.expo import billing, bookings, drawing, floorplan, partners, placement, rules
from events_app.expo.dependencies import EXPO_DEPENDENCIES
from events_app.expo.models import Booth, BoothBooking
from events_app.expo.schemas import ExpoSettingsIn, FloorPlanDoc, WindowIn
from events_app.settings import Settings

ORGANIZERS = allow()
# A floor plan of a large hall is a few hundred kilobytes of JSON; far more is not a floor plan.
MAX_PLAN_BYTES = 2_000_000
DONE = {
    "settings": "The expo's rules are saved.",
    "window": "The booking window is added.",
    "window-deleted": "The booking window is removed.",
    "assigned": "The partner is placed in the booth.",
    "moved": "The booking is moved.",
    "released": "The booth is free again.",
    "cancelled": "The booking is cancelled and the booth is back on sale.",
    "plan": "The floor plan is imported.",
}


class SettingsForm(msgspec.Struct):
    hold_minutes: Annotated[str, msgspec.Meta(max_length=10)] = ""
    max_live_holds: Annotated[str, msgspec.Meta(max_length=10)] = ""
    card_payment_minutes: Annotated[str, msgspec.Meta(max_length=10)] = ""
    competitor_distance_ft: Annotated[str, msgspec.Meta(max_length=10)] = ""
    currency: Annotated[str, msgspec.Meta(max_length=3)] = ""
    extra_staff_price: Annotated[str, msgspec.Meta(max_length=20)] = ""
    refund_bands: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class WindowForm(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    opens_at: Annotated[str, msgspec.Meta(max_length=30)] = ""
    who: Annotated[str, msgspec.Meta(max_length=10)] = "everyone"
    tier_id: Annotated[str, msgspec.Meta(max_length=40)] = ""
    min_points: Annotated[str, msgspec.Meta(max_length=10)] = ""


class AssignForm(msgspec.Struct):
    partner_id: Annotated[str, msgspec.Meta(max_length=40)] = ""
    price: Annotated[str, msgspec.Meta(max_length=20)] = ""
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class MoveForm(msgspec.Struct):
    booth_id: Annotated[str, msgspec.Meta(max_length=40)] = ""
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ReleaseForm(msgspec.Struct):
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    refund_percent: Annotated[str, msgspec.Meta(max_length=3)] = ""
    confirmed: str = ""


def _refund_percent(form: ReleaseForm) -> int | None:
    """The refund an organizer types over the date bands' own; empty keeps the bands'."""
    return whole_number(form.refund_percent, "refund percent") if form.refund_percent.strip() else None


def _settings_form(settings: Any, timezone: str) -> SettingsForm:
    zone = ZoneInfo(timezone)
    bands = "\n".join(
        f"{datetime.fromisoformat(b['cancel_before']).astimezone(zone):%Y-%m-%d %H:%M} {b['refund_percent']}"
        for b in sorted(settings.refund_bands, key=lambda b: b["cancel_before"])
    )
    return SettingsForm(
        hold_minutes=str(settings.hold_minutes),
        max_live_holds=str(settings.max_live_holds),
        card_payment_minutes=str(settings.card_payment_minutes),
        competitor_distance_ft=f"{settings.competitor_distance_ft:g}",
        currency=settings.currency,
        extra_staff_price=dollars(settings.extra_staff_price_cents),
        refund_bands=bands,
    )


def _settings_in(form: SettingsForm, timezone: str) -> ExpoSettingsIn:
    """The rules the form asks for; refund bands are lines of ``2027-08-01 17:00 50`` (before then, 50 %)."""
    bands = []
    for n, line in enumerate(form.refund_bands.splitlines(), start=1):
        if not line.strip():
            continue
        moment, _, percent = line.strip().rpartition(" ")
        bands.append(
            {
                "cancel_before": local_moment(moment.replace(" ", "T"), timezone, f"refund band line {n}"),
                "refund_percent": whole_number(percent, f"refund percent on line {n}"),
            }
        )
    try:
        distance = float(form.competitor_distance_ft)
    except ValueError:
        raise ValueError("The distance between competitors is a number of feet.") from None
    fields = {
        "hold_minutes": whole_number(form.hold_minutes, "hold time in minutes"),
        "max_live_holds": whole_number(form.max_live_holds, "number of holds a partner may have"),
        "card_payment_minutes": whole_number(form.card_payment_minutes, "card payment time in minutes"),
        "competitor_distance_ft": distance,
        "currency": form.currency.strip().upper(),
        "extra_staff_price_cents": cents_from(form.extra_staff_price),
        "refund_bands": bands,
    }
    return msgspec.convert(fields, ExpoSettingsIn)


def _window_in(form: WindowForm, timezone: str) -> WindowIn:
    fields: dict[str, Any] = {
        "name": form.name.strip(),
        "opens_at": local_moment(form.opens_at, timezone, "when the window opens"),
    }
    if form.who == "tier":
        fields["tier_id"] = chosen_id(form.tier_id, "Choose the tier this window opens to.")
    elif form.who == "points":
        fields["min_points"] = whole_number(form.min_points, "least number of points")
    return msgspec.convert(fields, WindowIn)


async def _expo_page(
    db: AsyncSession,
    *,
    conference: Conference,
    principal: Principal,
    form: SettingsForm | None = None,
    done: str = "",
    error: str = "",
) -> Template:
    settings = await rules.expo_settings(db, conference=conference)
    return office_page(
        "expo/expo",
        principal,
        conference,
        error=error,
        section="expo",
        form=form or _settings_form(settings, conference.timezone),
        windows=await rules.list_windows(db, conference=conference),
        tiers={t.id: t for t in await partners.list_tiers(db)},
        done=DONE.get(done, ""),
    )


async def _floor_page(
    db: AsyncSession,
    *,
    conference: Conference,
    principal: Principal,
    errors: list[str] | None = None,
    text: str = "",
    done: str = "",
) -> Template:
    halls = await floorplan.list_halls(db, conference=conference)
    views = await floorplan.booth_views(db, conference=conference)
    drawings = await drawing.draw_halls(db, conference=conference, halls=halls, views=views, standalone=False)
    return office_page(
        "expo/floor_plan",
        principal,
        conference,
        status=422 if errors else 200,
        section="expo",
        drawings=list(zip(halls, drawings, strict=True)),
        svg_style=drawing.SVG_STYLE,
        views=views,
        errors=errors or [],
        text=text,
        done=DONE.get(done, ""),
    )


async def _bookings_page(
    db: AsyncSession, *, conference: Conference, principal: Principal, done: str = "", error: str = ""
) -> Template:
    found = await bookings.list_bookings(db, conference=conference, partner=None)
    return office_page(
        "expo/bookings",
        principal,
        conference,
        error=error,
        section="expo",
        bookings=found,
        live={b.id for b in found if bookings.booking_is_live(b)},
        views=await floorplan.booth_views(db, conference=conference),
        done=DONE.get(done, ""),
    )


class ExpoOffice(Controller):
    """A conference's expo: rules, booking windows, floor plan and bookings."""

    path = "/office/c/{slug:str}/expo"
    include_in_schema = False
    dependencies = {key: EXPO_DEPENDENCIES[key] for key in ("booth", "booking", "partner_scope")}

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-expo")
    async def expo(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """The expo's rules (hold time, limits, refund bands) and its booking windows."""
        return await _expo_page(db_session, conference=conference, principal=actor, done=done)

    def _expo_refused(
        self, db: AsyncSession, conference: Conference, actor: Principal, form: SettingsForm | None = None
    ) -> Refused:
        def refused(error: str, _status: int) -> Awaitable[Template]:
            return _expo_page(db, conference=conference, principal=actor, form=form, error=error)

        return refused

    @post("/settings", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_settings(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[SettingsForm],
    ) -> Template | Redirect:
        async def save() -> None:
            changes = _settings_in(data, conference.timezone)
            await rules.save_settings(db_session, conference=conference, data=changes, actor=actor)

        refused = self._expo_refused(db_session, conference, actor, form=data)
        then = f"/office/c/{conference.slug}/expo?done=settings"
        return await save_or_refuse(db_session, save, then=then, refused=refused, shown=(conference,))

    @post("/windows", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_window(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[WindowForm],
    ) -> Template | Redirect:
        """Opens booking at a moment to one tier, to partners with enough points, or to everyone."""

        async def add() -> None:
            window = _window_in(data, conference.timezone)
            await rules.create_window(db_session, conference=conference, data=window, actor=actor)

        refused = self._expo_refused(db_session, conference, actor)
        then = f"/office/c/{conference.slug}/expo?done=window"
        return await save_or_refuse(db_session, add, then=then, refused=refused, shown=(conference,))

    @post("/windows/{window_id:uuid}/delete", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def delete_window(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        window_id: FromPath[uuid.UUID],
        data: URLEncodedBody[ConfirmForm],
    ) -> Template | Redirect:
        """Asks first; then the window is gone and the partners it let in wait for the next one."""
        window = next(
            (w for w in await rules.list_windows(db_session, conference=conference) if w.id == window_id), None
        )
        if window is not None and not data.confirmed:
            return office_page("expo/confirm_window", actor, conference, section="expo", window=window)
        await rules.delete_window(db_session, conference=conference, window_id=window_id, actor=actor)
        await db_session.commit()
        return Redirect(f"/office/c/{conference.slug}/expo?done=window-deleted", status_code=303)

    @get("/floor-plan", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-floor-plan")
    async def floor_plan(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """The halls drawn with every booth's state, the booth list, and the JSON import and export."""
        return await _floor_page(db_session, conference=conference, principal=actor, done=done)

    @get("/floor-plan.json", opt=ORGANIZERS, media_type=MediaType.JSON)
    async def export_floor_plan(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> Response[bytes]:
        doc = await floorplan.export_floor_plan(db_session, conference=conference)
        return download(
            msgspec.json.format(msgspec.json.encode(doc)),
            media_type=MediaType.JSON,
            filename=f"{conference.slug}-floor-plan.json",
        )

    @post("/floor-plan", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def import_floor_plan(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Template | Redirect:
        """Makes the floor plan match an uploaded (or pasted) document; the page says why one is refused."""
        form = await request.form()
        upload = form.get("document")
        raw = await upload.read(MAX_PLAN_BYTES + 1) if isinstance(upload, UploadFile) else b""
        text = str(form.get("text", ""))
        raw = raw or text.encode()

        def refused(why: str) -> Awaitable[Template]:
            shown = text[:MAX_PLAN_BYTES]
            return _floor_page(db_session, conference=conference, principal=actor, errors=[why], text=shown)

        if not raw.strip():
            return await refused("Choose a floor plan file, or paste its JSON.")
        if len(raw) > MAX_PLAN_BYTES:
            return await refused("The file is too large to be a floor plan.")
        try:
            doc = msgspec.json.decode(raw, type=FloorPlanDoc)
        except msgspec.DecodeError as exc:
            return await refused(f"The document is not a floor plan: {exc}.")
        try:
            settings = await rules.expo_settings(db_session, conference=conference)
            await floorplan.import_floor_plan(
                db_session, conference=conference, doc=doc, currency=settings.currency, actor=actor
            )
        except DomainError as exc:
            await roll_back(db_session, conference)
            return await refused(exc.detail)
        await db_session.commit()
        return Redirect(f"/office/c/{conference.slug}/expo/floor-plan?done=plan", status_code=303)

    @get("/bookings", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-expo-bookings")
    async def booking_list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """Every booth with its state, and every booking with move and cancel."""
        return await _bookings_page(db_session, conference=conference, principal=actor, done=done)

    async def _placed(
        self,
        db: AsyncSession,
        conference: Conference,
        actor: Principal,
        change: Change,
        done: str,
    ) -> Template | Redirect:
        def refused(error: str, _status: int) -> Awaitable[Template]:
            return _bookings_page(db, conference=conference, principal=actor, error=error)

        then = f"/office/c/{conference.slug}/expo/bookings?done={done}"
        return await save_or_refuse(db, change, then=then, refused=refused, shown=(conference,))

    @get("/booths/{booth_id:uuid}/assign", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def assign_form(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booth: NamedDependency[Booth],
    ) -> Template:
        """Which partner to place in this booth, and at what price (one form per booth keeps the list light)."""
        [view] = await floorplan.booth_views(db_session, conference=conference, booth_id=booth.id)
        active = [p for p in await partners.list_partners(db_session) if p.active]
        return office_page("expo/assign", actor, conference, section="expo", view=view, partners=active)

    @post("/booths/{booth_id:uuid}/assign", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def assign(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booth: NamedDependency[Booth],
        data: URLEncodedBody[AssignForm],
    ) -> Template | Redirect:
        """Places a partner in a free booth as a confirmed booking, at the booth's price unless another is typed."""

        async def place() -> None:
            partner_id = chosen_id(data.partner_id, "Choose the partner to place in the booth.")
            await placement.assign_booth(
                db_session,
                conference=conference,
                booth=booth,
                partner=await partners.get_partner(db_session, partner_id=partner_id),
                actor=actor,
                price_cents=cents_from(data.price) if data.price.strip() else None,
                note=data.note.strip(),
            )

        return await self._placed(db_session, conference, actor, place, "assigned")

    @get("/bookings/{booking_id:uuid}/move", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def move_form(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking: NamedDependency[BoothBooking],
    ) -> Template:
        """The free booths a booking may move to."""
        free = [v for v in await floorplan.booth_views(db_session, conference=conference) if v.status == "available"]
        return office_page("expo/move", actor, conference, section="expo", booking=booking, free=free)

    @post("/bookings/{booking_id:uuid}/move", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def move(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking: NamedDependency[BoothBooking],
        data: URLEncodedBody[MoveForm],
    ) -> Template | Redirect:
        async def moving() -> None:
            to_id = chosen_id(data.booth_id, "Choose the free booth to move the booking to.")
            to = await floorplan.get_booth(db_session, conference=conference, booth_id=to_id)
            await placement.move_booking(
                db_session, conference=conference, booking=booking, to=to, actor=actor, note=data.note.strip()
            )

        return await self._placed(db_session, conference, actor, moving, "moved")

    async def _asked_release(
        self,
        db: AsyncSession,
        conference: Conference,
        actor: Principal,
        booking: BoothBooking | None,
        booth_id: uuid.UUID,
        data: ReleaseForm,
        action: str,
    ) -> Template:
        """Whose hold or booking ends and what the date bands refund, with the form that goes ahead."""
        quote = await bookings.quote_cancellation(db, conference=conference, booking=booking) if booking else None
        [view] = await floorplan.booth_views(db, conference=conference, booth_id=booth_id)
        return office_page(
            "expo/confirm_release",
            actor,
            conference,
            section="expo",
            view=view,
            booking=booking,
            quote=quote,
            action=f"/office/c/{conference.slug}/expo/{action}",
            form=data,
        )

    async def _ended(
        self,
        db: AsyncSession,
        conference: Conference,
        actor: Principal,
        data: ReleaseForm,
        *,
        ask: Callable[[], Awaitable[Template]],
        end: Callable[..., Awaitable[object]],
        done: str,
    ) -> Template | Redirect:
        """Ends a hold or booking once asked, with the refund typed over the date bands' if any."""
        try:
            percent = _refund_percent(data)
        except ValueError as exc:
            return await _bookings_page(db, conference=conference, principal=actor, error=str(exc))
        if not data.confirmed:
            return await ask()

        async def ending() -> None:
            await end(override_percent=percent, note=data.note.strip())

        return await self._placed(db, conference, actor, ending, done)

    @post("/booths/{booth_id:uuid}/release", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def release(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booth: NamedDependency[Booth],
        data: URLEncodedBody[ReleaseForm],
    ) -> Template | Redirect:
        """Asks first, saying whose hold or booking ends and what is refunded; then frees the booth."""

        async def ask() -> Template:
            booking = await db_session.get(BoothBooking, booth.booking_id) if booth.booking_id else None
            action = f"booths/{booth.id}/release"
            return await self._asked_release(db_session, conference, actor, booking, booth.id, data, action)

        free = partial(
            placement.release_booth, db_session, settings=settings, conference=conference, booth=booth, actor=actor
        )
        return await self._ended(db_session, conference, actor, data, ask=ask, end=free, done="released")

    @post("/bookings/{booking_id:uuid}/cancel", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def cancel(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        booking: NamedDependency[BoothBooking],
        data: URLEncodedBody[ReleaseForm],
    ) -> Template | Redirect:
        """Asks first with the refund the date bands give; then cancels, refunds and puts the booth back on sale."""

        async def ask() -> Template:
            action = f"bookings/{booking.id}/cancel"
            return await self._asked_release(db_session, conference, actor, booking, booking.booth_id, data, action)

        cancel = partial(
            billing.cancel_and_refund,
            db_session,
            settings=settings,
            conference=conference,
            booking=booking,
            actor=actor,
        )
        return await self._ended(db_session, conference, actor, data, ask=ask, end=cancel, done="cancelled")
