"""The back office's program pages: rooms, tracks, speakers, sessions and runs, the schedule grid,
releases and imports.

Organizers only. Every change goes through ``sessions.service`` (or ``releases``, ``importer``),
which audits it; this module reads the form, asks first before anything is deleted or taken off
the program, commits, and redirects. A refusal shows the form again, as typed, with the reason.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import date
from functools import partial
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import anyio
from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import allow
from events_app.accounts.service import Principal
from events_app.backoffice import program_forms as forms
from events_app.backoffice.program_grid import build_grid
from events_app.conferences import service as conferences
from events_app.conferences.models import Conference
from events_app.core.errors import DomainError
from events_app.sessions import checks, release_mail, releases
from events_app.sessions import service as program
from events_app.sessions.dependencies import WORKING_COPY
from events_app.sessions.errors import ImportFailed
from events_app.sessions.importer import SECTIONS, Section, import_program, read_document
from events_app.sessions.models import (
    ProgramSession,
    Room,
    SessionRun,
    SessionStatus,
    SessionType,
    Speaker,
    SpeakerRole,
    Track,
)
from events_app.sessions.schemas import (
    RoomIn,
    RoomPatch,
    RunIn,
    RunPatch,
    SessionIn,
    SessionPatch,
    SpeakerIn,
    SpeakerPatch,
    TrackIn,
    TrackPatch,
)
from events_app.settings import Settings

ORGANIZERS = allow()
# Which page a saved change returns to, and what it says there.
DONE = {
    "room": "The room is saved.",
    "room-deleted": "The room is deleted.",
    "track": "The track is saved.",
    "track-deleted": "The track is deleted; its sessions have no track now.",
    "speaker": "The speaker is saved.",
    "session": "The session is saved.",
    "run": "The run is saved.",
    "run-removed": "The run is taken off the program; the next release cancels it in calendars.",
}
Page = Template | Redirect


def _page(template: str, actor: Principal, conference: Conference, /, *, status: int = 200, **context: Any) -> Template:
    context = {"principal": actor, "conference": conference, "section": "program", **context}
    return Template(f"backoffice/program/{template}.html", context=context, status_code=status)


def _reason(exc: DomainError | ValueError) -> str:
    return exc.detail if isinstance(exc, DomainError) else str(exc)


def _status(exc: DomainError | ValueError) -> int:
    return int(exc.status) if isinstance(exc, DomainError) else 422


async def _undo(db: AsyncSession, *things: object) -> None:
    """Forgets the refused change, and reloads what the page shows again."""
    await db.rollback()
    for thing in things:
        await db.refresh(thing)


def _back(conference: Conference, where: str, done: str) -> Redirect:
    return Redirect(f"/office/c/{conference.slug}/program/{where}?done={done}", status_code=303)


async def _groups(db: AsyncSession) -> list[Any]:
    return [g for g in await conferences.list_groups(db) if g.kind in program.TRACK_GROUP_KINDS]


class ProgramOffice(Controller):
    """The organizers' working copy of a conference's program, in the browser."""

    path = "/office/c/{slug:str}/program"
    include_in_schema = False
    dependencies = WORKING_COPY

    # --- rooms, tracks and session types -----------------------------------------------------------

    async def _places(
        self,
        db: AsyncSession,
        actor: Principal,
        conference: Conference,
        *,
        room_form: forms.Form | None = None,
        track_form: forms.Form | None = None,
        error: str = "",
        status: int = 200,
        done: str = "",
    ) -> Template:
        sessions = await program.list_sessions(db, conference=conference)
        return _page(
            "places",
            actor,
            conference,
            status=status,
            error=error,
            done=DONE.get(done, ""),
            rooms=await program.list_rooms(db, conference=conference),
            tracks=await program.list_tracks(db, conference=conference),
            groups=await _groups(db),
            types=list(SessionType),
            type_counts=Counter(s.type for s in sessions),
            track_counts=Counter(s.track_id for s in sessions),
            room_form=room_form or forms.room_form(),
            track_form=track_form or forms.track_form(),
        )

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-program")
    async def places(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """Rooms, tracks and session types, each with a form to add one."""
        return await self._places(db_session, actor, conference, done=done)

    @post("/rooms", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def create_room(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Page:
        typed = forms.typed(await request.form(), forms.ROOM_FIELDS)
        try:
            data = forms.read(forms.room_values(typed), RoomIn)
            await program.create_room(db_session, conference=conference, data=data, actor=actor)
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference)
            return await self._places(
                db_session, actor, conference, room_form=typed, error=_reason(exc), status=_status(exc)
            )
        await db_session.commit()
        return _back(conference, "", "room")

    @get("/rooms/{room_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def edit_room(
        self, actor: NamedDependency[Principal], conference: NamedDependency[Conference], room: NamedDependency[Room]
    ) -> Template:
        return _page("room", actor, conference, room=room, form=forms.room_form(room))

    @post("/rooms/{room_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_room(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        room: NamedDependency[Room],
    ) -> Page:
        typed = forms.typed(await request.form(), forms.ROOM_FIELDS)
        try:
            data = forms.read(forms.room_values(typed), RoomPatch)
            await program.update_room(db_session, conference=conference, room=room, data=data, actor=actor)
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference, room)
            return _page("room", actor, conference, room=room, form=typed, error=_reason(exc), status=_status(exc))
        await db_session.commit()
        return _back(conference, "", "room")

    @post("/rooms/{room_id:uuid}/delete", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def delete_room(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        room: NamedDependency[Room],
    ) -> Page:
        """Asks first; then deletes a room that no run names (a run taken off the program still does)."""
        if not (await request.form()).get("confirmed"):
            return _page(
                "confirm_delete",
                actor,
                conference,
                kind="room",
                name=room.name,
                action=f"rooms/{room.id}/delete",
                back=f"rooms/{room.id}",
                consequence="It goes from the working copy; the public program changes at the next release.",
            )
        try:
            await program.delete_room(db_session, conference=conference, room=room, actor=actor)
        except DomainError as exc:
            await _undo(db_session, conference, room)
            form = forms.room_form(room)
            return _page("room", actor, conference, room=room, form=form, error=exc.detail, status=int(exc.status))
        await db_session.commit()
        return _back(conference, "", "room-deleted")

    @post("/tracks", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def create_track(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Page:
        typed = forms.typed(await request.form(), forms.TRACK_FIELDS)
        try:
            data = forms.read(forms.track_values(typed, new=True), TrackIn)
            await program.create_track(db_session, conference=conference, data=data, actor=actor)
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference)
            return await self._places(
                db_session, actor, conference, track_form=typed, error=_reason(exc), status=_status(exc)
            )
        await db_session.commit()
        return _back(conference, "", "track")

    @get("/tracks/{track_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def edit_track(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        track: NamedDependency[Track],
    ) -> Template:
        form = forms.track_form(track)
        return _page("track", actor, conference, track=track, form=form, groups=await _groups(db_session))

    @post("/tracks/{track_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_track(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        track: NamedDependency[Track],
    ) -> Page:
        typed = forms.typed(await request.form(), forms.TRACK_FIELDS)
        try:
            data = forms.read(forms.track_values(typed, new=False), TrackPatch)
            await program.update_track(db_session, conference=conference, track=track, data=data, actor=actor)
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference, track)
            return _page(
                "track",
                actor,
                conference,
                track=track,
                form=typed,
                groups=await _groups(db_session),
                error=_reason(exc),
                status=_status(exc),
            )
        await db_session.commit()
        return _back(conference, "", "track")

    @post("/tracks/{track_id:uuid}/delete", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def delete_track(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        track: NamedDependency[Track],
    ) -> Page:
        """Asks first, saying how many sessions lose the track; then deletes it (the sessions stay)."""
        if not (await request.form()).get("confirmed"):
            sessions = [s for s in await program.list_sessions(db_session, conference=conference)
                        if s.track_id == track.id]  # fmt: skip
            consequence = f"{len(sessions)} session(s) of it stay, with no track."
            return _page(
                "confirm_delete",
                actor,
                conference,
                kind="track",
                name=track.name,
                consequence=consequence,
                action=f"tracks/{track.id}/delete",
                back=f"tracks/{track.id}",
            )
        await program.delete_track(db_session, conference=conference, track=track, actor=actor)
        await db_session.commit()
        return _back(conference, "", "track-deleted")

    # --- speakers ----------------------------------------------------------------------------------

    @get("/speakers", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-speakers")
    async def speakers(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """Every speaker with their organization, private email and when they can be scheduled."""
        found = await program.list_speakers(db_session, conference=conference)
        counts = Counter(
            link.speaker_id
            for s in await program.list_sessions(db_session, conference=conference)
            for link in s.speakers
        )
        return _page("speakers", actor, conference, speakers=found, counts=counts, done=DONE.get(done, ""))

    @get("/speakers/new", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def new_speaker(self, actor: NamedDependency[Principal], conference: NamedDependency[Conference]) -> Template:
        return _page("speaker", actor, conference, speaker=None, form=forms.speaker_form(None, conference.timezone))

    @post("/speakers", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def create_speaker(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Page:
        typed = forms.typed(await request.form(), forms.SPEAKER_FIELDS)
        try:
            data = forms.read(forms.speaker_values(typed), SpeakerIn)
            await program.create_speaker(db_session, conference=conference, data=data, actor=actor)
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference)
            return _page(
                "speaker", actor, conference, speaker=None, form=typed, error=_reason(exc), status=_status(exc)
            )
        await db_session.commit()
        return _back(conference, "speakers", "speaker")

    @get("/speakers/{speaker_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def edit_speaker(
        self,
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        speaker: NamedDependency[Speaker],
    ) -> Template:
        form = forms.speaker_form(speaker, conference.timezone)
        return _page("speaker", actor, conference, speaker=speaker, form=form)

    @post("/speakers/{speaker_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_speaker(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        speaker: NamedDependency[Speaker],
    ) -> Page:
        """Saves the speaker; the availability lines replace every window they had."""
        typed = forms.typed(await request.form(), forms.SPEAKER_FIELDS)
        try:
            data = forms.read(forms.speaker_values(typed), SpeakerPatch)
            await program.update_speaker(db_session, conference=conference, speaker=speaker, data=data, actor=actor)
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference, speaker)
            return _page(
                "speaker", actor, conference, speaker=speaker, form=typed, error=_reason(exc), status=_status(exc)
            )
        await db_session.commit()
        return _back(conference, "speakers", "speaker")

    # --- sessions and runs -------------------------------------------------------------------------

    @get("/sessions", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-sessions")
    async def sessions(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        q: FromQuery[str] = "",
        # ``track`` and ``room`` are the names of this controller's dependencies, hence the aliases.
        in_track: Annotated[str, QueryParameter(name="track", max_length=40)] = "",
        of_type: Annotated[str, QueryParameter(name="type", max_length=40)] = "",
        status: FromQuery[str] = "",
        in_room: Annotated[str, QueryParameter(name="room", max_length=40)] = "",
        done: FromQuery[str] = "",
    ) -> Template:
        """Sessions by code or title, track, type, status or room, with their runs."""
        words = q.strip().lower()[:100]
        found = [
            s
            for s in await program.list_sessions(db_session, conference=conference)
            if (not words or words in s.code.lower() or words in s.title.lower())
            and (not in_track or str(s.track_id) == in_track)
            and (not of_type or s.type.value == of_type)
            and (not status or s.status.value == status)
            and (not in_room or any(str(r.room_id) == in_room and not r.removed for r in s.runs))
        ]
        return _page(
            "sessions",
            actor,
            conference,
            sessions=found,
            done=DONE.get(done, ""),
            filters={"q": q, "track": in_track, "type": of_type, "status": status, "room": in_room},
            rooms=await program.list_rooms(db_session, conference=conference),
            tracks=[t for t, _ in await program.list_tracks(db_session, conference=conference)],
            types=list(SessionType),
            statuses=list(SessionStatus),
        )

    async def _session_page(
        self,
        db: AsyncSession,
        actor: Principal,
        conference: Conference,
        session: ProgramSession | None,
        *,
        form: forms.Form | None = None,
        rows: list[tuple[str, str]] | None = None,
        run_forms: dict[str, forms.Form] | None = None,
        error: str = "",
        status: int = 200,
        done: str = "",
    ) -> Template:
        runs = [r for r in session.runs if not r.removed] if session else []
        warnings = await checks.check_schedule(db, conference=conference) if session else []
        return _page(
            "session",
            actor,
            conference,
            status=status,
            error=error,
            done=DONE.get(done, ""),
            session=session,
            form=form or forms.session_form(session),
            speaker_rows=rows or forms.speaker_rows(None, session),
            runs=runs,
            run_forms={str(r.id): forms.run_form(r, conference.timezone) for r in runs} | (run_forms or {}),
            new_run=(run_forms or {}).get("new", forms.run_form(None, conference.timezone)),
            warnings=[w for w in warnings if {r.id for r in runs}.intersection(w.run_ids)],
            rooms=await program.list_rooms(db, conference=conference),
            tracks=[t for t, _ in await program.list_tracks(db, conference=conference)],
            speakers=await program.list_speakers(db, conference=conference),
            types=list(SessionType),
            statuses=list(SessionStatus),
            roles=list(SpeakerRole),
        )

    @get("/sessions/new", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def new_session(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Template:
        return await self._session_page(db_session, actor, conference, None)

    @post("/sessions", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def create_session(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Page:
        """Adds a session with its speakers; its runs are added on its page once it exists."""
        posted = await request.form()
        typed, rows = forms.typed(posted, forms.SESSION_FIELDS), forms.speaker_rows(posted, None)
        try:
            data = forms.read(forms.session_values(typed, rows, new=True), SessionIn)
            created = await program.create_session(db_session, conference=conference, data=data, actor=actor)
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference)
            return await self._session_page(
                db_session, actor, conference, None, form=typed, rows=rows, error=_reason(exc), status=_status(exc)
            )
        await db_session.commit()
        return _back(conference, f"sessions/{created.id}", "session")

    @get("/sessions/{session_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def edit_session(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        program_session: NamedDependency[ProgramSession],
        done: FromQuery[str] = "",
    ) -> Template:
        """The session with its speakers and runs, and the scheduling checks that name its runs."""
        return await self._session_page(db_session, actor, conference, program_session, done=done)

    @post("/sessions/{session_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_session(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        program_session: NamedDependency[ProgramSession],
    ) -> Page:
        posted = await request.form()
        typed, rows = forms.typed(posted, forms.SESSION_FIELDS), forms.speaker_rows(posted, None)
        typed["code"] = program_session.code
        try:
            data = forms.read(forms.session_values(typed, rows, new=False), SessionPatch)
            await program.update_session(
                db_session, conference=conference, session=program_session, data=data, actor=actor
            )
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference, program_session)
            return await self._session_page(
                db_session,
                actor,
                conference,
                program_session,
                form=typed,
                rows=rows,
                error=_reason(exc),
                status=_status(exc),
            )
        await db_session.commit()
        return _back(conference, f"sessions/{program_session.id}", "session")

    @post("/sessions/{session_id:uuid}/runs", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_run(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        program_session: NamedDependency[ProgramSession],
    ) -> Page:
        """Schedules the session in a room at a time (once more, for a session that runs twice)."""
        typed = forms.typed(await request.form(), ("room_id", "starts_at", "ends_at"))
        try:
            data = forms.read(forms.run_values(typed), RunIn)
            await program.add_run(db_session, conference=conference, session=program_session, data=data, actor=actor)
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference, program_session)
            return await self._session_page(
                db_session,
                actor,
                conference,
                program_session,
                run_forms={"new": typed},
                error=_reason(exc),
                status=_status(exc),
            )
        await db_session.commit()
        return _back(conference, f"sessions/{program_session.id}", "run")

    @post("/runs/{run_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def move_run(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        run: NamedDependency[SessionRun],
    ) -> Page:
        """Moves a run to another room or time; it keeps its id, so calendars move it rather than add one."""
        typed = forms.typed(await request.form(), ("room_id", "starts_at", "ends_at"))
        session = run.session
        try:
            data = forms.read(forms.run_values(typed), RunPatch)
            await program.update_run(db_session, conference=conference, run=run, data=data, actor=actor)
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference, session)
            return await self._session_page(
                db_session,
                actor,
                conference,
                session,
                run_forms={str(run.id): typed},
                error=_reason(exc),
                status=_status(exc),
            )
        await db_session.commit()
        return _back(conference, f"sessions/{session.id}", "run")

    @post("/runs/{run_id:uuid}/remove", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def remove_run(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        run: NamedDependency[SessionRun],
    ) -> Page:
        """Asks first; then takes the run off the program (kept on record so calendars see it cancelled)."""
        session = run.session
        if not (await request.form()).get("confirmed"):
            when = forms.run_form(run, conference.timezone)["starts_at"].replace("T", " ")
            return _page(
                "confirm_delete",
                actor,
                conference,
                kind="run",
                name=f"{session.code} at {when}",
                action=f"runs/{run.id}/remove",
                back=f"sessions/{session.id}",
                verb="Take off",
                consequence="Attendees who put it on their agenda are told at the next release.",
            )
        await program.remove_run(db_session, conference=conference, run=run, actor=actor)
        await db_session.commit()
        return _back(conference, f"sessions/{session.id}", "run-removed")

    # --- the grid, releases, imports ---------------------------------------------------------------

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
        return _page("grid", actor, conference, grid=built)

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
        return _page(
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
        try:
            if len(note) > 2000:
                raise ValueError("The note to the release is at most 2,000 characters.")
            published, _ = await releases.release_schedule(
                db_session, conference=conference, settings=settings, actor=actor, note=note
            )
        except (DomainError, ValueError) as exc:
            await _undo(db_session, conference)
            return await self._release_page(
                db_session, settings, actor, conference, note=note, error=_reason(exc), status=_status(exc)
            )
        await db_session.commit()
        return _back(conference, "release", str(published.number))

    @get("/import", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-program-import")
    async def import_form(self, actor: NamedDependency[Principal], conference: NamedDependency[Conference]) -> Template:
        """Upload a JSON document or one CSV section; every bad row is listed and nothing is written."""
        return _page("import", actor, conference, sections=SECTIONS)

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
        page: dict[str, Any] = {"sections": SECTIONS, "section": section}
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _page("import", actor, conference, error="Choose a file to import.", status=422, **page)
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
            await _undo(db_session, conference)
            rows = exc.extra.get("errors", [])
            return _page("import", actor, conference, error=exc.detail, rows=rows, status=422, **page)
        except DomainError as exc:
            await _undo(db_session, conference)
            return _page("import", actor, conference, error=exc.detail, status=int(exc.status), **page)
        await db_session.commit()
        return _page("import", actor, conference, result=result, filename=upload.filename, **page)
