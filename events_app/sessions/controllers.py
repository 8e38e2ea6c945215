"""HTTP API of the program for organizers: the working copy (rooms, tracks, speakers, sessions, runs), its
checks and import, and their side of agendas (a new link for an attendee, who holds a run's seats).

Nothing here is public; ``schedule_controllers`` publishes the working copy and serves what
was released, ``agenda_controllers`` serves an attendee's own agenda.
"""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.models import AssociationGroup, Conference
from events_app.core.shapes import shaped
from events_app.sessions import agenda_links, checks, releases, seats, service
from events_app.sessions.dependencies import WORKING_COPY
from events_app.sessions.importer import import_program
from events_app.sessions.models import ProgramSession, Room, SessionRun, Speaker, Track
from events_app.sessions.schemas import (
    AgendaLinkOut,
    GroupRef,
    ImportIn,
    ImportResult,
    PendingChanges,
    RoomIn,
    RoomOut,
    RoomPatch,
    RunIn,
    RunPatch,
    RunRsvpsOut,
    ScheduleWarning,
    SessionIn,
    SessionOut,
    SessionPatch,
    SpeakerIn,
    SpeakerOut,
    SpeakerPatch,
    TrackIn,
    TrackOut,
    TrackPatch,
)
from events_app.settings import Settings

ORGANIZERS = allow()


def room_out(room: Room) -> RoomOut:
    return msgspec.convert(room, RoomOut, from_attributes=True)


def track_out(track: Track, group: AssociationGroup | None) -> TrackOut:
    ref = msgspec.convert(group, GroupRef, from_attributes=True) if group else None
    return shaped(TrackOut, track, group=ref)


def speaker_out(speaker: Speaker) -> SpeakerOut:
    return msgspec.convert(speaker, SpeakerOut, from_attributes=True)


def session_out(session: ProgramSession) -> SessionOut:
    return msgspec.convert(session, SessionOut, from_attributes=True)


