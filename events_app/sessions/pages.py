"""The public program pages (grid, list, session, speakers), the feeds index and the calendar feeds.

Everything here reads the latest release only; the working copy is never shown.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_304_NOT_MODIFIED
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.service import Principal
from events_app.conferences.models import Conference, GroupKind
from events_app.core.errors import DomainError
from events_app.registration.models import Attendee
from events_app.sessions import agenda, agenda_links, releases, seats
from events_app.sessions.errors import FeedNotFound, RunNotFound, SessionNotFound, SpeakerNotFound
from events_app.sessions.feeds import Feed, FeedKind, agenda_feed, program_feed
from events_app.sessions.models import Agenda, SessionType
from events_app.sessions.schemas import Schedule, ScheduleRoom, ScheduleRun, ScheduleSession, ScheduleSpeaker
from events_app.settings import Settings


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


async def feed_response(
    request: Request[Any, Any, Any], db: AsyncSession, feed: Feed, *, filename: str, private: bool = False
) -> Response[bytes]:
    """The feed with its validators, or 304 when the client's copy is current."""
    headers = {
        "ETag": feed.etag,
        "Last-Modified": feed.last_modified_header,
        # Private agendas must not sit in shared caches; public feeds may, briefly.
        "Cache-Control": "private, max-age=0, must-revalidate" if private else "public, max-age=300",
    }
    if feed.is_fresh_for(
        if_none_match=request.headers.get("if-none-match"), if_modified_since=request.headers.get("if-modified-since")
    ):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return Response(
        await feed.load_body(db),
        media_type="text/calendar",  # Litestar adds "; charset=utf-8" to text types
        headers=headers,
    )


def subscribe_links(https_url: str, name: str) -> dict[str, str]:
    """webcal://, Google and Outlook subscription links for one feed address."""
    webcal = "webcal://" + https_url.split("://", 1)[1]
    return {
        "webcal": webcal,
        "google": "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe=""),
        "outlook": "https://outlook.live.com/calendar/0/addfromweb?url="
        + quote(https_url, safe="")
        + "&name="
        + quote(name, safe=""),
        "ics": https_url,
    }


# --- view models ------------------------------------------------------------------------------------


@dataclass
class Slot:
    session: ScheduleSession
    run: ScheduleRun
    room: ScheduleRoom
    track_name: str
    track_color: str
    speakers: list[ScheduleSpeaker]


@dataclass
class Day:
    day: date
    rooms: list[ScheduleRoom] = field(default_factory=list)
    # start time label -> room id -> slots
    rows: list[tuple[str, dict[uuid.UUID, list[Slot]]]] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)


def _program_days(
    schedule: Schedule, *, track: str | None, kind: str | None, committee: str | None, zone: ZoneInfo
) -> list[Day]:
    rooms = {r.id: r for r in schedule.rooms}
    tracks = {t.id: t for t in schedule.tracks}
    speakers = {s.id: s for s in schedule.speakers}
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for session in schedule.sessions:
        t = tracks.get(session.track_id) if session.track_id else None
        if track and (t is None or t.slug != track):
            continue
        if kind and session.type.value != kind:
            continue
        if committee and (t is None or t.group is None or t.group.slug != committee):
            continue
        for run in session.runs:
            if run.status != "scheduled":
                continue
            by_day[run.starts_at.astimezone(zone).date()].append(
                Slot(
                    session=session,
                    run=run,
                    room=rooms[run.room_id],
                    track_name=t.name if t else "",
                    track_color=t.color if t else "#4a5568",
                    speakers=[speakers[x.speaker_id] for x in session.speakers if x.speaker_id in speakers],
                )
            )
    days = []
    for day in sorted(by_day):
        slots = sorted(by_day[day], key=lambda s: (s.run.starts_at, s.room.position, s.room.name))
        used = {s.room.id for s in slots}
        grid: dict[str, dict[uuid.UUID, list[Slot]]] = {}
        for slot in slots:
            label = f"{slot.run.starts_at.astimezone(zone):%-I:%M %p}"
            grid.setdefault(label, defaultdict(list))[slot.room.id].append(slot)
        days.append(
            Day(
                day=day,
                rooms=[r for r in schedule.rooms if r.id in used],
                rows=list(grid.items()),
                slots=slots,
            )
        )
    return days


