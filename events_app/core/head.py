"""``HEAD`` answered as ``GET`` without the body (RFC 9110 9.3.2), for every page, feed and API read.

Calendar apps and link checkers ask ``HEAD`` first; Litestar routes only the methods a handler
names, so the rewrite happens before routing, on the application's own ASGI handler.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def answer_head_as_get(app: ASGIApp) -> ASGIApp:
    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") != "HEAD":
            await app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                # The headers (Content-Length, ETag) stay those of the GET; only the bytes go.
                message = {**message, "body": b""}
                if message.get("more_body"):
                    return
            await send(message)

        scope["method"] = "GET"
        await app(scope, receive, send_headers_only)

    return handler
