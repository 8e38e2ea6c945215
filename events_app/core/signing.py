"""The one way to sign: HMAC-SHA256 tokens for links sent to people (manage my registration, feeds).

A token binds a purpose, so a link made for one use cannot be replayed for another.
Revocation belongs to the caller: put a version in the payload and bump it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from events_app.core.errors import Invalid


class LinkExpired(Invalid):
    """A signed link past its expiry."""

    code = "link-expired"


class LinkInvalid(Invalid):
    """A link that was not signed by us for this use, or was altered."""

    code = "link-invalid"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}\n{body}".encode(), hashlib.sha256).digest()
    return _b64(digest[:20])


def sign(secret: str, *, purpose: str, payload: str, expires_in: int | None = None) -> str:
    """A URL-safe token carrying ``payload``; ``expires_in`` seconds makes it stop working after that."""
    expiry = "" if expires_in is None else str(int(time.time()) + expires_in)
    body = f"{_b64(payload.encode())}.{expiry}"
    return f"{body}.{_mac(secret, purpose, body)}"


def unsign(secret: str, *, purpose: str, token: str) -> str:
    """The payload of a token made by ``sign`` for this purpose; raises ``LinkExpired`` or ``LinkInvalid``."""
    try:
        encoded, expiry, mac = token.rsplit(".", 2)
        body = f"{encoded}.{expiry}"
        if not hmac.compare_digest(mac, _mac(secret, purpose, body)):
            raise ValueError
        if expiry and int(expiry) < time.time():
            raise LinkExpired("This link has expired.")
        return _unb64(encoded).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise LinkInvalid("This link is not valid.") from exc
