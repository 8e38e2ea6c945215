"""Security headers on every response, and a Content-Security-Policy on every HTML page.

The policy lets a page run only the service's own scripts and styles, plus inline ones that
carry the request's nonce (templates write ``nonce="{{ request.state.csp_nonce }}"``), and
Stripe.js where card payments are on. Style attributes stay allowed: the program colours its
tracks with ``style="--track: ..."``, and a style attribute cannot run script. No page may be
framed (clickjacking), and once the service is reached over https, browsers are told to keep to it.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from events_app.settings import Settings

NONCE_KEY = "csp_nonce"
HSTS = "max-age=31536000; includeSubDomains"
# The API reference under /schema is Litestar's Scalar page: its script and styles come from a CDN
# and it writes inline styles. It shows only the public OpenAPI document, and is never framed.
DOCS_PATH = "/schema"
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' {DOCS_CDN}; style-src 'self' 'unsafe-inline' {DOCS_CDN}; "
    f"img-src 'self' data: {DOCS_CDN}; font-src 'self' data: {DOCS_CDN}; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(settings: Settings, nonce: str) -> str:
    card = bool(settings.stripe_secret_key)
    stripe = " ".join(sorted({_origin(settings.stripe_js_url), _origin(settings.stripe_api_base)})) if card else ""
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}' {stripe}",
        "style-src": f"'self' 'nonce-{nonce}'",
        "style-src-attr": "'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "connect-src": f"'self' {stripe}",
        "frame-src": stripe or "'none'",
        "worker-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value.strip()}" for name, value in directives.items())


def security_headers_middleware(settings: Settings) -> type:
    """An ASGI middleware class adding the headers (Litestar's ``middleware=[...]`` takes it as is)."""
    # Encoded once, as the ASGI message carries them: every answer of the service passes here.
    fixed = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    ]
    if settings.base_url.startswith("https://"):
        fixed.append((b"strict-transport-security", HSTS.encode()))

    class SecurityHeaders:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await self.app(scope, receive, send)
                return
            nonce = secrets.token_urlsafe(16)
            scope.setdefault("state", {})[NONCE_KEY] = nonce

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", ()))
                    given = {name.lower(): value for name, value in headers}
                    # A handler that set one of them (a download's own nosniff) keeps its value.
                    headers += [header for header in fixed if header[0] not in given]
                    if given.get(b"content-type", b"").startswith(b"text/html"):
                        policy = (
                            DOCS_POLICY
                            if scope["path"].startswith(DOCS_PATH)
                            else content_security_policy(settings, nonce)
                        )
                        headers.append((b"content-security-policy", policy.encode()))
                    message["headers"] = headers
                await send(message)

            await self.app(scope, receive, send_with_headers)

    return SecurityHeaders
