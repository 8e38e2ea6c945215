"""The public program pages: the grid or list with its filters, a session, the speakers and a speaker.

Everything here reads the latest release only; the working copy is never shown. A browser
that opened its agenda link gets "add to my agenda" buttons on session pages.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, MediaType, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.service import Principal
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference, GroupKind
from events_app.sessions import agenda, releases, seats
from events_app.sessions.agenda_links import LinkedAgenda
from events_app.sessions.dependencies import REMEMBERED_AGENDA
from events_app.sessions.errors import SessionNotFound, SpeakerNotFound
from events_app.sessions.models import SessionType
from events_app.sessions.schemas import Schedule, ScheduleRoom, ScheduleRun, ScheduleSession, ScheduleSpeaker
from events_app.sessions.urls import feed_url, subscribe_links
from events_app.settings import Settings

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


def local(value: datetime, zone: ZoneInfo, fmt: str) -> str:
    return value.astimezone(zone).strftime(fmt)


def program_page(name: str, conference: Conference, principal: Principal | None, **context: Any) -> Template:
    """The page ``sessions/<name>.html``, with what every program page shows: times in the conference's zone."""
    common = {"conference": conference, "principal": principal, "zone": ZoneInfo(conference.timezone), "local": local}
    return Template(f"sessions/{name}.html", context={**common, **context})


async def _days_html(
    request: Request[Any, Any, Any],
    cache: ConferenceCache,
    conference: Conference,
    schedule: Schedule,
    view: str,
    filters: dict[str, str],
) -> Markup:
    """The program's days as HTML, most of the page's work: kept per release for the unfiltered grid and list,
    which nearly every visitor opens; a filtered view is rendered each time (its combinations are many)."""

    templates = request.app.template_engine
    assert templates is not None  # create_app configures them

    async def render() -> Markup:
        zone = ZoneInfo(conference.timezone)
        days = _program_days(
            schedule, track=filters["track"] or None, kind=filters["type"] or None,
            committee=filters["committee"] or None, zone=zone,
        )  # fmt: skip
        fragment = templates.get_template("sessions/_program_days.html")
        html = fragment.render(days=days, view=view, conference=conference, zone=zone, local=local)
        return Markup(html)  # noqa: S704 (an autoescaping template's output)

    if any(filters.values()):
        return await render()
    kept = await cache.value(("program days", conference.id, schedule.release.number, view), render)
    assert kept is not None  # rendering always gives a page
    return kept


class ProgramPages(Controller):
    """The released program: the grid or list, a session, the speakers, a speaker."""

    opt = PUBLIC
    include_in_schema = False
    path = "/c/{slug:str}/program"
    dependencies = REMEMBERED_AGENDA

    @get("/", media_type=MediaType.HTML, name="conference-program")
    async def program(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        conference_cache: NamedDependency[ConferenceCache],
        view: FromQuery[str | None] = None,
        track: FromQuery[str | None] = None,
        type: FromQuery[str | None] = None,
        committee: FromQuery[str | None] = None,
    ) -> Template:
        schedule = await releases.kept_published_schedule(db_session, conference=conference, cache=conference_cache)
        shown = "list" if view == "list" else "grid"
        filters = {"track": track or "", "type": type or "", "committee": committee or ""}
        committees = sorted(
            {
                (t.group.slug, t.group.name)
                for t in (schedule.tracks if schedule else [])
                if t.group and t.group.kind == GroupKind.COMMITTEE
            }
        )
        days_html = (
            await _days_html(request, conference_cache, conference, schedule, shown, filters) if schedule else Markup()
        )
        return program_page(
            "program", conference, principal, schedule=schedule, days_html=days_html, view=shown, filters=filters,
            tracks=schedule.tracks if schedule else [], types=list(SessionType), committees=committees,
        )  # fmt: skip

    @get("/sessions/{session_id:uuid}", media_type=MediaType.HTML, name="program-session", opt=seats.SWEEPS_SEATS)
    async def session_page(
        self,
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        remembered_agenda: NamedDependency[LinkedAgenda | None],
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
        if remembered_agenda is not None:
            view = await agenda.view_agenda(
                db_session, conference=conference, settings=settings, agenda=remembered_agenda.agenda,
                attendee=remembered_agenda.attendee, schedule=schedule,
            )  # fmt: skip
            mine = {
                "token": remembered_agenda.token,
                "on_agenda": {e.run.id for e in view.entries},
                "rsvps": view.rsvps,
                "positions": view.positions,
            }
        return program_page(
            "session", conference, principal, session=session, rooms={r.id: r for r in schedule.rooms},
            track=next((t for t in schedule.tracks if t.id == session.track_id), None),
            speakers=[(speakers[x.speaker_id], x.role) for x in session.speakers if x.speaker_id in speakers],
            seats_left=await seats.seats_left(db_session, run_ids) if session.seat_limit else {},
            mine=mine, notice=notice or "",
        )  # fmt: skip

    @get("/speakers", media_type=MediaType.HTML, name="program-speakers")
    async def speakers(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal | None],
        conference: NamedDependency[Conference],
        conference_cache: NamedDependency[ConferenceCache],
    ) -> Template:
        schedule = await releases.kept_published_schedule(db_session, conference=conference, cache=conference_cache)
        return program_page("speakers", conference, principal, speakers=schedule.speakers if schedule else [])

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
        feed = feed_url(settings, conference, f"speakers/{speaker.id}.ics")
        return program_page(
            "speaker", conference, principal, speaker=speaker, appearances=appearances,
            links=subscribe_links(feed, f"{conference.name}: {speaker.name}"),
        )  # fmt: skip
