"""The program's public addresses: the conference's, a session's and a speaker's page, the calendar feeds
and the links that subscribe a calendar app to a feed.

Releases write them into the published schedule, mails and pages link to them, so they are
spelt once, here, from the service's ``base_url``.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from events_app.conferences.models import Conference
from events_app.settings import Settings


def conference_url(settings: Settings, conference: Conference) -> str:
    return f"{settings.base_url}/c/{conference.slug}"


def session_url(settings: Settings, conference: Conference, session_id: uuid.UUID) -> str:
    return f"{conference_url(settings, conference)}/program/sessions/{session_id}"


def speaker_url(settings: Settings, conference: Conference, speaker_id: uuid.UUID) -> str:
    return f"{conference_url(settings, conference)}/program/speakers/{speaker_id}"


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
