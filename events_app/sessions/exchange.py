"""The released program as Frab-compatible schedule XML, the format conference apps and video teams read.

Frab's schema wants integer ids for events and persons; ours are UUIDs, so each gets the
top 31 bits of its UUID: stable across releases, and collisions among a few hundred ids
are vanishingly unlikely. Frab has no cancelled state: cancelled runs are left out, as
Frab itself does. Days run from 04:00 to 03:59 local time, Frab's convention for late
evening events.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta
from xml.etree.ElementTree import Element, SubElement, tostring
from zoneinfo import ZoneInfo

from events_app.core.text import slugify
from events_app.sessions.schemas import Schedule, ScheduleRun, ScheduleSession
from events_app.sessions.urls import absolute
from events_app.settings import Settings

DAY_CHANGE = time(4, 0)


def frab_id(value: uuid.UUID) -> int:
    return value.int >> 97


def _hhmm(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _text(parent: Element, tag: str, value: str | None = None, **attrs: str) -> Element:
    child = SubElement(parent, tag, attrs)
    if value is not None:
        child.text = value
    return child


def schedule_xml(schedule: Schedule, settings: Settings) -> bytes:
    """The schedule as Frab's ``schedule.xml`` (version, conference, day/room/event)."""
    conference = schedule.conference
    zone = ZoneInfo(conference.timezone)
    rooms = {r.id: r for r in schedule.rooms}
    tracks = {t.id: t for t in schedule.tracks}
    speakers = {s.id: s for s in schedule.speakers}

    root = Element("schedule")
    _text(root, "version", f"Release {schedule.release.number}")
    head = _text(root, "conference")
    days = (conference.ends_on - conference.starts_on).days + 1
    _text(head, "acronym", conference.slug)
    _text(head, "title", conference.name)
    _text(head, "start", conference.starts_on.isoformat())
    _text(head, "end", conference.ends_on.isoformat())
    _text(head, "days", str(days))
    _text(head, "timeslot_duration", "00:15")
    _text(head, "base_url", absolute(settings, conference.url))
    _text(head, "time_zone_name", conference.timezone)

    by_day: dict[int, dict[uuid.UUID, list[tuple[ScheduleSession, ScheduleRun]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for session in schedule.sessions:
        for run in session.runs:
            if run.status != "scheduled":
                continue
            local = run.starts_at.astimezone(zone)
            day = (local - timedelta(hours=DAY_CHANGE.hour)).date()
            by_day[(day - conference.starts_on).days][run.room_id].append((session, run))

    for index in sorted(set(range(days)) | set(by_day)):
        day = conference.starts_on + timedelta(days=index)
        start = datetime.combine(day, DAY_CHANGE, zone)
        end = start + timedelta(days=1, minutes=-1)
        day_el = _text(
            root, "day", index=str(index + 1), date=day.isoformat(), start=start.isoformat(), end=end.isoformat()
        )
        for room_id in sorted(by_day.get(index, {}), key=lambda r: (rooms[r].position, rooms[r].name)):
            room = rooms[room_id]
            room_el = _text(day_el, "room", name=room.name, guid=str(room.id))
            for session, run in sorted(by_day[index][room_id], key=lambda e: e[1].starts_at):
                local = run.starts_at.astimezone(zone)
                event = _text(room_el, "event", guid=str(run.id), id=str(frab_id(run.id)))
                _text(event, "date", local.isoformat())
                _text(event, "start", local.strftime("%H:%M"))
                _text(event, "duration", _hhmm(run.ends_at - run.starts_at))
                _text(event, "room", room.name)
                _text(event, "slug", f"{conference.slug}-{slugify(session.code)}-{slugify(session.title)}"[:200])
                _text(event, "url", absolute(settings, session.url))
                _text(event, "title", session.title)
                _text(event, "subtitle", "")
                track = tracks.get(session.track_id) if session.track_id else None
                _text(event, "track", track.name if track else "")
                _text(event, "type", session.type.value)
                _text(event, "language", "en")
                _text(event, "abstract", "")
                _text(event, "description", session.description)
                _text(event, "feedback_url", "")
                persons = _text(event, "persons")
                for link in session.speakers:
                    if (speaker := speakers.get(link.speaker_id)) is not None:
                        _text(persons, "person", speaker.name, id=str(frab_id(speaker.id)), guid=str(speaker.id))
                _text(event, "links")
                _text(event, "attachments")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="unicode").encode()
