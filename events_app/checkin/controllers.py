"""HTTP API of check-in: badge keys and images, stations, scans, look-up, the offline copy, the dashboard.

Staff devices use a station token (staff role, scoped to one conference); organizers manage
stations. A scan is committed before it is announced on the live channel, so a dashboard
in another process that re-reads on the announcement always sees it.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.pagination import OffsetPagination
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import ServerSentEvent
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.checkin import attendance, dashboard, live, printing, qr, service
from events_app.checkin.models import Scan
from events_app.checkin.schemas import (
    BadgeOut,
    CreditReport,
    CreditRuleIn,
    CreditRuleOut,
    DashboardOut,
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
from events_app.conferences.models import Conference
from events_app.core import signing
from events_app.core.errors import NotFound
from events_app.core.pagination import Limit, Offset
from events_app.settings import Settings

STAFF = allow(Role.STAFF)
ORGANIZERS = allow()
BADGE_LINK_PURPOSE = "badge-image"


def badge_link(settings: Settings, *, conference: Conference, attendee_id: uuid.UUID, ext: str) -> str:
    """A lasting link to an attendee's current badge image (it follows badge version changes)."""
    token = signing.sign(settings.secret_key, purpose=BADGE_LINK_PURPOSE, payload=f"{conference.id}:{attendee_id}")
    return f"{settings.base_url}/c/{conference.slug}/badge/{token}/badge.{ext}"


def _scan_event(answer: ScanAnswer, *, kind: str) -> dict[str, Any]:
    return {
        "result": str(answer.result),
        "admitted": answer.admitted,
        "kind": kind,
        "station": answer.station,
        "at": answer.scanned_at.isoformat(),
        "registration_type": answer.attendee.registration_type if answer.attendee else None,
        "attendee_id": str(answer.attendee.id) if answer.attendee else None,
    }


def scan_out(scan: Scan) -> ScanOut:
    return ScanOut(
        id=scan.id,
        station=scan.station.name,
        attendee_id=scan.attendee_id,
        kind=scan.kind,
        result=scan.result,
        scanned_at=scan.scanned_at,
        offline=scan.offline,
        manual=scan.manual,
        conflict=scan.conflict,
        message=str(scan.answer.get("message", "")),
    )


class BadgeController(Controller):
    path = "/api/conferences/{slug:str}/checkin"
    tags = ["Check-in"]

    @get("/badge-key", opt=STAFF, operation_id="getBadgeKey")
    async def badge_key(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
    ) -> PublicKeyOut:
        """The conference's Ed25519 public key, which scanners use to verify badges by themselves."""
        return await service.public_key_out(db_session, settings=settings, conference=conference)

    @get("/attendees/{attendee_id:uuid}/badge", opt=STAFF, operation_id="getBadge")
    async def badge(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        attendee_id: FromPath[uuid.UUID],
    ) -> BadgeOut:
        """An attendee's current badge token and links to its QR images."""
        holder = await service.get_holder(db_session, conference=conference, attendee_id=attendee_id)
        token = await service.badge_token(db_session, settings=settings, conference=conference, holder=holder)
        return BadgeOut(
            attendee_id=holder.id,
            badge_version=holder.badge_version,
            token=token,
            svg_url=badge_link(settings, conference=conference, attendee_id=holder.id, ext="svg"),
            png_url=badge_link(settings, conference=conference, attendee_id=holder.id, ext="png"),
        )

    @post("/attendees/{attendee_id:uuid}/reprint", opt=STAFF, operation_id="reprintBadge", status_code=200)
    async def reprint(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        attendee_id: FromPath[uuid.UUID],
        data: JSONBody[ReprintIn],
    ) -> Response[bytes]:
        """A replacement badge as a one-badge PDF, audited; ``lost`` revokes the old code first."""
        pdf = await printing.reprint(
            db_session,
            settings=settings,
            conference=conference,
            attendee_id=attendee_id,
            reason=data.reason,
            lost=data.lost,
            actor=actor,
        )
        return Response(
            pdf, media_type="application/pdf", headers={"Content-Disposition": 'inline; filename="badge.pdf"'}
        )

    @get("/badges.pdf", opt=ORGANIZERS, operation_id="printBadges", media_type="application/pdf")
    async def badges_pdf(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        registration_type_id: FromQuery[uuid.UUID | None] = None,
    ) -> Response[bytes]:
        """Sheets of 4x3 inch badges, six to a letter page, for every confirmed attendee (or one type)."""
        pdf = await printing.conference_sheets(
            db_session, settings=settings, conference=conference, registration_type_id=registration_type_id
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{conference.slug}-badges.pdf"'},
        )


