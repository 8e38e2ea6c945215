"""The program's public addresses: the conference's, a session's and a speaker's page, the calendar feeds
and the links that subscribe a calendar app to a feed.

Mails and pages link to them, so they are spelt once, here, from the service's ``base_url``.
A release stores only the path (``/c/...``): the host the service is reached at can change after
a release, and ``absolute`` puts the current one in front when the schedule is served.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from events_app.conferences.models import Conference
from events_app.settings import Settings


def conference_path(conference: Conference) -> str:
    return f"/c/{conference.slug}"


def session_path(conference: Conference, session_id: uuid.UUID) -> str:
    return f"{conference_path(conference)}/program/sessions/{session_id}"


def speaker_path(conference: Conference, speaker_id: uuid.UUID) -> str:
    return f"{conference_path(conference)}/program/speakers/{speaker_id}"


def absolute(settings: Settings, url: str) -> str:
    """A stored path as an address; releases made before paths were stored hold whole URLs already."""
    return settings.base_url + url if url.startswith("/") else url


def absolute_schedule_json(settings: Settings, schedule: bytes) -> bytes:
    """The stored ``events-app.schedule/1`` bytes with every ``url`` made absolute.

    Compact JSON escapes every quote inside a string, so ``"url":"/`` occurs only as a key and its value.
    """
    return schedule.replace(b'"url":"/', b'"url":"' + settings.base_url.encode() + b"/")


def conference_url(settings: Settings, conference: Conference) -> str:
    return settings.base_url + conference_path(conference)


def speaker_url(settings: Settings, conference: Conference, speaker_id: uuid.UUID) -> str:
    return settings.base_url + speaker_path(conference, speaker_id)


def feed_url(settings: Settings, conference: Conference, name: str) -> str:
    """A public feed's address; ``name`` is ``program.ics``, ``tracks/<slug>.ics``, ``rooms/<id>.ics``..."""
    return f"{conference_url(settings, conference)}/feeds/{name}"


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
