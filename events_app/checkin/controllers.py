"""HTTP API of check-in: badge keys and images, stations, scans, look-up, the offline copy, the dashboard.

Door devices use a station token (scoped to one conference: scans, look-up by name, the offline
copy); organizers manage stations and print the whole conference's badges. A scan is committed
before it is announced on the live channel, so a dashboard in another process that re-reads on
the announcement always sees it.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from anyio import to_thread
from litestar import Controller, Response, Router, delete, get, patch, post, put
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency, Provide
from litestar.pagination import OffsetPagination
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import ServerSentEvent
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.checkin import (
    attendance,
    badge_prints,
    badges,
    conflicts,
    dashboard,
    live,
    offline,
    people,
    printing,
    qr,
    scans,
    stations,
)
from events_app.checkin.dependencies import (
    provide_badge_print,
    provide_holder,
    provide_linked_badge_token,
    provide_station,
)
from events_app.checkin.models import BadgePrint, Station
from events_app.checkin.pages import badge_print_pdf
from events_app.checkin.people import Holder
from events_app.checkin.schemas import (
    BadgeOut,
    BadgePrintIn,
    BadgePrintOut,
    Conflicts,
    CreditReport,
    CreditRuleIn,
    CreditRuleOut,
    DashboardOut,
    Heartbeat,
    LookupHit,
    OfflineBundle,
    PublicKeyOut,
    ReprintIn,
    ScanAnswer,
    ScanBatchIn,
    ScanBatchOut,
    ScanIn,
    ScanOut,
    StationIn,
    StationOut,
    StationPatch,
    StationTokenOut,
)
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.downloads import CSV, PDF, download
from events_app.core.pagination import Limit, Offset
from events_app.settings import Settings

STAFF = allow(Role.STAFF)
ORGANIZERS = allow()
# A door's device (a station token) does these and nothing else; staff and organizers may too.
DOORS = allow(Role.STAFF, Role.STATION)


def _image(image: bytes, *, media_type: str) -> Response[bytes]:
    # Private: the link is the attendee's own, not for a shared cache to keep.
    return Response(image, media_type=media_type, headers={"Cache-Control": "private, max-age=300"})


class BadgeController(Controller):
    @get("/badge-key", opt=STAFF, operation_id="getBadgeKey")
    async def badge_key(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
    ) -> PublicKeyOut:
        """The conference's Ed25519 public key, which scanners use to verify badges by themselves."""
        return await badges.public_key_out(db_session, settings=settings, conference=conference)

    @get("/attendees/{attendee_id:uuid}/badge", opt=ORGANIZERS, operation_id="getBadge")
    async def badge(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        holder: NamedDependency[Holder],
    ) -> BadgeOut:
        """An attendee's current badge token and links to its QR images (organizers: the token admits them)."""
        return await badges.badge_out(db_session, settings=settings, conference=conference, holder=holder)

    @post("/attendees/{attendee_id:uuid}/reprint", opt=STAFF, operation_id="reprintBadge", status_code=200)
    async def reprint(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        holder: NamedDependency[Holder],
        data: JSONBody[ReprintIn],
    ) -> Response[bytes]:
        """A replacement badge as a one-badge PDF, audited; ``lost`` revokes the old code first (organizers only)."""
        pdf = await printing.reprint(
            db_session,
            settings=settings,
            conference=conference,
            holder=holder,
            reason=data.reason,
            lost=data.lost,
            actor=actor,
        )
        return download(pdf, media_type=PDF, filename="badge.pdf", inline=True)