class StationController(Controller):
    path = "/api/conferences/{slug:str}/checkin/stations"
    tags = ["Check-in"]

    @get("/", opt=STAFF, operation_id="listStations")
    async def list_stations(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[StationOut]:
        """The conference's stations: doors, session rooms, the desk and partner booths."""
        return [service.station_out(s) for s in await service.list_stations(db_session, conference=conference)]

    @post("/", opt=ORGANIZERS, operation_id="createStation")
    async def create_station(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[StationIn],
    ) -> StationTokenOut:
        """Adds a station and returns its device token once (staff role, limited to this conference)."""
        station, issued = await service.create_station(db_session, conference=conference, data=data, actor=actor)
        return StationTokenOut(station=service.station_out(station), token=issued.secret)

    @patch("/{station_id:uuid}", opt=ORGANIZERS, operation_id="updateStation")
    async def update_station(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station_id: FromPath[uuid.UUID],
        data: JSONBody[StationPatch],
    ) -> StationOut:
        """Renames a station, moves it to another room or changes whether unpaid attendees may pass."""
        station = await service.get_station(db_session, conference=conference, station_id=station_id)
        updated = await service.update_station(
            db_session, conference=conference, station=station, data=data, actor=actor
        )
        return service.station_out(updated)

    @post("/{station_id:uuid}/token", opt=ORGANIZERS, operation_id="reissueStationToken")
    async def reissue_token(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station_id: FromPath[uuid.UUID],
    ) -> StationTokenOut:
        """Replaces the station's device token: the old device stops, the new token is shown once."""
        station = await service.get_station(db_session, conference=conference, station_id=station_id)
        issued = await service.reissue_station_token(db_session, conference=conference, station=station, actor=actor)
        return StationTokenOut(station=service.station_out(station), token=issued.secret)

    @delete("/{station_id:uuid}/token", opt=ORGANIZERS, operation_id="revokeStationToken", status_code=200)
    async def revoke_token(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station_id: FromPath[uuid.UUID],
    ) -> StationOut:
        """Stops the station's device at once (a lost phone)."""
        station = await service.get_station(db_session, conference=conference, station_id=station_id)
        revoked = await service.revoke_station_token(db_session, conference=conference, station=station, actor=actor)
        return service.station_out(revoked)

    @delete("/{station_id:uuid}", opt=ORGANIZERS, operation_id="retireStation", status_code=200)
    async def retire_station(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station_id: FromPath[uuid.UUID],
    ) -> StationOut:
        """Takes a station out of use and revokes its token; its scans stay on record."""
        station = await service.get_station(db_session, conference=conference, station_id=station_id)
        retired = await service.retire_station(db_session, conference=conference, station=station, actor=actor)
        return service.station_out(retired)


class ScanController(Controller):
    path = "/api/conferences/{slug:str}/checkin"
    tags = ["Check-in"]

    @post("/scans", opt=STAFF, operation_id="redeemScan", status_code=200)
    async def scan(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        channels: NamedDependency[ChannelsPlugin],
        conference: NamedDependency[Conference],
        data: JSONBody[ScanIn],
    ) -> ScanAnswer:
        """Answers one scan with the fixed vocabulary (ok, already_checked_in, unpaid, cancelled, revoked,
        wrong_conference, invalid, not_registered_for_session). The same nonce returns the first answer.
        """
        [answer] = await service.redeem_and_commit(db_session, conference=conference, items=[data], actor=actor)
        if not answer.replayed:
            live.publish_scan(channels, conference_id=conference.id, event=_scan_event(answer, kind=str(data.kind)))
        return answer

    @post("/scans/batch", opt=STAFF, operation_id="redeemScanBatch", status_code=200)
    async def scan_batch(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        channels: NamedDependency[ChannelsPlugin],
        conference: NamedDependency[Conference],
        data: JSONBody[ScanBatchIn],
    ) -> ScanBatchOut:
        """A device's queued scans after an outage, in the order taken; each answered as if sent alone.

        Conflicts (a badge admitted offline here and at another door first) come back flagged.
        """
        answers = await service.redeem_and_commit(
            db_session, conference=conference, items=data.scans, actor=actor, batch=True
        )
        for item, answer in zip(data.scans, answers, strict=True):
            if not answer.replayed:
                live.publish_scan(channels, conference_id=conference.id, event=_scan_event(answer, kind=str(item.kind)))
        return ScanBatchOut(answers=answers, conflicts=sum(1 for a in answers if a.conflict))

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
        rows, total = await service.list_scans(
            db_session, conference=conference, conflicts_only=conflicts, limit=limit, offset=offset
        )
        return OffsetPagination(items=[scan_out(s) for s in rows], limit=limit, offset=offset, total=total)

    @get("/lookup", opt=STAFF, operation_id="lookupAttendees")
    async def lookup(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        q: Annotated[str, QueryParameter(min_length=1, max_length=100, description="Part of a name or email.")],
    ) -> list[LookupHit]:
        """Attendees by part of a name or email, for a badge that will not scan."""
        return await service.lookup(db_session, conference=conference, text=q)

    @get("/offline", opt=STAFF, operation_id="getOfflineBundle")
    async def offline(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        station_id: FromQuery[uuid.UUID | None] = None,
    ) -> OfflineBundle:
        """What a scanner keeps to work offline: public key, badge versions and statuses, names, who is in."""
        station = await service.station_for(db_session, conference=conference, principal=actor, station_id=station_id)
        return await service.offline_bundle(db_session, settings=settings, conference=conference, station=station)


class DashboardController(Controller):
    path = "/api/conferences/{slug:str}/checkin"
    tags = ["Check-in"]

    @get("/dashboard", opt=STAFF, operation_id="getCheckinDashboard")
    async def dashboard(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> DashboardOut:
        """Arrivals per 15 minutes, checked in by registration type and by door, and room occupancy."""
        return await dashboard.build(db_session, conference=conference)

    @get("/live", opt=STAFF, operation_id="streamCheckins")
    async def live_events(
        self,
        db_session: NamedDependency[AsyncSession],
        channels: NamedDependency[ChannelsPlugin],
        conference: NamedDependency[Conference],
    ) -> ServerSentEvent:
        """Server-sent events: one ``scan`` event per recorded scan, from every app process."""
        return ServerSentEvent(live.event_stream(channels, conference_id=conference.id))

    @get("/attendees/{attendee_id:uuid}/credits", opt=STAFF, operation_id="getAttendeeCredits")
    async def credits(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        attendee_id: FromPath[uuid.UUID],
    ) -> CreditReport:
        """Sessions attended, minutes present and education credit earned by one attendee."""
        return await attendance.credit_report(db_session, conference=conference, attendee_id=attendee_id)

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
        attendee_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        """The attendee's credit report as CSV, for the leadership academy's records."""
        report = await attendance.credit_report(db_session, conference=conference, attendee_id=attendee_id)
        return Response(
            attendance.report_csv([report]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="credits-{attendee_id}.csv"'},
        )

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
        return Response(
            attendance.report_csv(reports),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{conference.slug}-credits.csv"'},
        )

    @get(
        "/attendees/{attendee_id:uuid}/certificate.pdf",
        opt=STAFF,
        operation_id="getCreditCertificate",
        media_type="application/pdf",
    )
    async def certificate(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        attendee_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """A PDF certificate of the education credit the attendee earned at this conference."""
        report = await attendance.credit_report(db_session, conference=conference, attendee_id=attendee_id)
        return Response(
            printing.certificate(conference=conference, report=report),
            media_type="application/pdf",
            headers={"Content-Disposition": 'inline; filename="certificate.pdf"'},
        )


class BadgeImages(Controller):
    """Badge images behind a signed link (the attendee's mail and manage page); no sign-in needed."""

    include_in_schema = False
    opt = PUBLIC

    async def _token(self, db: AsyncSession, settings: Settings, conference: Conference, link: str) -> str:
        conference_id, _, attendee_id = signing.unsign(
            settings.secret_key, purpose=BADGE_LINK_PURPOSE, token=link
        ).partition(":")
        if conference_id != str(conference.id):
            raise NotFound("No badge at this address.", code="badge-not-found")
        holder = await service.get_holder(db, conference=conference, attendee_id=uuid.UUID(attendee_id))
        return await service.badge_token(db, settings=settings, conference=conference, holder=holder)

    @get("/c/{slug:str}/badge/{link:str}/badge.svg", media_type="image/svg+xml")
    async def svg(
        self,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        conference: NamedDependency[Conference],
        link: FromPath[str],
    ) -> Response[bytes]:
        token = await self._token(db_session, settings, conference, link)
        return Response(qr.svg(token), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})

    @get("/c/{slug:str}/badge/{link:str}/badge.png", media_type="image/png")
    async def png(
        self,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        conference: NamedDependency[Conference],
        link: FromPath[str],
    ) -> Response[bytes]:
        token = await self._token(db_session, settings, conference, link)
        return Response(qr.png(token), media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
