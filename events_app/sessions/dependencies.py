"""The program's things named in an address, each found once per request and checked against its conference.

Built on the app-wide ``conference`` dependency: a room, track, speaker, session or run of
another conference answers 404 as if it did not exist. ``linked_agenda`` opens the agenda
behind the signed link in ``{token}``; the link itself is the credential. ``remembered_agenda``
is the one whose link this browser opened last (kept in its session), for the program pages.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.core.errors import DomainError
from events_app.sessions import service
from events_app.sessions.agenda_links import LinkedAgenda, open_agenda
from events_app.sessions.models import ProgramSession, Room, SessionRun, Speaker, Track
from events_app.settings import Settings


async def provide_room(
    db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference], room_id: FromPath[uuid.UUID]
) -> Room:
    return await service.get_owned(db_session, Room, room_id, conference=conference)


async def provide_track(
    db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference], track_id: FromPath[uuid.UUID]
) -> Track:
    return await service.get_owned(db_session, Track, track_id, conference=conference)


async def provide_speaker(
    db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference], speaker_id: FromPath[uuid.UUID]
) -> Speaker:
    return await service.get_owned(db_session, Speaker, speaker_id, conference=conference)


async def provide_program_session(
    db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference], session_id: FromPath[uuid.UUID]
) -> ProgramSession:
    return await service.get_owned(db_session, ProgramSession, session_id, conference=conference)


async def provide_run(
    db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference], run_id: FromPath[uuid.UUID]
) -> SessionRun:
    """The run with its ``session`` loaded."""
    return await service.get_run(db_session, conference=conference, run_id=run_id)


async def provide_linked_agenda(
    settings: NamedDependency[Settings],
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    token: FromPath[str],
) -> LinkedAgenda:
    return await open_agenda(db_session, conference=conference, settings=settings, token=token)


# What the organizers' program routes may name in their address.
WORKING_COPY = {
    "room": Provide(provide_room),
    "track": Provide(provide_track),
    "speaker": Provide(provide_speaker),
    "program_session": Provide(provide_program_session),
    "run": Provide(provide_run),
}
LINKED_AGENDA = {"linked_agenda": Provide(provide_linked_agenda)}


def remembered_link_key(slug: str) -> str:
    """Where a browser's session keeps the agenda link it last opened for this conference."""
    return f"agenda:{slug}"


async def provide_remembered_agenda(
    request: Request[Any, Any, Any],
    settings: NamedDependency[Settings],
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
) -> LinkedAgenda | None:
    """The agenda whose link this browser opened last, if it still opens; pages then offer its buttons."""
    token = request.session.get(remembered_link_key(conference.slug)) if "session" in request.scope else None
    if not isinstance(token, str):
        return None
    try:
        return await open_agenda(db_session, conference=conference, settings=settings, token=token)
    except DomainError:
        return None  # a revoked or stale link: the page shows without agenda buttons


REMEMBERED_AGENDA = {"remembered_agenda": Provide(provide_remembered_agenda)}
