"""Every HTML page carries the security headers, and its inline scripts and styles carry the
nonce its Content-Security-Policy names (the scanner and the floor plan included), so a browser
runs the page's own code and nothing injected into it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

from litestar import Litestar, MediaType
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.app import create_app
from events_app.conferences.models import Conference
from events_app.demo import seed_demo
from events_app.settings import Settings
from tests.accounts.test_access import _login
from tests.conftest import Caller


def _page_paths(app: Litestar, slug: str) -> list[str]:
    """Every GET route that answers HTML, its parameters filled (the conference's slug, dummies elsewhere)."""
    paths = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" in handler.http_methods and handler.media_type == MediaType.HTML:
                path = route.path.replace("{slug:str}", slug)
                path = re.sub(r"\{\w+:uuid\}", str(uuid.uuid4()), path)
                path = re.sub(r"\{\w+:int\}", "1", path)
                paths.append(re.sub(r"\{\w+:(str|path)\}", "x", path))
    return paths


def _unsafe_inline(html: str, nonce: str) -> list[str]:
    """Inline scripts and style elements without the nonce, and event-handler attributes."""
    blocks = re.findall(r"<(?:script|style)\b[^>]*>", html)
    unsigned = [b for b in blocks if "src=" not in b and 'type="application/json"' not in b and nonce not in b]
    handlers = re.findall(r"<[^>]+\son[a-z]+\s*=", html)
    return unsigned + handlers


async def test_every_page_has_the_headers_and_runs_only_its_own_code(
    client: AsyncTestClient[Litestar], app: Litestar, db: AsyncSession, organizer: Caller
) -> None:
    await seed_demo(db)
    await db.commit()
    slug = await db.scalar(select(Conference.slug).order_by(Conference.starts_on))
    await _login(client, organizer)
    pages = _page_paths(app, slug)
    assert len(pages) > 20
    served = 0
    for path in pages:
        response = await client.get(path, headers={"Accept": "text/html"})
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue  # a redirect or a file
        served += response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy, path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path
        assert "strict-transport-security" not in response.headers  # plain http here
        if path.startswith("/schema"):
            continue  # Litestar's API reference, from its CDN: a policy of its own
        assert "'unsafe-inline'" not in policy.partition("style-src-attr")[0], path  # scripts and style elements
        [nonce] = set(re.findall(r"'nonce-([^']+)'", policy))
        assert _unsafe_inline(response.text, nonce) == [], path
    assert served > 10  # the walk reached real pages, not only error pages


async def test_the_scanner_and_floor_plan_pages_keep_to_the_policy(
    client: AsyncTestClient[Litestar], db: AsyncSession
) -> None:
    await seed_demo(db)
    await db.commit()
    slug = await db.scalar(select(Conference.slug).order_by(Conference.starts_on))
    for path in (f"/c/{slug}/staff/scan", f"/c/{slug}/expo"):
        page = await client.get(path)
        assert page.status_code == 200
        [nonce] = set(re.findall(r"'nonce-([^']+)'", page.headers["content-security-policy"]))
        assert _unsafe_inline(page.text, nonce) == []
        assert "<style" not in page.text.partition("<svg")[2]  # the drawing's style lives in the page's own


async def test_https_deployments_tell_browsers_to_stay_on_https(settings: Settings) -> None:
    app = create_app(replace(settings, base_url="https://events.example.org"))
    async with AsyncTestClient(app=app, base_url="https://events.example.org") as client:
        response = await client.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
