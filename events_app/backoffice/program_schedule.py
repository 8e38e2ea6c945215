"""The back office's schedule pages: the working copy's grid, the releases that publish it (with
who is mailed), and imports of a whole program from a JSON document or a CSV section.

Organizers only. A release or an import is refused whole, with the reasons, and nothing is written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable
from datetime import date
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import anyio
from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.backoffice.forms import save_or_refuse
from events_app.backoffice.program import ORGANIZERS, Page, program_page, program_url
from events_app.backoffice.program_grid import build_grid
from events_app.conferences.models import Conference
from events_app.core.errors import DomainError
from events_app.db import roll_back
from events_app.sessions import checks, release_mail, releases
from events_app.sessions import service as program
from events_app.sessions.errors import ImportFailed
from events_app.sessions.importer import SECTIONS, Section, import_program, read_document
from events_app.sessions.models import ScheduleRelease
from events_app.settings import Settings


class ScheduleOffice(Controller):
    """The program's grid, releases and imports, beside its working copy."""

    path = "/office/c/{slug:str}/program"
    include_in_schema = False

    @get("/grid", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-schedule-grid")
    async def grid(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        day: FromQuery[str] = "",
    ) -> Template:
        """One day of the working copy, rooms across and quarter hours down, with the checks on their cells."""
        chosen = None
        with contextlib.suppress(ValueError):
            chosen = date.fromisoformat(day[:10])
        built = build_grid(
            conference=conference,
            day=chosen,
            rooms=await program.list_rooms(db_session, conference=conference),
            tracks=[t for t, _ in await program.list_tracks(db_session, conference=conference)],
            speakers=await program.list_speakers(db_session, conference=conference),
            sessions=await program.list_sessions(db_session, conference=conference),
            warnings=await checks.check_schedule(db_session, conference=conference),
        )
        return program_page("grid", actor, conference, grid=built)

    async def _release_page(
        self,
        db: AsyncSession,
        settings: Settings,
        actor: Principal,
        conference: Conference,
        *,
        note: str = "",
        error: str = "",
        status: int = 200,
        done: str = "",
    ) -> Template:
        pending = await releases.pending_changes(db, conference=conference, settings=settings)
        told = await release_mail.audience(
            db, conference=conference, first_release=pending.based_on is None, changelog=pending.changelog
        )
        zone = ZoneInfo(conference.timezone)
        return program_page(
            "release",
            actor,
            conference,
            status=status,
            error=error,
            done=done,
            note=note,
            pending=pending,
            audience=told,
            changes=[release_mail.describe_change(c, zone) for c in pending.changelog],
            hard=[w for w in pending.warnings if w.hard],
            soft=[w for w in pending.warnings if not w.hard],
            history=await releases.list_releases(db, conference=conference),
        )

    @get("/release", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-release")
    async def release(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """What the next release would publish and who it would mail, before anything is published."""
        said = f"Release {done} is published." if done.isdigit() else ""
        return await self._release_page(db_session, settings, actor, conference, done=said)

    @post("/release", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def publish(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Page:
        """Publishes the working copy as the next release; the speakers and attendees it changes for are mailed."""
        note = str((await request.form()).get("note", "")).strip()

        async def publish() -> ScheduleRelease:
            if len(note) > 2000:
                raise ValueError("The note to the release is at most 2,000 characters.")
            published, _ = await releases.release_schedule(
                db_session, conference=conference, settings=settings, actor=actor, note=note
            )
            return published

        def refused(error: str, status: int) -> Awaitable[Template]:
            return self._release_page(db_session, settings, actor, conference, note=note, error=error, status=status)

        def published(release: ScheduleRelease) -> str:
            return program_url(conference, "release", str(release.number))

        return await save_or_refuse(db_session, publish, then=published, refused=refused, shown=(conference,))

    @get("/import", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-program-import")
    async def import_form(self, actor: NamedDependency[Principal], conference: NamedDependency[Conference]) -> Template:
        """Upload a JSON document or one CSV section; every bad row is listed and nothing is written."""
        return program_page("import", actor, conference, sections=SECTIONS)

    @post("/import", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=200)
    async def import_file(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Template:
        posted = await request.form()
        upload = posted.get("file")
        section = str(posted.get("section", ""))
        kind: Section | None = next((s for s in SECTIONS if s == section), None)
        page: dict[str, Any] = {"sections": SECTIONS, "chosen": section}
        if not isinstance(upload, UploadFile) or not upload.filename:
            return program_page("import", actor, conference, error="Choose a file to import.", status=422, **page)
        content = await upload.read()
        try:
            document = await anyio.to_thread.run_sync(
                partial(read_document, content, filename=upload.filename, kind=kind)
            )
            result = await import_program(
                db_session,
                conference=conference,
                document=document.document,
                actor=actor,
                csv_rows=document.csv_rows,
            )
        except ImportFailed as exc:
            await roll_back(db_session, conference)
            rows = exc.extra.get("errors", [])
            return program_page("import", actor, conference, error=exc.detail, rows=rows, status=422, **page)
        except DomainError as exc:
            await roll_back(db_session, conference)
            return program_page("import", actor, conference, error=exc.detail, status=int(exc.status), **page)
        await db_session.commit()
        return program_page("import", actor, conference, result=result, filename=upload.filename, **page)
