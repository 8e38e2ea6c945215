"""Staff pages: the badge scanner, the stations list (equip a device, revoke it), the live dashboard
and badge printing (ask for a print, follow it, download the PDF).

The scanner page itself is a shell anyone may load: it holds nothing until a station
token (kept on the device) unlocks the API, so a device that never signed in (a door
phone) works with only its revocable token. Stations and the dashboard are signed-in pages.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import msgspec
from litestar import Controller, MediaType, Response, get, post
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.static_files import create_static_files_router
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.checkin import badge_prints, conflicts, dashboard, live, stations
from events_app.checkin.dependencies import provide_badge_print, provide_station
from events_app.checkin.models import BadgePrint, PrintStatus, Station, StationKind
from events_app.checkin.schemas import DashboardOut, StationIn
from events_app.conferences.models import Conference
from events_app.core.downloads import PDF, download
from events_app.core.errors import DomainError
from events_app.registration import service as registration
from events_app.registration.errors import RegistrationTypeNotFound
from events_app.sessions import service as program
from events_app.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"
WORKER = STATIC_DIR / "scan-worker.js"

checkin_static = create_static_files_router(
    path="/static/checkin", directories=[STATIC_DIR], opt=PUBLIC, include_in_schema=False, name="checkin-static"
)


class PrintForm(msgspec.Struct):
    registration_type_id: str = ""


class StationForm(msgspec.Struct):
    """The add-station form (``_station_fields.html`` and the unpaid box), here and in the back office."""

    name: Annotated[str, msgspec.Meta(max_length=120)] = ""
    kind: Annotated[str, msgspec.Meta(max_length=30)] = ""
    room_id: Annotated[str, msgspec.Meta(max_length=40)] = ""
    allow_unpaid: str = ""


async def _stations_page(
    db: AsyncSession, conference: Conference, principal: Principal | None, *, error: str = ""
) -> Template:
    """The stations list and the form to add one; with ``error``, the form sent back with its reason (422)."""
    context = {
        "conference": conference,
        "stations": await stations.list_stations(db, conference=conference),
        "rooms": await program.list_rooms(db, conference=conference),
        "kinds": list(StationKind),
        "principal": principal,
        "error": error,
    }
    return Template("checkin/stations.html", context=context, status_code=422 if error else 200)


async def badge_print_pdf(db: AsyncSession, *, conference: Conference, badge_print: BadgePrint) -> Response[bytes]:
    """A finished print's PDF as a file named for its conference (refused while it is still being drawn)."""
    pdf = await badge_prints.finished_pdf(db, job=badge_print)
    return download(pdf, media_type=PDF, filename=f"{conference.slug}-badges.pdf")