def _local(value: datetime, zone: ZoneInfo, fmt: str) -> str:
    return value.astimezone(zone).strftime(fmt)


class ProgramPages(Controller):
    opt = PUBLIC
    include_in_schema = False
    path = "/c/{slug:str}/program"

    @get("/", media_type=MediaType.HTML, name="conference-program")
    async def program(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        view: FromQuery[str | None] = None,
        track: FromQuery[str | None] = None,
        type: FromQuery[str | None] = None,
        committee: FromQuery[str | None] = None,
    ) -> Template:
        schedule = await releases.published_schedule(db_session, conference=conference)
        zone = ZoneInfo(conference.timezone)
        days = (
            _program_days(schedule, track=track or None, kind=type or None, committee=committee or None, zone=zone)
            if schedule
            else []
        )
        committees = sorted(
            {
                (t.group.slug, t.group.name)
                for t in (schedule.tracks if schedule else [])
                if t.group and t.group.kind == GroupKind.COMMITTEE
            }
        )
        context = {
            "conference": conference,
            "principal": principal,
            "schedule": schedule,
            "days": days,
            "view": "list" if view == "list" else "grid",
            "filters": {"track": track or "", "type": type or "", "committee": committee or ""},
            "tracks": schedule.tracks if schedule else [],
            "types": list(SessionType),
            "committees": committees,
            "zone": zone,
            "local": _local,
        }
        return Template("sessions/program.html", context=context)

    @get("/sessions/{session_id:uuid}", media_type=MediaType.HTML, name="program-session")
    async def session_page(
        self,
        settings: NamedDependency[Settings],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        session_id: FromPath[uuid.UUID],
        notice: FromQuery[str | None] = None,
    ) -> Template:
        _, schedule = await releases.require_published_schedule(db_session, conference=conference)
        session = next((s for s in schedule.sessions if s.id == session_id), None)
        if session is None:
            raise SessionNotFound("The program has no such session.")
        speakers = {s.id: s for s in schedule.speakers}
        run_ids = [r.id for r in session.runs]
        mine: dict[str, Any] = {}
        token = request.session.get(_session_key(conference.slug)) if "session" in request.scope else None
        if isinstance(token, str):
            try:
                linked = await agenda_links.open_agenda(
                    db_session, conference=conference, settings=settings, token=token
                )
            except DomainError:
                linked = None  # a revoked or stale link: show the page without agenda buttons
            if linked is not None:
                view = await agenda.view_agenda(
                    db_session, conference=conference, settings=settings, agenda=linked.agenda,
                    attendee=linked.attendee, schedule=schedule,
                )  # fmt: skip
                mine = {
                    "token": token,
                    "on_agenda": {e.run.id for e in view.entries},
                    "rsvps": view.rsvps,
                    "positions": view.positions,
                }
        context = {
            "conference": conference,
            "principal": principal,
            "session": session,
            "rooms": {r.id: r for r in schedule.rooms},
            "track": next((t for t in schedule.tracks if t.id == session.track_id), None),
            "speakers": [(speakers[x.speaker_id], x.role) for x in session.speakers if x.speaker_id in speakers],
            "seats_left": await seats.seats_left(db_session, run_ids) if session.seat_limit else {},
            "mine": mine,
            "notice": notice or "",
            "zone": ZoneInfo(conference.timezone),
            "local": _local,
        }
        return Template("sessions/session.html", context=context)

    @get("/speakers", media_type=MediaType.HTML, name="program-speakers")
    async def speakers(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Template:
        schedule = await releases.published_schedule(db_session, conference=conference)
        context = {"conference": conference, "principal": principal, "speakers": schedule.speakers if schedule else []}
        return Template("sessions/speakers.html", context=context)

    @get("/speakers/{speaker_id:uuid}", media_type=MediaType.HTML, name="program-speaker")
    async def speaker(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        speaker_id: FromPath[uuid.UUID],
    ) -> Template:
        _, schedule = await releases.require_published_schedule(db_session, conference=conference)
        speaker = next((s for s in schedule.speakers if s.id == speaker_id), None)
        if speaker is None:
            raise SpeakerNotFound("The program has no such speaker.")
        rooms = {r.id: r for r in schedule.rooms}
        appearances = sorted(
            (
                (s, r, rooms[r.room_id])
                for s in schedule.sessions
                if any(x.speaker_id == speaker_id for x in s.speakers)
                for r in s.runs
            ),
            key=lambda e: e[1].starts_at,
        )
        feed_url = f"{settings.base_url}/c/{conference.slug}/feeds/speakers/{speaker.id}.ics"
        context = {
            "conference": conference,
            "principal": principal,
            "speaker": speaker,
            "appearances": appearances,
            "links": subscribe_links(feed_url, f"{conference.name}: {speaker.name}"),
            "zone": ZoneInfo(conference.timezone),
            "local": _local,
        }
        return Template("sessions/speaker.html", context=context)


class FeedPages(Controller):
    """The feeds index page and the public calendar feeds (webcal-subscribable)."""

    opt = PUBLIC
    include_in_schema = False
    path = "/c/{slug:str}/feeds"

    @get("/", media_type=MediaType.HTML, name="conference-feeds")
    async def index(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Template:
        schedule = await releases.published_schedule(db_session, conference=conference)
        base = f"{settings.base_url}/c/{conference.slug}/feeds"

        def entry(label: str, path: str) -> dict[str, Any]:
            return {"label": label, **subscribe_links(f"{base}/{path}", f"{conference.name}: {label}")}

        feeds = []
        if schedule is not None:
            feeds.append(entry("Whole program", "program.ics"))
            feeds += [entry(f"Track: {t.name}", f"tracks/{t.slug}.ics") for t in schedule.tracks]
            feeds += [entry(f"Room: {r.name}", f"rooms/{r.id}.ics") for r in schedule.rooms]
        context = {"conference": conference, "principal": principal, "feeds": feeds, "speakers": bool(schedule)}
        return Template("sessions/feeds.html", context=context)

    async def _serve(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        conference: Conference,
        kind: FeedKind,
        filename: str = "program.ics",
    ) -> Response[bytes]:
        if not filename.endswith(".ics"):
            raise FeedNotFound("Calendar feeds end in .ics.")
        ident = filename.removesuffix(".ics") if kind != "conference" else ""
        feed = await program_feed(db, conference=conference, settings=_settings(request), kind=kind, ident=ident)
        return await feed_response(request, db, feed, filename=f"{conference.slug}-{kind}.ics")

    @get("/program.ics", name="feed-conference")
    async def conference_feed(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Response[bytes]:
        return await self._serve(request, db_session, conference, "conference")

    @get("/tracks/{filename:str}", name="feed-track")
    async def track_feed(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        filename: FromPath[str],
    ) -> Response[bytes]:
        return await self._serve(request, db_session, conference, "track", filename)

    @get("/speakers/{filename:str}", name="feed-speaker")
    async def speaker_feed(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        filename: FromPath[str],
    ) -> Response[bytes]:
        return await self._serve(request, db_session, conference, "speaker", filename)

    @get("/rooms/{filename:str}", name="feed-room")
    async def room_feed(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        filename: FromPath[str],
    ) -> Response[bytes]:
        return await self._serve(request, db_session, conference, "room", filename)


class AgendaForm(msgspec.Struct):
    run_id: str = ""
    next: str = ""


class LinkRequestForm(msgspec.Struct):
    email: str = ""


def _session_key(slug: str) -> str:
    return f"agenda:{slug}"


def _back(slug: str, token: str, target: str) -> str:
    """Only this conference's pages, so a form cannot bounce people elsewhere."""
    return target if target.startswith(f"/c/{slug}/") and "//" not in target else f"/c/{slug}/agenda/{token}"


class AgendaPages(Controller):
    """My agenda through the signed link: add, remove, confirm offers, subscribe, download."""

    opt = PUBLIC
    include_in_schema = False
    path = "/c/{slug:str}/agenda"

    @get("/", media_type=MediaType.HTML, name="agenda-request")
    async def request_form(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
    ) -> Template:
        return Template("sessions/agenda_request.html", context={"conference": conference, "sent": False})

    @post("/", media_type=MediaType.HTML, status_code=200)
    async def request_link(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        data: URLEncodedBody[LinkRequestForm],
    ) -> Template:
        if "@" in data.email:
            await agenda_links.mail_agenda_links(db_session, conference=conference, settings=settings, email=data.email)
        return Template("sessions/agenda_request.html", context={"conference": conference, "sent": True})

    async def _open(
        self, request: Request[Any, Any, Any], db: AsyncSession, conference: Conference, token: str
    ) -> tuple[Conference, Agenda, Attendee, Settings]:
        settings = _settings(request)
        linked = await agenda_links.open_agenda(db, conference=conference, settings=settings, token=token)
        owned, attendee = linked.agenda, linked.attendee
        return conference, owned, attendee, settings

    @get("/{token:str}", media_type=MediaType.HTML, name="my-agenda")
    async def my_agenda(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
        notice: FromQuery[str | None] = None,
    ) -> Template:
        conference, owned, attendee, settings = await self._open(request, db_session, conference, token)
        # Remember the link in this browser, so session pages can offer "add to my agenda".
        request.set_session({**request.session, _session_key(conference.slug): token})
        schedule = await releases.published_schedule(db_session, conference=conference)
        view = await agenda.view_agenda(
            db_session, conference=conference, settings=settings, agenda=owned, attendee=attendee, schedule=schedule
        )
        feed = agenda_links.agenda_feed_url(settings, conference, owned)
        offered = {}
        if schedule is not None:
            for run_id, rsvp in view.rsvps.items():
                if rsvp.status.value in ("offered", "waiting"):
                    entry = next(((s, r) for s in schedule.sessions for r in s.runs if r.id == run_id), None)
                    if entry is not None:
                        offered[run_id] = (entry[0], entry[1], rsvp)
        context = {
            "conference": conference,
            "principal": None,
            "attendee": attendee,
            "view": view,
            "token": token,
            "rooms": {r.id: r for r in schedule.rooms} if schedule else {},
            "clashing": {e.run.id for pair in view.clashes for e in pair},
            "pending": offered,
            "links": subscribe_links(feed, f"{conference.name}: my agenda"),
            "notice": notice or "",
            "zone": ZoneInfo(conference.timezone),
            "local": _local,
        }
        return Template("sessions/agenda.html", context=context)

    async def _change(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        conference: Conference,
        token: str,
        form: AgendaForm,
        action: str,
    ) -> Redirect:
        conference, owned, attendee, settings = await self._open(request, db, conference, token)
        try:
            run_id = uuid.UUID(form.run_id)
        except ValueError as exc:
            raise RunNotFound("The program has no such session.") from exc
        notice = ""
        if action == "remove":
            await agenda.remove_from_agenda(
                db, conference=conference, settings=settings, agenda=owned, attendee=attendee, run_id=run_id
            )
            notice = "removed"
        else:
            _, schedule = await releases.require_published_schedule(db, conference=conference)
            if action == "confirm":
                result = await agenda.confirm_offer(
                    db, conference=conference, settings=settings, agenda=owned, attendee=attendee, run_id=run_id
                )
            else:
                result = await agenda.add_to_agenda(
                    db, conference=conference, settings=settings, agenda=owned, attendee=attendee,
                    schedule=schedule, run_id=run_id,
                )  # fmt: skip
            notice = result.status
        target = _back(conference.slug, token, form.next)
        return Redirect(f"{target}{'&' if '?' in target else '?'}notice={notice}", status_code=303)

    @post("/{token:str}/add", status_code=303)
    async def add(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
        data: URLEncodedBody[AgendaForm],
    ) -> Redirect:
        return await self._change(request, db_session, conference, token, data, "add")

    @post("/{token:str}/remove", status_code=303)
    async def remove(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
        data: URLEncodedBody[AgendaForm],
    ) -> Redirect:
        return await self._change(request, db_session, conference, token, data, "remove")

    @post("/{token:str}/confirm", status_code=303)
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
        data: URLEncodedBody[AgendaForm],
    ) -> Redirect:
        return await self._change(request, db_session, conference, token, data, "confirm")

    @get("/{token:str}/agenda.ics", name="feed-agenda")
    async def feed(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        token: FromPath[str],
    ) -> Response[bytes]:
        conference, owned, attendee, settings = await self._open(request, db_session, conference, token)
        built = await agenda_feed(db_session, conference=conference, settings=settings, agenda=owned, attendee=attendee)
        return await feed_response(
            request, db_session, built, filename=f"{conference.slug}-my-agenda.ics", private=True
        )
