"""The back office's check-in pages, the phone's set-up page and the staff home.

Organizers keep the stations (who staffs each, a QR code that sets up a phone as one, revoking
and retiring with a question first), badge prints with their progress and one-off reprints, and
the education-credit report. The phone that reads a station's QR code opens the set-up page and
becomes that station's scanner with one tap. On-site staff land on their own home: the stations
an organizer put them at (one tap equips the phone they hold), the desk look-up and the live
dashboard. Every change goes through the check-in services, which audit it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from functools import partial
from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.backoffice.forms import Change, ConfirmForm, confirm_then, office_page, save_or_refuse
from events_app.checkin import assignments, attendance, badge_prints, people, printing, provisioning, stations
from events_app.checkin.dependencies import provide_badge_print, provide_holder, provide_station
from events_app.checkin.models import BadgePrint, PrintStatus, Station, StationKind
from events_app.checkin.pages import StationForm, badge_print_pdf
from events_app.checkin.people import Holder
from events_app.checkin.schemas import StationIn
from events_app.conferences import service as conferences
from events_app.conferences.models import Conference
from events_app.core.downloads import PDF, download
from events_app.core.errors import DomainError
from events_app.db import roll_back
from events_app.registration import reports
from events_app.registration import service as registration
from events_app.sessions import service as program
from events_app.settings import Settings

ORGANIZERS = allow()
STAFF = allow(Role.STAFF)
CSV = "text/csv"
DONE = {
    "station": "The station is added. Show its QR code to the phone that will scan there.",
    "assigned": "They can now set up their own phone for this station from their staff home.",
    "unassigned": "They are no longer at this station.",
    "revoked": "The station's device no longer works. Show the QR code to set up another.",
    "retired": "The station is retired; its scans stay on record.",
    "print": "The print is queued; this page follows it.",
}


class AssignForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=320)] = ""


class PrintForm(msgspec.Struct):
    """Whose badges: ``everyone``, ``type`` (with its id), ``order`` (by number) or ``attendee`` (by id)."""

    scope: Annotated[str, msgspec.Meta(max_length=20)] = "everyone"
    registration_type_id: Annotated[str, msgspec.Meta(max_length=40)] = ""
    order_number: Annotated[str, msgspec.Meta(max_length=40)] = ""
    attendee_id: Annotated[str, msgspec.Meta(max_length=40)] = ""


class ReprintForm(msgspec.Struct):
    why: Annotated[str, msgspec.Meta(max_length=300)] = ""
    lost: str = ""
    confirmed: str = ""


async def _stations_page(
    db: AsyncSession, *, conference: Conference, principal: Principal, done: str = "", error: str = ""
) -> Template:
    found = await stations.list_stations(db, conference=conference)
    return office_page(
        "checkin/stations",
        principal,
        conference,
        error=error,
        section="stations",
        stations=found,
        staff=await assignments.staff_at(db, station_ids=[s.id for s in found]),
        rooms=await program.list_rooms(db, conference=conference),
        kinds=list(StationKind),
        done=DONE.get(done, ""),
    )


async def _station_page(
    db: AsyncSession, *, conference: Conference, principal: Principal, station: Station, done: str = "", error: str = ""
) -> Template:
    staff = (await assignments.staff_at(db, station_ids=[station.id]))[station.id]
    return office_page(
        "checkin/station",
        principal,
        conference,
        error=error,
        section="stations",
        station=station,
        staff=staff,
        done=DONE.get(done, ""),
    )


async def _badges_page(
    db: AsyncSession,
    *,
    conference: Conference,
    principal: Principal,
    q: str = "",
    done: str = "",
    error: str = "",
    status: int | None = None,
) -> Template:
    prints = await badge_prints.list_prints(db, conference=conference)
    hits = []
    if len(q.strip()) >= 2:
        hits = await people.lookup(db, conference=conference, text=q.strip()[:100], with_email=True)
    return office_page(
        "checkin/badges",
        principal,
        conference,
        error=error,
        status=status,
        section="badges",
        prints=prints,
        types=await registration.list_types(db, conference_id=conference.id),
        q=q,
        hits=hits,
        # The page reloads itself while a print is drawing: progress without a script.
        drawing=any(p.status in {PrintStatus.QUEUED, PrintStatus.RUNNING} for p in prints),
        done=DONE.get(done, ""),
    )


async def _station_confirmed(
    db: AsyncSession,
    data: ConfirmForm,
    actor: Principal,
    conference: Conference,
    station: Station,
    action: str,
    *,
    act: Change,
    then: str,
) -> Template | Redirect:
    """Asks before a station's device stops (``revoke`` it, or ``retire`` the station); then does it."""

    async def ask() -> Template:
        return office_page(
            "checkin/confirm_station", actor, conference, section="stations", station=station, action=action
        )

    return await confirm_then(db, data.confirmed, ask=ask, act=act, then=then)


