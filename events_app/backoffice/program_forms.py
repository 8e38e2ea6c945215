"""The program's back-office forms: what an organizer typed, read as the sessions domain's own shapes.

A form is kept as typed (a ``dict`` of strings) so a refused one comes back for correcting;
reading it into ``RoomIn``, ``SpeakerPatch``... lets the domain's bounds and rules speak.
Times are typed in the conference's zone and handed on naive: the service reads them so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec

from events_app.backoffice.forms import wall_clock
from events_app.sessions.models import ProgramSession, Room, SessionRun, Speaker, Track
from events_app.sessions.schemas import Window

S = TypeVar("S", bound=msgspec.Struct)
Form = dict[str, str]
ROOM_FIELDS = ("name", "capacity", "floor", "accessible", "off_site", "opens_at", "closes_at", "position")
TRACK_FIELDS = ("slug", "name", "color", "group_id")
SPEAKER_FIELDS = ("name", "title", "organization", "email", "photo_url", "bio", "availability")
SESSION_FIELDS = (
    "code", "title", "type", "description", "track_id", "seat_limit", "credit_hours", "status", "tags",
)  # fmt: skip
RUN_FIELDS = ("room_id", "starts_at", "ends_at")
CHECKBOXES = {"accessible", "off_site"}
# Blank speaker rows a session form offers beyond the speakers it has.
SPARE_SPEAKER_ROWS = 2


def read(values: Mapping[str, Any], shape: type[S]) -> S:
    """``values`` as ``shape``; ``ValueError`` with msgspec's own words on which field is wrong."""
    try:
        return msgspec.convert(values, shape, strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(f"Not saved: {exc}.") from None


def _optional(text: str) -> str | None:
    return text or None


def _parsed(text: str, label: str, kind: type[time] | type[datetime]) -> time | datetime | None:
    """A typed time of day or date and time (as browsers send them, without seconds); empty is None."""
    if not text:
        return None
    try:
        return kind.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a {'time' if kind is time else 'date and time'} for {label}.") from None


# --- rooms, tracks --------------------------------------------------------------------------------


def room_form(room: Room | None = None) -> Form:
    if room is None:
        return {name: "on" if name == "accessible" else "" for name in ROOM_FIELDS} | {"position": "0"}
    return {
        "name": room.name,
        "capacity": "" if room.capacity is None else str(room.capacity),
        "floor": room.floor,
        "accessible": "on" if room.accessible else "",
        "off_site": "on" if room.off_site else "",
        "opens_at": "" if room.opens_at is None else room.opens_at.strftime("%H:%M"),
        "closes_at": "" if room.closes_at is None else room.closes_at.strftime("%H:%M"),
        "position": str(room.position),
    }


def room_values(form: Form) -> dict[str, Any]:
    """Every field of a room (an edit sends them all): empty hours mean open all day."""
    values: dict[str, Any] = {k: form[k] for k in ("name", "floor")}
    values |= {k: form[k] == "on" for k in CHECKBOXES}
    values["capacity"] = _optional(form["capacity"])
    values |= {k: _parsed(form[k], k.replace("_at", "s"), time) for k in ("opens_at", "closes_at")}
    values["position"] = form["position"] or "0"
    return values


def track_form(track: Track | None = None) -> Form:
    if track is None:
        return {"slug": "", "name": "", "color": "#4a5568", "group_id": ""}
    return {"slug": track.slug, "name": track.name, "color": track.color, "group_id": str(track.group_id or "")}


def track_values(form: Form, *, new: bool) -> dict[str, Any]:
    values: dict[str, Any] = {"name": form["name"], "color": form["color"], "group_id": _optional(form["group_id"])}
    return values | {"slug": form["slug"]} if new else values


# --- speakers -------------------------------------------------------------------------------------


def speaker_form(speaker: Speaker | None, timezone: str) -> Form:
    if speaker is None:
        return dict.fromkeys(SPEAKER_FIELDS, "")
    zone = ZoneInfo(timezone)
    windows = [f"{wall_clock(w.starts_at, zone)} to {wall_clock(w.ends_at, zone)}" for w in speaker.availability]
    return {
        "name": speaker.name,
        "title": speaker.title,
        "organization": speaker.organization,
        "email": speaker.email or "",
        "photo_url": speaker.photo_url,
        "bio": speaker.bio,
        "availability": "\n".join(w.replace("T", " ") for w in windows),
    }


def _window(line: str, number: int) -> Window:
    """``2027-10-06 08:00 to 2027-10-06 17:00``, or ``2027-10-06 08:00 to 17:00`` within one day."""
    start, sep, end = line.partition(" to ")
    try:
        if not sep:
            raise ValueError
        starts = datetime.fromisoformat(start.strip())
        end = end.strip()
        ends = datetime.fromisoformat(end) if "-" in end else datetime.fromisoformat(f"{starts:%Y-%m-%d} {end}")
    except ValueError:
        raise ValueError(
            f"Availability line {number} ({line!r}) is not read as 'YYYY-MM-DD HH:MM to YYYY-MM-DD HH:MM'."
        ) from None
    return Window(starts_at=starts, ends_at=ends)


def speaker_values(form: Form) -> dict[str, Any]:
    """The speaker as typed; the availability lines replace every window (none: available throughout)."""
    values: dict[str, Any] = {k: form[k] for k in ("name", "title", "organization", "photo_url", "bio")}
    values["email"] = _optional(form["email"])
    lines = [line.strip() for line in form["availability"].splitlines()]
    values["availability"] = [_window(line, n) for n, line in enumerate(lines, 1) if line]
    return values


# --- sessions and runs ----------------------------------------------------------------------------


def session_form(session: ProgramSession | None) -> Form:
    if session is None:
        return dict.fromkeys(SESSION_FIELDS, "") | {"type": "breakout", "status": "draft", "credit_hours": "0"}
    return {
        "code": session.code,
        "title": session.title,
        "type": session.type.value,
        "description": session.description,
        "track_id": str(session.track_id or ""),
        "seat_limit": "" if session.seat_limit is None else str(session.seat_limit),
        "credit_hours": str(session.credit_hours),
        "status": session.status.value,
        "tags": ", ".join(session.tags),
    }


def speaker_rows(form: Mapping[str, Any] | None, session: ProgramSession | None) -> list[tuple[str, str]]:
    """(speaker id, role) rows of the form: as posted, else as the session has them; blank rows to add more."""
    if form is not None:
        posted = zip(form.getall("speaker", []), form.getall("role", []), strict=False)  # type: ignore[attr-defined]
        rows = [(sid, role) for sid, role in posted if sid]
    else:
        rows = [(str(link.speaker_id), link.role.value) for link in (session.speakers if session else [])]
    return rows + [("", "presenter")] * SPARE_SPEAKER_ROWS


def session_values(form: Form, rows: list[tuple[str, str]], *, new: bool) -> dict[str, Any]:
    """The session as typed; a speaker row left on "(none)" is no speaker."""
    values: dict[str, Any] = {k: form[k] for k in ("title", "type", "description", "status")}
    values |= {k: _optional(form[k]) for k in ("track_id", "seat_limit")}
    values["credit_hours"] = form["credit_hours"] or "0"
    values["tags"] = [t.strip() for t in form["tags"].split(",") if t.strip()]
    values["speakers"] = [{"speaker_id": sid, "role": role} for sid, role in rows if sid]
    return values | {"code": form["code"]} if new else values


def run_values(form: Form) -> dict[str, Any]:
    values: dict[str, Any] = {"room_id": form["room_id"]}
    for name in ("starts_at", "ends_at"):
        if (moment := _parsed(form[name], name.replace("_at", "s"), datetime)) is None:
            raise ValueError(f"Say when the run {name.replace('_at', 's')}.")
        values[name] = moment
    return values


def run_form(run: SessionRun | None, timezone: str) -> Form:
    if run is None:
        return {"room_id": "", "starts_at": "", "ends_at": ""}
    zone = ZoneInfo(timezone)
    return {
        "room_id": str(run.room_id),
        "starts_at": wall_clock(run.starts_at, zone),
        "ends_at": wall_clock(run.ends_at, zone),
    }