class CheckinPages(Controller):
    path = "/c/{slug:str}/staff"
    include_in_schema = False
    dependencies = {"station": Provide(provide_station), "badge_print": Provide(provide_badge_print)}

    @get("/scan", opt=PUBLIC, media_type=MediaType.HTML, name="checkin-scanner")
    async def scanner(
        self,
        settings: NamedDependency[Settings],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Template:
        context = {"conference": conference, "principal": principal, "deadline_ms": settings.scanner_deadline_ms}
        return Template("checkin/scan.html", context=context)

    @get("/scan-worker.js", opt=PUBLIC, media_type="text/javascript")
    async def scan_worker(self, conference: NamedDependency[Conference]) -> Response[bytes]:
        """The service worker, served under the staff path so it may keep the scanner page there."""
        return Response(WORKER.read_bytes(), media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    @get("/stations", opt=allow(), media_type=MediaType.HTML, name="checkin-stations")
    async def station_list(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Template:
        return await _stations_page(db_session, conference, principal)

    @post("/stations", opt=allow(), media_type=MediaType.HTML, status_code=303)
    async def create_station(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[StationForm],
    ) -> Redirect | Template:
        try:
            station_in = StationIn(
                name=data.name.strip() or "?",
                kind=StationKind(data.kind),
                room_id=uuid.UUID(data.room_id) if data.room_id.strip() else None,
                allow_unpaid=data.allow_unpaid == "on",
            )
            station, _issued = await stations.create_station(
                db_session, conference=conference, data=station_in, actor=actor
            )
        except (ValueError, DomainError) as exc:
            detail = exc.detail if isinstance(exc, DomainError) else "Choose a kind and, for a session room, a room."
            # The session commits whatever a handler returns: nothing of the refused station may stay.
            await db_session.rollback()
            await db_session.refresh(conference)  # the rollback expired it
            return await _stations_page(db_session, conference, principal, error=detail)
        return Redirect(f"/c/{conference.slug}/staff/stations#station-{station.id}", status_code=303)

    @post("/stations/{station_id:uuid}/device", opt=allow(), status_code=303)
    async def equip_device(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station: NamedDependency[Station],
    ) -> Redirect:
        """Issues the station a fresh token and opens the scanner with it on this device."""
        issued = await stations.reissue_station_token(db_session, conference=conference, station=station, actor=actor)
        # The token travels in the fragment: browsers never send it to a server or put it in logs.
        return Redirect(f"/c/{conference.slug}/staff/scan#token={issued.secret}", status_code=303)

    @post("/stations/{station_id:uuid}/revoke", opt=allow(), status_code=303)
    async def revoke_device(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station: NamedDependency[Station],
    ) -> Redirect:
        await stations.revoke_station_token(db_session, station=station, actor=actor)
        return Redirect(f"/c/{conference.slug}/staff/stations", status_code=303)

    @get("/dashboard", opt=allow(Role.STAFF), media_type=MediaType.HTML, name="checkin-dashboard")
    async def dashboard_page(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Template:
        data = await dashboard.build(db_session, conference=conference)
        context = {
            "conference": conference,
            "principal": principal,
            "data": data,
            "initial": msgspec.json.encode(data).decode().replace("</", "<\\/"),
        }
        return Template("checkin/dashboard.html", context=context)

    @get("/dashboard/data", opt=allow(Role.STAFF))
    async def dashboard_data(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> DashboardOut:
        return await dashboard.build(db_session, conference=conference)

    @post("/dashboard/conflicts/{scan_id:uuid}/seen", opt=allow(Role.STAFF), status_code=204)
    async def conflict_seen(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        channels: NamedDependency[ChannelsPlugin],
        conference: NamedDependency[Conference],
        scan_id: FromPath[uuid.UUID],
    ) -> None:
        await conflicts.mark_seen(db_session, channels, conference=conference, scan_id=scan_id, actor=actor)

    @get("/dashboard/live", opt=allow(Role.STAFF))
    async def dashboard_live(
        self, channels: NamedDependency[ChannelsPlugin], conference: NamedDependency[Conference]
    ) -> ServerSentEvent:
        return ServerSentEvent(live.event_stream(channels, conference_id=conference.id))

    @get("/badges", opt=allow(), media_type=MediaType.HTML, name="checkin-badge-prints")
    async def badge_prints_page(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Template:
        prints = await badge_prints.list_prints(db_session, conference=conference)
        context = {
            "conference": conference,
            "principal": principal,
            "prints": prints,
            "types": await registration.list_types(db_session, conference_id=conference.id),
            # The page reloads itself while a print is drawing; no script needed.
            "drawing": any(p.status in {PrintStatus.QUEUED, PrintStatus.RUNNING} for p in prints),
        }
        return Template("checkin/badge_prints.html", context=context)

    @post("/badges", opt=allow(), status_code=303)
    async def request_print(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[PrintForm],
    ) -> Redirect:
        try:
            type_id = uuid.UUID(data.registration_type_id) if data.registration_type_id.strip() else None
        except ValueError as exc:
            raise RegistrationTypeNotFound("This conference has no registration type with this id.") from exc
        job = await badge_prints.request_print(
            db_session, conference=conference, registration_type_id=type_id, actor=actor
        )
        return Redirect(f"/c/{conference.slug}/staff/badges#print-{job.id}", status_code=303)

    @get("/badges/{print_id:uuid}/badges.pdf", opt=allow(), media_type=PDF)
    async def download_print(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        badge_print: NamedDependency[BadgePrint],
    ) -> Response[bytes]:
        return await badge_print_pdf(db_session, conference=conference, badge_print=badge_print)