async def _print_scope(db: AsyncSession, *, conference: Conference, form: PrintForm) -> dict[str, uuid.UUID | None]:
    """The print the form asks for, as ``request_print``'s arguments; ``ValueError`` says what is missing."""
    scope: dict[str, uuid.UUID | None] = {"registration_type_id": None, "order_id": None, "attendee_id": None}
    try:
        if form.scope == "type":
            scope["registration_type_id"] = uuid.UUID(form.registration_type_id)
        elif form.scope == "attendee":
            scope["attendee_id"] = uuid.UUID(form.attendee_id)
    except ValueError:
        raise ValueError("Choose the registration type (or the attendee) whose badges to print.") from None
    if form.scope == "order":
        number = form.order_number.strip().upper()
        found = await reports.search_orders(
            db, conference_id=conference.id, search=number or None, status=None, limit=5, offset=0
        )
        order = next((o for o in found.items if o.number == number), None)
        if not number or order is None:
            raise ValueError(f"No order of this conference has the number {number!r}.")
        scope["order_id"] = order.id
    elif form.scope not in ("everyone", "type", "attendee"):
        raise ValueError("Choose whose badges to print.")
    return scope


class CheckinOffice(Controller):
    """A conference's stations, badge prints and attendance report, for organizers."""

    path = "/office/c/{slug:str}/checkin"
    include_in_schema = False
    dependencies = {
        "station": Provide(provide_station),
        "badge_print": Provide(provide_badge_print),
        "holder": Provide(provide_holder),
    }

    @get("/stations", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-stations")
    async def station_list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """Every station with its device and staff, and the form to add one."""
        return await _stations_page(db_session, conference=conference, principal=actor, done=done)

    @post("/stations", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_station(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[StationForm],
    ) -> Template | Redirect:
        """Adds a station; its page then offers the QR code that sets up its device."""

        async def add() -> Station:
            fields = {
                "name": data.name.strip(),
                "kind": data.kind,
                "room_id": data.room_id.strip() or None,
                "allow_unpaid": data.allow_unpaid == "on",
            }
            try:
                station_in = msgspec.convert(fields, StationIn)
            except msgspec.ValidationError:
                raise ValueError(
                    "Name the station (up to 120 characters), choose its kind and, for a session room, its room."
                ) from None
            station, _token = await stations.create_station(
                db_session, conference=conference, data=station_in, actor=actor
            )
            return station

        def refused(error: str, _status: int) -> Awaitable[Template]:
            return _stations_page(db_session, conference=conference, principal=actor, error=error)

        def added(station: Station) -> str:
            return f"/office/c/{conference.slug}/checkin/stations/{station.id}?done=station"

        return await save_or_refuse(db_session, add, then=added, refused=refused, shown=(conference,))

    @get("/stations/{station_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-station")
    async def station_detail(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station: NamedDependency[Station],
        done: FromQuery[str] = "",
    ) -> Template:
        return await _station_page(db_session, conference=conference, principal=actor, station=station, done=done)

    @get("/stations/{station_id:uuid}/provision", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def provision(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station: NamedDependency[Station],
    ) -> Template:
        """A QR code the phone's camera opens: it becomes this station's scanner, once, within minutes."""
        try:
            link = await provisioning.provisioning_link(settings, conference=conference, station=station, actor=actor)
        except DomainError as exc:
            return await _station_page(
                db_session, conference=conference, principal=actor, station=station, error=exc.detail
            )
        return office_page("checkin/provision", actor, conference, section="stations", station=station, link=link)

    @post("/stations/{station_id:uuid}/staff", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def assign_staff(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station: NamedDependency[Station],
        data: URLEncodedBody[AssignForm],
    ) -> Template | Redirect:

        async def assign() -> None:
            await assignments.assign(db_session, station=station, email=data.email, actor=actor)

        def refused(error: str, _status: int) -> Awaitable[Template]:
            return _station_page(db_session, conference=conference, principal=actor, station=station, error=error)

        then = f"/office/c/{conference.slug}/checkin/stations/{station.id}?done=assigned"
        return await save_or_refuse(db_session, assign, then=then, refused=refused, shown=(conference, station))

    @post("/stations/{station_id:uuid}/staff/{user_id:uuid}/remove", opt=ORGANIZERS, status_code=303)
    async def unassign_staff(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station: NamedDependency[Station],
        user_id: FromPath[uuid.UUID],
    ) -> Redirect:
        """Takes someone off a station (the device they set up keeps working until revoked)."""
        await assignments.unassign(db_session, station=station, user_id=user_id, actor=actor)
        await db_session.commit()
        return Redirect(f"/office/c/{conference.slug}/checkin/stations/{station.id}?done=unassigned", status_code=303)

    @post("/stations/{station_id:uuid}/revoke", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def revoke_device(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station: NamedDependency[Station],
        data: URLEncodedBody[ConfirmForm],
    ) -> Template | Redirect:
        """Asks first; then the station's device stops working at once (a lost phone)."""
        revoke = partial(stations.revoke_station_token, db_session, station=station, actor=actor)
        then = f"/office/c/{conference.slug}/checkin/stations/{station.id}?done=revoked"
        return await _station_confirmed(db_session, data, actor, conference, station, "revoke", act=revoke, then=then)

    @post("/stations/{station_id:uuid}/retire", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def retire(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station: NamedDependency[Station],
        data: URLEncodedBody[ConfirmForm],
    ) -> Template | Redirect:
        """Asks first; then the station leaves use, its device stops, and its scans stay on record."""
        retire = partial(stations.retire_station, db_session, station=station, actor=actor)
        then = f"/office/c/{conference.slug}/checkin/stations?done=retired"
        return await _station_confirmed(db_session, data, actor, conference, station, "retire", act=retire, then=then)

    @get("/badges", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-badges")
    async def badges(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        q: FromQuery[str] = "",
        done: FromQuery[str] = "",
    ) -> Template:
        """Badge prints with their progress, the form to ask for one, and a search to reprint one badge."""
        return await _badges_page(db_session, conference=conference, principal=actor, q=q, done=done)

    @post("/badges", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def request_print(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[PrintForm],
    ) -> Template | Redirect:
        """Queues a print of everyone's badges, one type's, one order's or one attendee's."""

        async def queue() -> None:
            scope = await _print_scope(db_session, conference=conference, form=data)
            await badge_prints.request_print(db_session, conference=conference, actor=actor, **scope)

        def refused(error: str, _status: int) -> Awaitable[Template]:
            return _badges_page(db_session, conference=conference, principal=actor, error=error)

        then = f"/office/c/{conference.slug}/checkin/badges?done=print"
        return await save_or_refuse(db_session, queue, then=then, refused=refused, shown=(conference,))

    @get("/badges/{print_id:uuid}/badges.pdf", opt=ORGANIZERS, media_type=PDF)
    async def download_print(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        badge_print: NamedDependency[BadgePrint],
    ) -> Response[bytes]:
        return await badge_print_pdf(db_session, conference=conference, badge_print=badge_print)

    @post("/attendees/{attendee_id:uuid}/reprint", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=200)
    async def reprint(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        holder: NamedDependency[Holder],
        data: URLEncodedBody[ReprintForm],
    ) -> Template | Response[bytes]:
        """A replacement badge now; a lost one is asked about first, since its old code stops at every door."""
        lost = data.lost == "on"
        if lost and not data.confirmed:
            return office_page("checkin/confirm_lost", actor, conference, section="badges", holder=holder, form=data)
        try:
            pdf = await printing.reprint(
                db_session,
                settings=settings,
                conference=conference,
                holder=holder,
                reason=data.why.strip() or "Reprinted at the back office",
                lost=lost,
                actor=actor,
            )
        except DomainError as exc:
            await roll_back(db_session, conference)
            return await _badges_page(
                db_session, conference=conference, principal=actor, error=exc.detail, status=exc.status
            )
        await db_session.commit()
        return download(pdf, media_type=PDF, filename="badge.pdf", inline=True)

    @get("/attendance", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-attendance")
    async def attendance_report(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Template:
        """Who attended which sessions, for how long, and the education credit each earned."""
        found = await attendance.conference_reports(db_session, conference=conference)
        return office_page("checkin/attendance", actor, conference, section="attendance", reports=found)

    @get("/attendance.csv", opt=ORGANIZERS, media_type=CSV)
    async def attendance_csv(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> Response[str]:
        found = await attendance.conference_reports(db_session, conference=conference)
        return download(await attendance.report_csv(found), media_type=CSV, filename=f"{conference.slug}-credits.csv")


class StationSetUp(Controller):
    """The page a phone opens from a station's QR code: one tap makes it that station's scanner."""

    path = "/c/{slug:str}/staff/provision/{code:str}"
    include_in_schema = False

    @get("/", opt=PUBLIC, media_type=MediaType.HTML, name="station-set-up")
    async def set_up_page(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        code: FromPath[str],
    ) -> Template:
        context: dict[str, Any] = {"principal": principal, "conference": conference, "code": code}
        try:
            context["station"] = await provisioning.station_of_link(
                db_session, settings, conference=conference, code=code
            )
        except DomainError as exc:
            context["error"] = exc.detail
            return Template("backoffice/checkin/set_up.html", context=context, status_code=exc.status)
        return Template("backoffice/checkin/set_up.html", context=context)

    @post("/", opt=PUBLIC, media_type=MediaType.HTML, status_code=303)
    async def set_up(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        code: FromPath[str],
    ) -> Template | Redirect:
        """Issues the station a device token for this phone and opens the scanner with it."""
        address = request.client.host if request.client else ""
        try:
            _station, issued = await provisioning.redeem(
                db_session, settings, conference=conference, code=code, address=address
            )
        except DomainError as exc:
            await roll_back(db_session, conference)
            context = {"principal": principal, "conference": conference, "code": code, "error": exc.detail}
            return Template("backoffice/checkin/set_up.html", context=context, status_code=exc.status)
        await db_session.commit()
        # The token travels in the fragment: browsers never send it to a server or put it in logs.
        return Redirect(f"/c/{conference.slug}/staff/scan#token={issued.secret}", status_code=303)


class StaffHome(Controller):
    """Where on-site staff land when they sign in: their stations, the desk look-up, the dashboard."""

    path = "/staff"
    include_in_schema = False

    @get("/", opt=STAFF, media_type=MediaType.HTML, name="staff-home")
    async def home(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        done: FromQuery[str] = "",
    ) -> Template:
        context = {
            "principal": actor,
            "posts": await assignments.posts_of(db_session, user_id=actor.user_id),
            "conferences": await conferences.list_conferences(db_session, principal=actor),
        }
        return Template("backoffice/checkin/staff_home.html", context=context)

    @post("/c/{slug:str}/stations/{station_id:uuid}/scan", opt=STAFF, status_code=303)
    async def start_scanning(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station_id: FromPath[uuid.UUID],
    ) -> Redirect:
        """Makes the device in hand the scanner of a station this person was put at."""
        station = await stations.get_station(db_session, conference=conference, station_id=station_id)
        issued = await assignments.equip_own_device(db_session, conference=conference, station=station, actor=actor)
        await db_session.commit()
        return Redirect(f"/c/{conference.slug}/staff/scan#token={issued.secret}", status_code=303)

    @get("/c/{slug:str}/lookup", opt=STAFF, media_type=MediaType.HTML, name="staff-lookup")
    async def lookup(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        q: FromQuery[str] = "",
    ) -> Template:
        """The desk's look-up: an attendee by name or badge code, whether they arrived, what they registered as."""
        hits = []
        error = ""
        if q.strip():
            try:
                hits = await people.lookup(
                    db_session, conference=conference, text=q.strip()[:100], with_email=actor.role == Role.ORGANIZER
                )
            except DomainError as exc:
                error = exc.detail
        context = {"principal": actor, "conference": conference, "q": q, "hits": hits, "error": error}
        return Template("backoffice/checkin/lookup.html", context=context, status_code=422 if error else 200)
