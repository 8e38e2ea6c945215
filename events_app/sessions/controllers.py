"""HTTP API of the program: the organizers' working copy, releases, the published schedule and its exchange formats."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences.models import AssociationGroup, Conference
from events_app.registration.models import Attendee
from events_app.sessions import agenda, agenda_links, checks, releases, seats, service
from events_app.sessions.exchange import schedule_xml
from events_app.sessions.importer import import_program
from events_app.sessions.models import Agenda, ProgramSession, Room, RsvpStatus, ScheduleRelease, Speaker, Track
from events_app.sessions.schemas import (
    AddOut,
    AgendaEntryOut,
    AgendaItemIn,
    AgendaLinkOut,
    AgendaOut,
    Change,
    GroupRef,
    ImportIn,
    ImportResult,
    PendingChanges,
    ReleaseIn,
    ReleaseOut,
    RoomIn,
    RoomOut,
    RoomPatch,
    RsvpOut,
    RunIn,
    RunOut,
    RunPatch,
    RunRsvpsOut,
    Schedule,
    ScheduleWarning,
    SessionIn,
    SessionOut,
    SessionPatch,
    SpeakerIn,
    SpeakerLink,
    SpeakerOut,
    SpeakerPatch,
    TrackIn,
    TrackOut,
    TrackPatch,
    Window,
)
from events_app.settings import Settings

ORGANIZERS = allow()


def room_out(room: Room) -> RoomOut:
    return msgspec.convert(room, RoomOut, from_attributes=True)


def track_out(track: Track, group: AssociationGroup | None) -> TrackOut:
    ref = GroupRef(id=group.id, kind=group.kind, slug=group.slug, name=group.name) if group else None
    return TrackOut(id=track.id, slug=track.slug, name=track.name, color=track.color, group=ref)


def speaker_out(speaker: Speaker) -> SpeakerOut:
    return SpeakerOut(
        id=speaker.id,
        name=speaker.name,
        title=speaker.title,
        organization=speaker.organization,
        city_id=speaker.city_id,
        bio=speaker.bio,
        photo_url=speaker.photo_url,
        email=speaker.email,
        availability=[Window(starts_at=w.starts_at, ends_at=w.ends_at) for w in speaker.availability],
    )


def session_out(session: ProgramSession) -> SessionOut:
    return SessionOut(
        id=session.id,
        code=session.code,
        title=session.title,
        description=session.description,
        type=session.type,
        track_id=session.track_id,
        seat_limit=session.seat_limit,
        credit_hours=session.credit_hours,
        status=session.status,
        tags=list(session.tags),
        speakers=[SpeakerLink(speaker_id=x.speaker_id, role=x.role) for x in session.speakers],
        runs=[
            RunOut(
                id=r.id, room_id=r.room_id, starts_at=r.starts_at, ends_at=r.ends_at, removed=r.removed_at is not None
            )
            for r in session.runs
        ],
    )


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


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


class ProgramController(Controller):
    """The organizers' working copy of a conference's program."""

    path = "/api/conferences/{slug:str}/program"
    tags = ["Program"]
    opt = ORGANIZERS

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
        room_id: FromPath[uuid.UUID],
        data: JSONBody[RoomPatch],
    ) -> RoomOut:
        """Changes the fields sent of a room."""
        room = await service.update_room(db_session, conference=conference, room_id=room_id, data=data, actor=principal)
        return room_out(room)

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
        track_id: FromPath[uuid.UUID],
        data: JSONBody[TrackPatch],
    ) -> TrackOut:
        """Changes a track's name, colour or group."""
        changed = await service.update_track(
            db_session, conference=conference, track_id=track_id, data=data, actor=principal
        )
        return track_out(*changed)

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
    async def get_speaker(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        speaker_id: FromPath[uuid.UUID],
    ) -> SpeakerOut:
        """One speaker of the working copy."""
        return speaker_out(await service.get_speaker(db_session, conference=conference, speaker_id=speaker_id))

    @patch("/speakers/{speaker_id:uuid}", operation_id="updateSpeaker")
    async def update_speaker(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        speaker_id: FromPath[uuid.UUID],
        data: JSONBody[SpeakerPatch],
    ) -> SpeakerOut:
        """Changes the fields sent; ``availability`` replaces all windows."""
        speaker = await service.update_speaker(
            db_session, conference=conference, speaker_id=speaker_id, data=data, actor=principal
        )
        return speaker_out(speaker)

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
    async def get_session(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        session_id: FromPath[uuid.UUID],
    ) -> SessionOut:
        """One session of the working copy."""
        return session_out(await service.get_session(db_session, conference=conference, session_id=session_id))

    @patch("/sessions/{session_id:uuid}", operation_id="updateSession")
    async def update_session(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        session_id: FromPath[uuid.UUID],
        data: JSONBody[SessionPatch],
    ) -> SessionOut:
        """Changes the fields sent; cancelling is ``{"status": "cancelled"}``."""
        session = await service.update_session(
            db_session, conference=conference, session_id=session_id, data=data, actor=principal
        )
        return session_out(session)

    @post("/sessions/{session_id:uuid}/runs", operation_id="addRun")
    async def add_run(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        session_id: FromPath[uuid.UUID],
        data: JSONBody[RunIn],
    ) -> SessionOut:
        """Schedules the session once more; the new run has its own lasting id."""
        session = await service.add_run(
            db_session, conference=conference, session_id=session_id, data=data, actor=principal
        )
        return session_out(session)

    @patch("/runs/{run_id:uuid}", operation_id="updateRun")
    async def update_run(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        run_id: FromPath[uuid.UUID],
        data: JSONBody[RunPatch],
    ) -> SessionOut:
        """Moves a run in time or to another room."""
        session = await service.update_run(db_session, conference=conference, run_id=run_id, data=data, actor=principal)
        return session_out(session)

    @delete("/runs/{run_id:uuid}", operation_id="removeRun", status_code=HTTP_200_OK)
    async def remove_run(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        run_id: FromPath[uuid.UUID],
    ) -> SessionOut:
        """Takes a run off the program; once released, calendars show it as cancelled."""
        return session_out(await service.remove_run(db_session, conference=conference, run_id=run_id, actor=principal))

    @get("/runs/{run_id:uuid}/rsvps", operation_id="listRunRsvps", opt=allow(Role.STAFF))
    async def run_rsvps(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        run_id: FromPath[uuid.UUID],
    ) -> RunRsvpsOut:
        """Who holds a seat on a seat-limited run, who has an offer and who waits (staff at the door may look)."""
        run = await service.get_run(db_session, conference=conference, run_id=run_id)
        rows = await seats.run_rsvps(db_session, conference=conference, settings=settings, run=run)
        waiting = 0
        out = []
        for rsvp, attendee in rows:
            position = None
            if rsvp.status == RsvpStatus.WAITING:
                waiting += 1
                position = waiting
            out.append(
                RsvpOut(
                    attendee_id=attendee.id, name=f"{attendee.first_name} {attendee.last_name}",
                    email=attendee.email, status=rsvp.status.value, queued_at=rsvp.queued_at,
                    offer_expires_at=rsvp.offer_expires_at, position=position,
                )
            )  # fmt: skip
        return RunRsvpsOut(run_id=run.id, seat_limit=run.session.seat_limit, seats_taken=run.seats_taken, rsvps=out)

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

    @post("/releases", operation_id="releaseSchedule")
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

    @get("/releases", operation_id="listReleases", opt=PUBLIC)
    async def list_releases(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> list[ReleaseOut]:
        """Every release of the program, newest first, each with its changelog."""
        return [release_out(r) for r in await releases.list_releases(db_session, conference=conference)]

    @get("/releases/{number:int}", operation_id="getRelease", opt=PUBLIC)
    async def get_release(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        number: FromPath[int],
    ) -> ReleaseOut:
        """One release and what it changed against the one before."""
        return release_out(await releases.get_release(db_session, conference=conference, number=number))

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


class AgendaController(Controller):
    """An attendee's personal agenda through their signed link (the link is the credential)."""

    path = "/api/conferences/{slug:str}/agenda/{token:str}"
    tags = ["Agenda"]
    opt = PUBLIC

    async def _open(
        self, request: Request[Any, Any, Any], db: AsyncSession, conference: Conference, token: str
    ) -> tuple[Conference, Agenda, Attendee, Settings]:
        settings = _settings(request)
        linked = await agenda_links.open_agenda(db, conference=conference, settings=settings, token=token)
        owned, attendee = linked.agenda, linked.attendee
        return conference, owned, attendee, settings

    @get("/", operation_id="getAgenda")
    async def get_agenda(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
    ) -> AgendaOut:
        """The attendee's agenda: released runs in time order, clashes, RSVPs, waitlist places and open offers."""
        conference, owned, attendee, settings = await self._open(request, db_session, conference, token)
        schedule = await releases.published_schedule(db_session, conference=conference)
        view = await agenda.view_agenda(
            db_session, conference=conference, settings=settings, agenda=owned, attendee=attendee, schedule=schedule
        )
        rooms = {r.id: r.name for r in schedule.rooms} if schedule else {}
        return AgendaOut(
            attendee=f"{attendee.first_name} {attendee.last_name}",
            entries=[
                AgendaEntryOut(
                    run_id=e.run.id,
                    session_id=e.session.id,
                    code=e.session.code,
                    title=e.session.title,
                    starts_at=e.run.starts_at,
                    ends_at=e.run.ends_at,
                    room=rooms.get(e.run.room_id, ""),
                    status=e.run.status,
                    rsvp=view.rsvps[e.run.id].status.value if e.run.id in view.rsvps else None,
                    seats_left=view.seats_left.get(e.run.id),
                )
                for e in view.entries
            ],
            clashes=[[a.run.id, b.run.id] for a, b in view.clashes],
            waitlists={str(run_id): position for run_id, position in view.positions.items()},
            offers={
                str(run_id): r.offer_expires_at
                for run_id, r in view.rsvps.items()
                if r.status == RsvpStatus.OFFERED and r.offer_expires_at is not None
            },
            feed_url=agenda_links.agenda_feed_url(settings, conference, owned),
        )

    @post("/items", operation_id="addToAgenda")
    async def add_item(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
        data: JSONBody[AgendaItemIn],
    ) -> AddOut:
        """Adds a released run; a seat-limited one takes a seat (``confirmed``) or joins its waitlist (``waiting``)."""
        conference, owned, attendee, settings = await self._open(request, db_session, conference, token)
        _, schedule = await releases.require_published_schedule(db_session, conference=conference)
        result = await agenda.add_to_agenda(
            db_session, conference=conference, settings=settings, agenda=owned, attendee=attendee,
            schedule=schedule, run_id=data.run_id,
        )  # fmt: skip
        return AddOut(status=result.status, position=result.position)

    @delete("/items/{run_id:uuid}", operation_id="removeFromAgenda")
    async def remove_item(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
        run_id: FromPath[uuid.UUID],
    ) -> None:
        """Takes a run off the agenda and gives back its seat or waitlist place; the next in line is offered it."""
        conference, owned, attendee, settings = await self._open(request, db_session, conference, token)
        await agenda.remove_from_agenda(
            db_session, conference=conference, settings=settings, agenda=owned, attendee=attendee, run_id=run_id
        )

    @post("/items/{run_id:uuid}/confirm", operation_id="confirmSeatOffer")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
        run_id: FromPath[uuid.UUID],
    ) -> AddOut:
        """Takes a seat offered from the waitlist while the offer stands (409 ``no-offer`` after it ran out)."""
        conference, owned, attendee, settings = await self._open(request, db_session, conference, token)
        result = await agenda.confirm_offer(
            db_session, conference=conference, settings=settings, agenda=owned, attendee=attendee, run_id=run_id
        )
        return AddOut(status=result.status, position=result.position)


class ScheduleController(Controller):
    """The released program, for everyone."""

    path = "/api/conferences/{slug:str}"
    tags = ["Program"]
    opt = PUBLIC

    async def _published(self, db: AsyncSession, conference: Conference) -> ScheduleRelease:
        release, _ = await releases.require_published_schedule(db, conference=conference)
        return release

    @get(
        "/schedule",
        operation_id="getSchedule",
        media_type="application/json",
        responses={200: ResponseSpec(data_container=Schedule, description="The schedule, events-app.schedule/1")},
    )
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Response[bytes]:
        """The released program in the documented ``events-app.schedule/1`` JSON (see ``Schedule`` in the schemas)."""
        release = await self._published(db_session, conference)
        etag = f'"release-{release.id}"'
        if etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(release.schedule, media_type="application/json", headers={"ETag": etag})

    @get("/schedule.xml", operation_id="getScheduleFrab", media_type="application/xml")
    async def schedule_frab(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Response[bytes]:
        """The released program as Frab-compatible ``schedule.xml`` (cancelled runs left out)."""
        release = await self._published(db_session, conference)
        body = schedule_xml(releases.decode_schedule(release))
        return Response(body, media_type="application/xml; charset=utf-8", headers={"ETag": f'"frab-{release.id}"'})