class BadgePrintController(Controller):
    path = "/badge-prints"
    opt = ORGANIZERS
    dependencies = {"badge_print": Provide(provide_badge_print)}

    @post("/", operation_id="requestBadgePrint", status_code=202)
    async def request_print(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[BadgePrintIn],
    ) -> BadgePrintOut:
        """Queues sheets of 4x3 inch badges, six to a letter page, for every active attendee (or one type).

        An app process draws them in the background; follow ``GET .../badge-prints/{id}`` until it is ``done``.
        """
        job = await badge_prints.request_print(
            db_session, conference=conference, registration_type_id=data.registration_type_id, actor=actor
        )
        return badge_prints.print_out(job, conference=conference)

    @get("/", operation_id="listBadgePrints")
    async def list_prints(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[BadgePrintOut]:
        """The latest badge prints, newest first, with their progress."""
        jobs = await badge_prints.list_prints(db_session, conference=conference)
        return [badge_prints.print_out(j, conference=conference) for j in jobs]

    @get("/{print_id:uuid}", operation_id="getBadgePrint")
    async def get_print(
        self, conference: NamedDependency[Conference], badge_print: NamedDependency[BadgePrint]
    ) -> BadgePrintOut:
        """One print's progress: badges drawn of the total, and the PDF's link once it is done."""
        return badge_prints.print_out(badge_print, conference=conference)

    @get("/{print_id:uuid}/badges.pdf", operation_id="downloadBadgePrint", media_type=PDF)
    async def download(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        badge_print: NamedDependency[BadgePrint],
    ) -> Response[bytes]:
        """The finished print's PDF (409 while it is still being drawn)."""
        return await badge_print_pdf(db_session, conference=conference, badge_print=badge_print)


class StationController(Controller):
    path = "/stations"

    @get("/", opt=STAFF, operation_id="listStations")
    async def list_stations(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[StationOut]:
        """The conference's stations: doors, session rooms, the desk and partner booths."""
        return [stations.station_out(s) for s in await stations.list_stations(db_session, conference=conference)]

    @post("/", opt=ORGANIZERS, operation_id="createStation")
    async def create_station(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[StationIn],
    ) -> StationTokenOut:
        """Adds a station and returns its device token once (staff role, limited to this conference)."""
        station, issued = await stations.create_station(db_session, conference=conference, data=data, actor=actor)
        return StationTokenOut(station=stations.station_out(station), token=issued.secret)

    @patch("/{station_id:uuid}", opt=ORGANIZERS, operation_id="updateStation")
    async def update_station(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station: NamedDependency[Station],
        data: JSONBody[StationPatch],
    ) -> StationOut:
        """Renames a station, moves it to another room or changes whether unpaid attendees may pass."""
        await stations.update_station(db_session, conference=conference, station=station, data=data, actor=actor)
        return stations.station_out(station)

    @post("/{station_id:uuid}/token", opt=ORGANIZERS, operation_id="reissueStationToken")
    async def reissue_token(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station: NamedDependency[Station],
    ) -> StationTokenOut:
        """Replaces the station's device token: the old device stops, the new token is shown once."""
        issued = await stations.reissue_station_token(db_session, conference=conference, station=station, actor=actor)
        return StationTokenOut(station=stations.station_out(station), token=issued.secret)

    @delete("/{station_id:uuid}/token", opt=ORGANIZERS, operation_id="revokeStationToken", status_code=200)
    async def revoke_token(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        station: NamedDependency[Station],
    ) -> StationOut:
        """Stops the station's device at once (a lost phone)."""
        return stations.station_out(await stations.revoke_station_token(db_session, station=station, actor=actor))

    @delete("/{station_id:uuid}", opt=ORGANIZERS, operation_id="retireStation", status_code=200)
    async def retire_station(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        station: NamedDependency[Station],
    ) -> StationOut:
        """Takes a station out of use and revokes its token; its scans stay on record."""
        return stations.station_out(await stations.retire_station(db_session, station=station, actor=actor))


class ScanController(Controller):
    @post("/scans", opt=DOORS, operation_id="redeemScan", status_code=200)
    async def scan(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        channels: NamedDependency[ChannelsPlugin],
        conference: NamedDependency[Conference],
        conference_cache: NamedDependency[ConferenceCache],
        data: JSONBody[ScanIn],
    ) -> ScanAnswer:
        """Answers one scan with the fixed vocabulary (ok, already_checked_in, unpaid, cancelled, revoked,
        wrong_conference, invalid, not_registered_for_session). The same nonce returns the first answer.
        """
        answers = await scans.redeem_and_commit(
            db_session, conference=conference, items=[data], actor=actor, cache=conference_cache
        )
        live.publish_scans(channels, conference_id=conference.id, items=[data], answers=answers)
        return answers[0]

    @post("/scans/batch", opt=DOORS, operation_id="redeemScanBatch", status_code=200)
    async def scan_batch(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        channels: NamedDependency[ChannelsPlugin],
        conference: NamedDependency[Conference],
        conference_cache: NamedDependency[ConferenceCache],
        data: JSONBody[ScanBatchIn],
    ) -> ScanBatchOut:
        """A device's queued scans after an outage, in the order taken; each answered as if sent alone.

        Conflicts (a badge admitted offline here and at another door first) come back flagged.
        """
        synced = await offline.sync_queue(
            db_session, conference=conference, scans=data.scans, actor=actor, cache=conference_cache
        )
        live.publish_scans(channels, conference_id=conference.id, items=data.scans, answers=synced.answers)
        return synced

    @get("/scans", opt=STAFF, operation_id="listScans")
    async def list_scans(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        limit: Limit = 100,
        offset: Offset = 0,
        conflicts: FromQuery[bool] = False,
    ) -> OffsetPagination[ScanOut]:
        """Scans, newest first; ``conflicts=true`` lists the offline two-door clashes staff should review."""
        return await scans.list_scans(
            db_session, conference=conference, conflicts_only=conflicts, limit=limit, offset=offset
        )

    @get("/conflicts", opt=DOORS, operation_id="listCheckinConflicts")
    async def list_conflicts(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> Conflicts:
        """Badges admitted at two doors while one was offline, earliest door first, until staff mark them seen."""
        return await conflicts.unseen(db_session, conference=conference)

    @post("/conflicts/{scan_id:uuid}/seen", opt=DOORS, operation_id="markCheckinConflictSeen", status_code=204)
    async def mark_conflict_seen(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        channels: NamedDependency[ChannelsPlugin],
        conference: NamedDependency[Conference],
        scan_id: FromPath[uuid.UUID],
    ) -> None:
        """Takes a conflict off every door's page and the dashboard (audited)."""
        await conflicts.mark_seen(db_session, channels, conference=conference, scan_id=scan_id, actor=actor)

    @get("/heartbeat", opt=DOORS, operation_id="scannerHeartbeat")
    async def heartbeat(self, conference: NamedDependency[Conference]) -> Heartbeat:
        """A scanner's light check that the server answers (and its token works), with the server's clock."""
        return Heartbeat(now=now())

    @get("/lookup", opt=DOORS, operation_id="lookupAttendees")
    async def lookup(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        q: Annotated[str, QueryParameter(min_length=1, max_length=100, description="Part of a name (or email).")],
    ) -> list[LookupHit]:
        """Attendees by part of a name, for a badge that will not scan; organizers also search and see emails."""
        return await people.lookup(db_session, conference=conference, text=q, with_email=actor.role == Role.ORGANIZER)

    @get("/offline", opt=DOORS, operation_id="getOfflineBundle")
    async def offline_bundle(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station_id: FromQuery[uuid.UUID | None] = None,
    ) -> OfflineBundle:
        """What a scanner keeps to work offline: public key, badge versions and statuses, names, who is in."""
        station = await stations.station_for(db_session, conference=conference, principal=actor, station_id=station_id)
        return await offline.offline_bundle(db_session, settings=settings, conference=conference, station=station)


class DashboardController(Controller):
    @get("/dashboard", opt=STAFF, operation_id="getCheckinDashboard")
    async def dashboard(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> DashboardOut:
        """Arrivals per 15 minutes, checked in by registration type and by door, and room occupancy."""
        return await dashboard.build(db_session, conference=conference)

    @get("/live", opt=STAFF, operation_id="streamCheckins")
    async def live_events(
        self, channels: NamedDependency[ChannelsPlugin], conference: NamedDependency[Conference]
    ) -> ServerSentEvent:
        """Server-sent events: one ``scan`` event per recorded scan, and ``conflict_seen``, from every app process."""
        return ServerSentEvent(live.event_stream(channels, conference_id=conference.id))

    @get("/attendees/{attendee_id:uuid}/credits", opt=STAFF, operation_id="getAttendeeCredits")
    async def credits(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        holder: NamedDependency[Holder],
    ) -> CreditReport:
        """Sessions attended, minutes present and education credit earned by one attendee."""
        return await attendance.credit_report(db_session, conference=conference, holder=holder)

    @get(
        "/attendees/{attendee_id:uuid}/credits.csv",
        opt=STAFF,
        operation_id="getAttendeeCreditsCsv",
        media_type="text/csv",
    )
    async def credits_csv(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        holder: NamedDependency[Holder],
    ) -> Response[str]:
        """The attendee's credit report as CSV, for the leadership academy's records."""
        report = await attendance.credit_report(db_session, conference=conference, holder=holder)
        return download(await attendance.report_csv([report]), media_type=CSV, filename=f"credits-{holder.id}.csv")

    @put("/sessions/{session_id:uuid}/credit-rule", opt=ORGANIZERS, operation_id="setCreditRule")
    async def set_credit_rule(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        session_id: FromPath[uuid.UUID],
        data: JSONBody[CreditRuleIn],
    ) -> CreditRuleOut:
        """Sets the minutes of presence a session asks before it gives credit (``null``: three quarters)."""
        minutes = await attendance.set_credit_rule(
            db_session,
            conference=conference,
            session_id=session_id,
            minutes=data.minimum_presence_minutes,
            actor=actor,
        )
        return CreditRuleOut(session_id=session_id, minimum_presence_minutes=minutes)

    @get("/credits.csv", opt=ORGANIZERS, operation_id="getConferenceCreditsCsv", media_type="text/csv")
    async def all_credits_csv(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> Response[str]:
        """Every attendee's credit lines as one CSV."""
        reports = await attendance.conference_reports(db_session, conference=conference)
        return download(await attendance.report_csv(reports), media_type=CSV, filename=f"{conference.slug}-credits.csv")

    @get(
        "/attendees/{attendee_id:uuid}/certificate.pdf", opt=STAFF, operation_id="getCreditCertificate", media_type=PDF
    )
    async def certificate(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        holder: NamedDependency[Holder],
    ) -> Response[bytes]:
        """A PDF certificate of the education credit the attendee earned at this conference."""
        report = await attendance.credit_report(db_session, conference=conference, holder=holder)
        pdf = await printing.certificate(conference=conference, report=report)
        return download(pdf, media_type=PDF, filename="certificate.pdf", inline=True)


checkin_router = Router(
    path="/api/conferences/{slug:str}/checkin",
    route_handlers=[BadgeController, BadgePrintController, StationController, ScanController, DashboardController],
    dependencies={"holder": Provide(provide_holder), "station": Provide(provide_station)},
    tags=["Check-in"],
)


class BadgeImages(Controller):
    """Badge images behind a signed link (the attendee's mail and manage page); no sign-in needed."""

    include_in_schema = False
    opt = PUBLIC
    dependencies = {"linked_badge_token": Provide(provide_linked_badge_token)}

    @get("/c/{slug:str}/badge/{link:str}/badge.svg", media_type="image/svg+xml")
    async def svg(self, linked_badge_token: NamedDependency[str]) -> Response[bytes]:
        return _image(await to_thread.run_sync(qr.svg, linked_badge_token), media_type="image/svg+xml")

    @get("/c/{slug:str}/badge/{link:str}/badge.png", media_type="image/png")
    async def png(self, linked_badge_token: NamedDependency[str]) -> Response[bytes]:
        return _image(await to_thread.run_sync(qr.png, linked_badge_token), media_type="image/png")