class ProgramController(Controller):
    """The organizers' working copy of a conference's program."""

    path = "/api/conferences/{slug:str}/program"
    tags = ["Program"]
    opt = ORGANIZERS
    dependencies = WORKING_COPY

    @get("/rooms", operation_id="listRooms")
    async def list_rooms(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[RoomOut]:
        """The conference's rooms in display order."""
        return [room_out(r) for r in await service.list_rooms(db_session, conference=conference)]

    @post("/rooms", operation_id="createRoom")
    async def create_room(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[RoomIn],
    ) -> RoomOut:
        """Adds a room (capacity, floor or area, accessibility, off-site, daily hours)."""
        return room_out(await service.create_room(db_session, conference=conference, data=data, actor=principal))

    @patch("/rooms/{room_id:uuid}", operation_id="updateRoom")
    async def update_room(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        room: NamedDependency[Room],
        data: JSONBody[RoomPatch],
    ) -> RoomOut:
        """Changes the fields sent of a room."""
        return room_out(
            await service.update_room(db_session, conference=conference, room=room, data=data, actor=principal)
        )

    @get("/tracks", operation_id="listTracks")
    async def list_tracks(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[TrackOut]:
        """The conference's tracks with the committee or department each belongs to."""
        return [track_out(t, g) for t, g in await service.list_tracks(db_session, conference=conference)]

    @post("/tracks", operation_id="createTrack")
    async def create_track(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[TrackIn],
    ) -> TrackOut:
        """Adds a track, optionally tied to a policy committee or a municipal department (``group_id``)."""
        return track_out(*await service.create_track(db_session, conference=conference, data=data, actor=principal))

    @patch("/tracks/{track_id:uuid}", operation_id="updateTrack")
    async def update_track(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        track: NamedDependency[Track],
        data: JSONBody[TrackPatch],
    ) -> TrackOut:
        """Changes a track's name, colour or group."""
        return track_out(
            *await service.update_track(db_session, conference=conference, track=track, data=data, actor=principal)
        )

    @get("/speakers", operation_id="listSpeakers")
    async def list_speakers(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[SpeakerOut]:
        """Every speaker of the conference with private email and availability windows."""
        return [speaker_out(s) for s in await service.list_speakers(db_session, conference=conference)]

    @post("/speakers", operation_id="createSpeaker")
    async def create_speaker(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[SpeakerIn],
    ) -> SpeakerOut:
        """Adds a speaker; naive availability times are read in the conference's time zone."""
        return speaker_out(await service.create_speaker(db_session, conference=conference, data=data, actor=principal))

    @get("/speakers/{speaker_id:uuid}", operation_id="getSpeaker")
    async def get_speaker(self, speaker: NamedDependency[Speaker]) -> SpeakerOut:
        """One speaker of the working copy."""
        return speaker_out(speaker)

    @patch("/speakers/{speaker_id:uuid}", operation_id="updateSpeaker")
    async def update_speaker(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        speaker: NamedDependency[Speaker],
        data: JSONBody[SpeakerPatch],
    ) -> SpeakerOut:
        """Changes the fields sent; ``availability`` replaces all windows."""
        return speaker_out(
            await service.update_speaker(db_session, conference=conference, speaker=speaker, data=data, actor=principal)
        )

    @get("/sessions", operation_id="listSessions")
    async def list_sessions(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[SessionOut]:
        """Every session of the working copy (drafts, confirmed, cancelled) with its runs, by code."""
        return [session_out(s) for s in await service.list_sessions(db_session, conference=conference)]

    @post("/sessions", operation_id="createSession")
    async def create_session(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[SessionIn],
    ) -> SessionOut:
        """Adds a session with its speakers and runs; naive run times are in the conference's time zone."""
        return session_out(await service.create_session(db_session, conference=conference, data=data, actor=principal))

    @get("/sessions/{session_id:uuid}", operation_id="getSession")
    async def get_session(self, program_session: NamedDependency[ProgramSession]) -> SessionOut:
        """One session of the working copy."""
        return session_out(program_session)

    @patch("/sessions/{session_id:uuid}", operation_id="updateSession")
    async def update_session(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        program_session: NamedDependency[ProgramSession],
        data: JSONBody[SessionPatch],
    ) -> SessionOut:
        """Changes the fields sent; cancelling is ``{"status": "cancelled"}``."""
        changed = await service.update_session(
            db_session, conference=conference, session=program_session, data=data, actor=principal
        )
        return session_out(changed)

    @post("/sessions/{session_id:uuid}/runs", operation_id="addRun")
    async def add_run(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        program_session: NamedDependency[ProgramSession],
        data: JSONBody[RunIn],
    ) -> SessionOut:
        """Schedules the session once more; the new run has its own lasting id."""
        changed = await service.add_run(
            db_session, conference=conference, session=program_session, data=data, actor=principal
        )
        return session_out(changed)

    @patch("/runs/{run_id:uuid}", operation_id="updateRun")
    async def update_run(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        run: NamedDependency[SessionRun],
        data: JSONBody[RunPatch],
    ) -> SessionOut:
        """Moves a run in time or to another room."""
        return session_out(
            await service.update_run(db_session, conference=conference, run=run, data=data, actor=principal)
        )

    @delete("/runs/{run_id:uuid}", operation_id="removeRun", status_code=HTTP_200_OK)
    async def remove_run(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        run: NamedDependency[SessionRun],
    ) -> SessionOut:
        """Takes a run off the program; once released, calendars show it as cancelled."""
        return session_out(await service.remove_run(db_session, conference=conference, run=run, actor=principal))

    @post("/attendees/{attendee_id:uuid}/agenda-link", operation_id="reissueAgendaLink")
    async def reissue_agenda_link(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        attendee_id: FromPath[uuid.UUID],
    ) -> AgendaLinkOut:
        """A new agenda link for an attendee; the old link and its calendar subscription stop working."""
        url = await agenda_links.issue_agenda_link(
            db_session, conference=conference, settings=settings, attendee_id=attendee_id, actor=principal
        )
        return AgendaLinkOut(url=url)

    @get("/runs/{run_id:uuid}/rsvps", operation_id="listRunRsvps", opt=allow(Role.STAFF) | seats.SWEEPS_SEATS)
    async def run_rsvps(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        run: NamedDependency[SessionRun],
    ) -> RunRsvpsOut:
        """Who holds a seat on a seat-limited run, who has an offer and who waits (staff at the door may look)."""
        return await seats.run_rsvps(db_session, conference=conference, settings=settings, run=run)

    @get("/checks", operation_id="checkSchedule")
    async def check_schedule(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[ScheduleWarning]:
        """Scheduling warnings of the working copy; ``hard`` ones block a release."""
        return await checks.check_schedule(db_session, conference=conference)

    @get("/changes", operation_id="pendingChanges")
    async def pending_changes(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
    ) -> PendingChanges:
        """What a release now would publish (new, moved, re-roomed, cancelled runs) and the warnings."""
        return await releases.pending_changes(db_session, conference=conference, settings=settings)

    @post("/import", operation_id="importProgram")
    async def import_program(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: JSONBody[ImportIn],
    ) -> ImportResult:
        """Imports rooms, speakers and sessions (one row per run) all or nothing; 422 lists bad rows by number."""
        return await import_program(db_session, conference=conference, document=data, actor=principal)
