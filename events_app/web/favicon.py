"""``GET /favicon.ico``: browsers ask for it on every page, and a 404 there fills the logs."""

from __future__ import annotations

from litestar import Response, get

from events_app.accounts.access import PUBLIC
from events_app.web import STATIC_DIR

ICON = (STATIC_DIR / "favicon.ico").read_bytes()


@get("/favicon.ico", opt=PUBLIC, include_in_schema=False, media_type="image/x-icon")
async def favicon() -> Response[bytes]:
    return Response(ICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})
