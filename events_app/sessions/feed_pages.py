"""The public calendar feeds over HTTP (webcal-subscribable), their index page and the subscribe links.

Calendar apps poll these addresses for months: each answer carries the feed's ETag and
Last-Modified, and a poll with current validators gets a bodiless 304.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.datastructures import Headers
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.service import Principal
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.sessions import releases
from events_app.sessions.errors import FeedNotFound
from events_app.sessions.feeds import Feed, FeedKind, program_feed
from events_app.sessions.pages import program_page
from events_app.sessions.urls import feed_url, subscribe_links
from events_app.settings import Settings

# Litestar adds "; charset=utf-8" to text types.
FEED_MEDIA_TYPE = "text/calendar"
# A public feed's route names its kind in its options: ``polls`` answers them before the handler.
FEED_KIND = "feed_kind"


@dataclass(frozen=True, slots=True)
class FeedAnswer:
    """What a request for a feed is answered: its status and headers, and whether the feed's bytes go with it."""

    status: int
    headers: dict[str, str]
    gzip: bool

    @property
    def has_body(self) -> bool:
        return self.status != HTTP_304_NOT_MODIFIED


def feed_answer(headers: Headers, feed: Feed, *, filename: str, private: bool = False) -> FeedAnswer:
    """The feed with its validators, or 304 when the client's copy is current; gzipped for the clients that
    take it (calendar apps do: the program feed shrinks about six times)."""
    gzip = accepts_gzip(headers.get("accept-encoding"))
    answer = {
        "ETag": feed.etag_for(gzip=gzip),
        "Last-Modified": feed.last_modified_header,
        # Private agendas must not sit in shared caches; public feeds may, briefly.
        "Cache-Control": "private, max-age=0, must-revalidate" if private else "public, max-age=300",
        "Vary": "Accept-Encoding",
    }
    if feed.is_fresh_for(
        gzip=gzip,
        if_none_match=headers.get("if-none-match"),
        if_modified_since=headers.get("if-modified-since"),
    ):
        return FeedAnswer(HTTP_304_NOT_MODIFIED, answer, gzip)
    answer["Content-Disposition"] = f'inline; filename="{filename}"'
    if gzip:
        answer["Content-Encoding"] = "gzip"
    return FeedAnswer(HTTP_200_OK, answer, gzip)


async def feed_response(
    request: Request[Any, Any, Any], db: AsyncSession, feed: Feed, *, filename: str, private: bool = False
) -> Response[bytes]:
    answer = feed_answer(request.headers, feed, filename=filename, private=private)
    body = await feed.load_body(db, gzip=answer.gzip) if answer.has_body else b""
    return Response(body, status_code=answer.status, headers=answer.headers, media_type=FEED_MEDIA_TYPE)


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether the client takes gzip, by name or by ``*``, with a weight above zero (RFC 9110 12.5.3)."""
    weights = {}
    for item in (accept_encoding or "").split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        weight = next((p.partition("=")[2] for p in params if p.lower().startswith("q=")), "1")
        try:
            weights[coding.lower()] = float(weight)
        except ValueError:
            weights[coding.lower()] = 0.0
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


async def _serve(
    request: Request[Any, Any, Any],
    settings: Settings,
    db: AsyncSession,
    cache: ConferenceCache,
    conference: Conference,
    kind: FeedKind,
    filename: str = "program.ics",
) -> Response[bytes]:
    ident = feed_ident(kind, filename)
    feed = await program_feed(db, conference=conference, settings=settings, cache=cache, kind=kind, ident=ident)
    return await feed_response(request, db, feed, filename=feed_filename(conference, kind))


def feed_ident(kind: FeedKind, filename: str) -> str:
    """The track's slug or the speaker's or room's id that a feed's file name gives ("" for the whole program)."""
    if not filename.endswith(".ics"):
        raise FeedNotFound("Calendar feeds end in .ics.")
    return filename.removesuffix(".ics") if kind != "conference" else ""


def feed_filename(conference: Conference, kind: FeedKind) -> str:
    return f"{conference.slug}-{kind}.ics"


def _feed_of_one(kind: FeedKind, path: str, name: str) -> HTTPRouteHandler:
    """The route of one track's, speaker's or room's feed, ``<slug or id>.ics`` under ``path``."""

    async def feed(
        self: Controller,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference_cache: NamedDependency[ConferenceCache],
        conference: NamedDependency[Conference],
        filename: FromPath[str],
    ) -> Response[bytes]:
        return await _serve(request, settings, db_session, conference_cache, conference, kind, filename)

    return get(f"{path}/{{filename:str}}", name=name, opt={FEED_KIND: kind})(feed)


class FeedPages(Controller):
    """The feeds index page and the public calendar feeds."""

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

        def entry(label: str, name: str) -> dict[str, Any]:
            return {
                "label": label,
                **subscribe_links(feed_url(settings, conference, name), f"{conference.name}: {label}"),
            }

        feeds = []
        if schedule is not None:
            feeds.append(entry("Whole program", "program.ics"))
            feeds += [entry(f"Track: {t.name}", f"tracks/{t.slug}.ics") for t in schedule.tracks]
            feeds += [entry(f"Room: {r.name}", f"rooms/{r.id}.ics") for r in schedule.rooms]
        return program_page("feeds", conference, principal, feeds=feeds, speakers=bool(schedule))

    @get("/program.ics", name="feed-conference", opt={FEED_KIND: "conference"})
    async def conference_feed(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        db_session: NamedDependency[AsyncSession],
        conference_cache: NamedDependency[ConferenceCache],
        conference: NamedDependency[Conference],
    ) -> Response[bytes]:
        return await _serve(request, settings, db_session, conference_cache, conference, "conference")

    track_feed = _feed_of_one("track", "/tracks", "feed-track")
    speaker_feed = _feed_of_one("speaker", "/speakers", "feed-speaker")
    room_feed = _feed_of_one("room", "/rooms", "feed-room")
