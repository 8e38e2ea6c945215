"""Structured logs with a request id on every line written while a request is handled."""

from __future__ import annotations

import itertools
import logging
import secrets
import sys
import time

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = b"x-request-id"  # as ASGI spells header names
# Libraries that narrate their work at INFO: fontTools writes ~150 lines for each badge PDF it subsets.
CHATTY_LIBRARIES = ("fontTools", "fpdf")


def configure_logging(*, level: str, json: bool) -> None:
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Takes the caller's ``X-Request-ID`` (or makes one), echoes it back and logs the request."""
    access_log = structlog.get_logger("events_app.access")
    # Unique across processes by the random prefix, and cheaper than a UUID (a system call) per request.
    prefix = secrets.token_hex(8)
    numbers = itertools.count(1)

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = next((value for name, value in scope["headers"] if name == REQUEST_ID), b"").decode("latin-1")
        request_id = incoming[:64] if incoming.isprintable() and incoming else f"{prefix}{next(numbers):016x}"
        echoed = (REQUEST_ID, request_id.encode("latin-1"))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await app(scope, receive, send_with_id)
            finally:
                access_log.info(
                    "request",
                    method=scope.get("method"),
                    path=scope["path"],
                    status=status,
                    ms=round((time.perf_counter() - started) * 1000, 1),
                )

    return middleware
