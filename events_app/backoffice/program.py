"""The back office's program pages for the working copy: rooms, tracks, session types, sessions and
runs (speakers are in ``program_speakers``; the grid, releases and imports in ``program_schedule``).

Organizers only. Every change goes through ``sessions.service``, which audits it; this module reads
the form, asks first before anything is deleted or taken off the program, commits, and redirects.
A refusal shows the form again, as typed, with the reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import allow
from events_app.accounts.service import Principal
from events_app.backoffice import program_forms as forms
from events_app.backoffice.forms import Change, Refused, confirm_then, office_page, save_or_refuse, typed_fields
from events_app.conferences import service as conferences
from events_app.conferences.models import Conference
from events_app.sessions import checks
from events_app.sessions import service as program
from events_app.sessions.dependencies import WORKING_COPY
from events_app.sessions.models import (
    ProgramSession,
    Room,
    SessionRun,
    SessionStatus,
    SessionType,
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
    TrackIn,
    TrackPatch,
)

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


def program_page(
    template: str, actor: Principal, conference: Conference, /, *, status: int = 200, **context: Any
) -> Template:
    return office_page(f"program/{template}", actor, conference, section="program", status=status, **context)


def program_url(conference: Conference, where: str, done: str) -> str:
    """The program page a saved change returns to, saying what was done."""
    return f"/office/c/{conference.slug}/program/{where}?done={done}"


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
        return program_page(
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

    async def _added(
        self,
        db: AsyncSession,
        actor: Principal,
        conference: Conference,
        change: Change,
        *,
        done: str,
        **shown_again: Any,
    ) -> Page:
        """Adds a room or a track; a refused one shows the page again with its form as typed."""

        def refused(error: str, status: int) -> Awaitable[Template]:
            return self._places(db, actor, conference, error=error, status=status, **shown_again)

        return await save_or_refuse(
            db, change, then=program_url(conference, "", done), refused=refused, shown=(conference,)
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
        typed = typed_fields(await request.form(), forms.ROOM_FIELDS)

        async def create() -> None:
            data = forms.read(forms.room_values(typed), RoomIn)
            await program.create_room(db_session, conference=conference, data=data, actor=actor)

        return await self._added(db_session, actor, conference, create, done="room", room_form=typed)

    @get("/rooms/{room_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def edit_room(
        self, actor: NamedDependency[Principal], conference: NamedDependency[Conference], room: NamedDependency[Room]
    ) -> Template:
        return program_page("room", actor, conference, room=room, form=forms.room_form(room))

    def _room_refused(self, actor: Principal, conference: Conference, room: Room, form: forms.Form) -> Refused:
        async def refused(error: str, status: int) -> Template:
            return program_page("room", actor, conference, room=room, form=form, error=error, status=status)

        return refused

    @post("/rooms/{room_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_room(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        room: NamedDependency[Room],
    ) -> Page:
        typed = typed_fields(await request.form(), forms.ROOM_FIELDS)

        async def save() -> None:
            data = forms.read(forms.room_values(typed), RoomPatch)
            await program.update_room(db_session, conference=conference, room=room, data=data, actor=actor)

        refused = self._room_refused(actor, conference, room, typed)
        then = program_url(conference, "", "room")
        return await save_or_refuse(db_session, save, then=then, refused=refused, shown=(conference, room))

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
            return program_page(
                "confirm_delete",
                actor,
                conference,
                kind="room",
                name=room.name,
                action=f"rooms/{room.id}/delete",
                back=f"rooms/{room.id}",
                consequence="It goes from the working copy; the public program changes at the next release.",
            )

        async def delete() -> None:
            await program.delete_room(db_session, conference=conference, room=room, actor=actor)

        refused = self._room_refused(actor, conference, room, forms.room_form(room))
        then = program_url(conference, "", "room-deleted")
        return await save_or_refuse(db_session, delete, then=then, refused=refused, shown=(conference, room))

    @post("/tracks", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def create_track(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Page:
        typed = typed_fields(await request.form(), forms.TRACK_FIELDS)

        async def create() -> None:
            data = forms.read(forms.track_values(typed, new=True), TrackIn)
            await program.create_track(db_session, conference=conference, data=data, actor=actor)

        return await self._added(db_session, actor, conference, create, done="track", track_form=typed)

    @get("/tracks/{track_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def edit_track(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        track: NamedDependency[Track],
    ) -> Template:
        form = forms.track_form(track)
        return program_page("track", actor, conference, track=track, form=form, groups=await _groups(db_session))

    @post("/tracks/{track_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_track(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        track: NamedDependency[Track],
    ) -> Page:
        typed = typed_fields(await request.form(), forms.TRACK_FIELDS)

        async def save() -> None:
            data = forms.read(forms.track_values(typed, new=False), TrackPatch)
            await program.update_track(db_session, conference=conference, track=track, data=data, actor=actor)

        async def refused(error: str, status: int) -> Template:
            groups = await _groups(db_session)
            return program_page(
                "track", actor, conference, track=track, form=typed, groups=groups, error=error, status=status
            )

        then = program_url(conference, "", "track")
        return await save_or_refuse(db_session, save, then=then, refused=refused, shown=(conference, track))

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

        async def ask() -> Template:
            sessions = [s for s in await program.list_sessions(db_session, conference=conference)
                        if s.track_id == track.id]  # fmt: skip
            consequence = f"{len(sessions)} session(s) of it stay, with no track."
            return program_page(
                "confirm_delete",
                actor,
                conference,
                kind="track",
                name=track.name,
                consequence=consequence,
                action=f"tracks/{track.id}/delete",
                back=f"tracks/{track.id}",
            )

        async def delete() -> None:
            await program.delete_track(db_session, conference=conference, track=track, actor=actor)

        confirmed = (await request.form()).get("confirmed")
        then = program_url(conference, "", "track-deleted")
        return await confirm_then(db_session, confirmed, ask=ask, act=delete, then=then)

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
        return program_page(
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
        return program_page(
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
        typed, rows = typed_fields(posted, forms.SESSION_FIELDS), forms.speaker_rows(posted, None)

        async def create() -> ProgramSession:
            data = forms.read(forms.session_values(typed, rows, new=True), SessionIn)
            return await program.create_session(db_session, conference=conference, data=data, actor=actor)

        def refused(error: str, status: int) -> Awaitable[Template]:
            return self._session_page(
                db_session, actor, conference, None, form=typed, rows=rows, error=error, status=status
            )

        def created(session: ProgramSession) -> str:
            return program_url(conference, f"sessions/{session.id}", "session")

        return await save_or_refuse(db_session, create, then=created, refused=refused, shown=(conference,))

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

    async def _session_saved(
        self,
        db: AsyncSession,
        actor: Principal,
        conference: Conference,
        session: ProgramSession,
        change: Change,
        *,
        done: str,
        **shown_again: Any,
    ) -> Page:
        """Saves a change to the session or its runs; a refused one shows its page again, as typed."""

        def refused(error: str, status: int) -> Awaitable[Template]:
            return self._session_page(db, actor, conference, session, error=error, status=status, **shown_again)

        then = program_url(conference, f"sessions/{session.id}", done)
        return await save_or_refuse(db, change, then=then, refused=refused, shown=(conference, session))

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
        typed, rows = typed_fields(posted, forms.SESSION_FIELDS), forms.speaker_rows(posted, None)
        typed["code"] = program_session.code

        async def save() -> None:
            data = forms.read(forms.session_values(typed, rows, new=False), SessionPatch)
            await program.update_session(
                db_session, conference=conference, session=program_session, data=data, actor=actor
            )

        return await self._session_saved(
            db_session, actor, conference, program_session, save, done="session", form=typed, rows=rows
        )

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
        typed = typed_fields(await request.form(), forms.RUN_FIELDS)

        async def add() -> None:
            data = forms.read(forms.run_values(typed), RunIn)
            await program.add_run(db_session, conference=conference, session=program_session, data=data, actor=actor)

        return await self._session_saved(
            db_session, actor, conference, program_session, add, done="run", run_forms={"new": typed}
        )

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
        typed = typed_fields(await request.form(), forms.RUN_FIELDS)

        async def move() -> None:
            data = forms.read(forms.run_values(typed), RunPatch)
            await program.update_run(db_session, conference=conference, run=run, data=data, actor=actor)

        return await self._session_saved(
            db_session, actor, conference, run.session, move, done="run", run_forms={str(run.id): typed}
        )

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

        async def ask() -> Template:
            when = forms.run_form(run, conference.timezone)["starts_at"].replace("T", " ")
            return program_page(
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

        async def remove() -> None:
            await program.remove_run(db_session, conference=conference, run=run, actor=actor)

        confirmed = (await request.form()).get("confirmed")
        then = program_url(conference, f"sessions/{session.id}", "run-removed")
        return await confirm_then(db_session, confirmed, ask=ask, act=remove, then=then)
