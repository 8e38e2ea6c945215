"""HTTP API of the released program: publishing a release, the releases and the schedule documents.

A release freezes the working copy; everything read here comes from a release, never from
the working copy, so nothing an organizer does between releases leaks out.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_304_NOT_MODIFIED
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.sessions import releases
from events_app.sessions.exchange import schedule_xml
from events_app.sessions.models import ScheduleRelease
from events_app.sessions.schemas import Change, ReleaseIn, ReleaseOut, Schedule, ScheduleWarning
from events_app.sessions.urls import absolute_schedule_json
from events_app.settings import Settings


def release_out(release: ScheduleRelease, warnings: list[ScheduleWarning] | None = None) -> ReleaseOut:
    schedule = releases.decode_schedule(release)
    return ReleaseOut(
        number=release.number,
        released_at=schedule.release.released_at,
        released_by=release.released_by,
        note=release.note,
        changelog=msgspec.convert(release.changelog, list[Change]),
        warnings=warnings or [],
    )


class ScheduleController(Controller):
    """The released program, for everyone; organizers publish the next release."""

    path = "/api/conferences/{slug:str}"
    tags = ["Program"]
    opt = PUBLIC

    @get(
        "/schedule",
        operation_id="getSchedule",
        media_type="application/json",
        responses={200: ResponseSpec(data_container=Schedule, description="The schedule, events-app.schedule/1")},
    )
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
    ) -> Response[bytes]:
        """The released program in the documented ``events-app.schedule/1`` JSON (see ``Schedule`` in the schemas)."""
        release, _ = await releases.require_published_schedule(db_session, conference=conference)
        etag = f'"release-{release.id}"'
        if etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        body = absolute_schedule_json(settings, release.schedule)
        return Response(body, media_type="application/json", headers={"ETag": etag})

    @get("/schedule.xml", operation_id="getScheduleFrab", media_type="application/xml")
    async def schedule_frab(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
    ) -> Response[bytes]:
        """The released program as Frab-compatible ``schedule.xml`` (cancelled runs left out)."""
        release, schedule = await releases.require_published_schedule(db_session, conference=conference)
        body = schedule_xml(schedule, settings)
        return Response(body, media_type="application/xml; charset=utf-8", headers={"ETag": f'"frab-{release.id}"'})

    @post("/program/releases", operation_id="releaseSchedule", opt=allow())
    async def release(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[ReleaseIn],
    ) -> ReleaseOut:
        """Publishes the working copy as the next release and mails speakers whose sessions changed.

        Refused with 409 ``schedule-conflicts`` (listing them) while a room or speaker is double-booked.
        """
        release, warnings = await releases.release_schedule(
            db_session, conference=conference, settings=settings, actor=principal, note=data.note
        )
        return release_out(release, warnings)

    @get("/program/releases", operation_id="listReleases")
    async def list_releases(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[ReleaseOut]:
        """Every release of the program, newest first, each with its changelog."""
        return [release_out(r) for r in await releases.list_releases(db_session, conference=conference)]

    @get("/program/releases/{number:int}", operation_id="getRelease")
    async def get_release(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        number: Annotated[int, Parameter(ge=1, le=2**31 - 1)],
    ) -> ReleaseOut:
        """One release and what it changed against the one before."""
        return release_out(await releases.get_release(db_session, conference=conference, number=number))
