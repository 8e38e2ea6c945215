"""Calendar apps' polls of public feeds, answered from what the process keeps, before the request's own machinery.

Calendar apps poll every subscribed feed for months, and nearly every poll hears 304. Once a feed
has been served, the process keeps its conference, the program's latest release and the feed's
validators (``conferences.cache``), and the bytes it sent lately (``sessions.feeds``); the writes that
change them drop them in every process. A poll of a public feed of a published conference needs
nothing more: its answer is the same for everyone, so it takes no web session, no access check and
no database. It is answered here, right after routing and ahead of the rest of the middleware;
anything not kept goes on to the handler, which keeps it for the next poll. Both decide through
``feed_pages.feed_answer``, so their answers cannot differ.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.response.base import ASGIResponse
from litestar.types import ASGIApp, Receive, Scope, Send

from events_app.conferences.cache import ConferenceCache
from events_app.conferences.service import visible_to
from events_app.sessions.errors import FeedNotFound
from events_app.sessions.feed_pages import FEED_KIND, FEED_MEDIA_TYPE, feed_answer, feed_filename, feed_ident
from events_app.sessions.feeds import kept_program_feed
from events_app.settings import Settings


def answer_feed_polls(cache: ConferenceCache, settings: Settings) -> Callable[[ASGIApp], ASGIApp]:
    def middleware(app: ASGIApp) -> ASGIApp:
        async def answer(scope: Scope, receive: Receive, send: Send) -> None:
            kept = _kept_answer(scope, cache, settings) if scope["type"] == ScopeType.HTTP else None
            await (app if kept is None else kept)(scope, receive, send)

        return answer

    return middleware


def _kept_answer(scope: Scope, cache: ConferenceCache, settings: Settings) -> ASGIResponse | None:
    kind = scope["route_handler"].opt.get(FEED_KIND)
    # A query is passed on for the handler's screening, though no feed reads one.
    if kind is None or scope["query_string"]:
        return None
    params = scope["path_params"]
    conference = cache.kept_conference(params["slug"])
    # A draft's feeds are only for its organizers: the handler asks who is asking.
    if conference is None or not visible_to(conference, None):
        return None
    try:
        ident = feed_ident(kind, params.get("filename", "program.ics"))
    except FeedNotFound:
        return None
    feed = kept_program_feed(cache, conference=conference, settings=settings, kind=kind, ident=ident)
    if feed is None:
        return None
    answer = feed_answer(Headers.from_scope(scope), feed, filename=feed_filename(conference, kind))
    body = feed.kept_body(gzip=answer.gzip) if answer.has_body else b""
    if body is None:
        return None
    return ASGIResponse(body=body, status_code=answer.status, headers=answer.headers, media_type=FEED_MEDIA_TYPE)
