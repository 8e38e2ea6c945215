"""What every request must be before a handler sees it: free of control characters, and typed exactly.

A NUL byte cannot be stored by PostgreSQL at all, and no control character belongs in a
name, a search or an address, so they are refused here once, for the path, the query and
the body alike, rather than field by field. Tab, line feed and carriage return stay
allowed inside a body (a session's description has paragraphs).

Litestar converts a JSON body to the handler's type leniently (``0`` becomes ``false``
or 1970-01-01, ``"12"`` becomes 12): that is what a query string needs, not a JSON
client. So once the access check has let a request in, its JSON body is first decoded
strictly against the handler's ``data`` type, and anything that only fits by coercion is
refused with the field named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

import msgspec
from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

# Anywhere in an address: every C0 control and DEL.
_CONTROL_IN_ADDRESS = re.compile(r"[\x00-\x1f\x7f]")
# In a body's text: the same, less tab, line feed and carriage return.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ERROR_AT = re.compile(r" - at `\$\.?(?P<key>[^`]*)`$")


def _refuse(key: str, source: str, message: str) -> ValidationException:
    return ValidationException(extra=[{"key": key, "source": source, "message": message}])


def _strings_in(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a decoded JSON document (keys included), with where it sits."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for name, item in value.items():
            where = f"{key}.{name}" if key else str(name)
            yield where, str(name)
            yield from _strings_in(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings_in(item, f"{key}[{index}]")


def _check_address(scope: Scope) -> None:
    if _CONTROL_IN_ADDRESS.search(scope["path"]):
        raise _refuse("path", "path", "The address holds a control character.")
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if _CONTROL_IN_ADDRESS.search(name) or _CONTROL_IN_ADDRESS.search(value):
            raise _refuse(name, "query", "This parameter holds a control character.")
    if _CONTROL_IN_ADDRESS.search(unquote(query)):
        raise _refuse("query", "query", "The query holds a control character.")


def _check_json(handler: HTTPRouteHandler, body: bytes) -> None:
    if "data" not in handler.parsed_fn_signature.parameters:
        return  # a handler that reads the raw bytes (Stripe's signed webhook) stores none of its text
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return  # Litestar's own decoding answers a body that is not JSON
    for key, text in _strings_in(document):
        if _CONTROL_IN_TEXT.search(text):
            raise _refuse(key or "body", "body", "This text holds a control character.")


async def decode_strictly(request: Request[Any, Any, Any]) -> None:
    """A ``before_request`` hook (after the access check, so a stranger learns nothing of the shape):
    a JSON body must fit the handler's ``data`` type without coercion."""
    handler = request.route_handler
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None or handler.resolve_data_dto() is not None or not _is_json(request.headers.get("content-type")):
        return
    try:
        msgspec.json.decode(
            await request.body(), type=data.annotation, strict=True, dec_hook=handler.default_deserializer
        )
    except msgspec.DecodeError as exc:
        if not isinstance(exc, msgspec.ValidationError):
            return  # not JSON at all: Litestar's own decoding answers that
        found = _ERROR_AT.search(str(exc))
        raise _refuse(found["key"] if found else "body", "body", _ERROR_AT.sub("", str(exc))) from exc


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _check_form(body: bytes) -> None:
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if _CONTROL_IN_TEXT.search(name) or _CONTROL_IN_TEXT.search(value):
            raise _refuse(name, "body", "This field holds a control character.")


async def _whole_body(receive: Receive) -> tuple[bytes, Receive]:
    """The request's body, and a ``receive`` that hands it on to the app as if unread."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> ReceiveMessage:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        whole: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
        return whole

    return body, replay


class RequestScreen(ASGIMiddleware):
    """Refuses, with a 400 problem, a request carrying control characters, before anything reads it."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        handler = scope["route_handler"]
        if scope["type"] != ScopeType.HTTP or not isinstance(handler, HTTPRouteHandler):
            await next_app(scope, receive, send)
            return
        _check_address(scope)
        content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
        if scope["method"] in {"POST", "PUT", "PATCH", "DELETE"}:
            if _is_json(content_type):
                body, receive = await _whole_body(receive)
                _check_json(handler, body)
            elif content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
                body, receive = await _whole_body(receive)
                _check_form(body)
        await next_app(scope, receive, send)
