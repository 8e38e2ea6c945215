"""Domain errors and their one translation into RFC 9457 problem details.

Services raise a ``DomainError`` subclass and never think about HTTP::

    DomainError
    ├── NotFound     404  the thing asked for does not exist (or is not yours to see)
    ├── Invalid      422  the request is well-formed but breaks a rule
    ├── Conflict     409  the request clashes with the current state (sold out, taken)
    ├── NotAllowed   403  the caller may not do this
    ├── TooMany      429  too many attempts for now; ``retry_after`` seconds says when to try again
    └── Unavailable  503  a part the service needs is down

The database's refusals are answered by what they mean: a clash or a lost race is 409, a
lock wait or pool wait that ran out is 503 ``database-busy`` and an unreachable database
503 ``database-unavailable``, both with ``Retry-After``. A refused COMMIT is one of these,
never the success the handler had chosen (see ``events_app.db.RequestSessions``).

Each domain draws its refusals once, in its own ``errors.py``: one class per stable
machine-readable ``code``, so a code always answers with the same status. The classes
register themselves in ``PROBLEM_CODES``, which the OpenAPI document lists. Handlers below
also turn framework and database exceptions into the same shape, so a client never sees a
stack trace.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from events_app.core.text import slugify

log = structlog.get_logger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

# Every code a domain can answer with, and its class (which fixes the status): filled as the
# domains' errors modules are imported.
PROBLEM_CODES: dict[str, type[DomainError]] = {}


class DomainError(Exception):
    """A rule of the service refused the request."""

    status: ClassVar[HTTPStatus] = HTTPStatus.BAD_REQUEST
    code: str = "bad-request"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__ == __name__:
            return  # the kinds below are families, not refusals a client meets by name
        known = PROBLEM_CODES.get(cls.code)
        if known is not None and known is not cls:
            raise TypeError(f"Problem code {cls.code!r} is drawn twice: {known.__module__} and {cls.__module__}.")
        PROBLEM_CODES[cls.code] = cls

    def __init__(self, detail: str, **extra: Any) -> None:
        if "code" in extra:
            raise TypeError("A refusal's code is its class's: draw a class in the domain's errors module.")
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = HTTPStatus.NOT_FOUND
    code = "not-found"


class Invalid(DomainError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "invalid"


class Conflict(DomainError):
    status = HTTPStatus.CONFLICT
    code = "conflict"


class NotAllowed(DomainError):
    status = HTTPStatus.FORBIDDEN
    code = "forbidden"


class TooMany(DomainError):
    status = HTTPStatus.TOO_MANY_REQUESTS
    code = "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class Unavailable(DomainError):
    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "unavailable"


def problem(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> Response[dict[str, Any]]:
    """A problem-details response; ``code`` is both the ``type`` URN's tail and a member of its own."""
    body: dict[str, Any] = {
        "type": f"urn:events-app:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _wants_page(request: Request[Any, Any, Any]) -> bool:
    """People browsing pages get an HTML error page; API clients and scripts get problem+json."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _page_or_problem(
    request: Request[Any, Any, Any], status: int, code: str, detail: str, **extra: Any
) -> Response[Any]:
    if _wants_page(request):
        if status == HTTPStatus.UNAUTHORIZED:
            return Redirect(path=f"/login?next={request.url.path}")
        return Template(
            template_name="error.html",
            # The header says who is signed in, as on every other page (the sign-in middleware's "user").
            context={
                "status": status,
                "title": HTTPStatus(status).phrase,
                "detail": detail,
                "principal": request.scope.get("user"),
            },
            status_code=status,
            media_type=MediaType.HTML,
        )
    headers = {"WWW-Authenticate": "Bearer"} if status == HTTPStatus.UNAUTHORIZED else None
    return problem(status, code, detail, headers=headers, **extra)


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    response = _page_or_problem(request, exc.status, exc.code, exc.detail, **exc.extra)
    if isinstance(exc, TooMany):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = [
        {"field": item.get("key"), "source": item.get("source"), "message": item.get("message")}
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]
    if errors:
        fields = ", ".join(str(e["field"]) for e in errors if e["field"]) or "the request body"
        detail = f"Some of what was sent is not valid: {fields}."
        return _page_or_problem(request, 400, "validation-failed", detail, errors=errors)
    return _page_or_problem(request, 400, "bad-request", exc.detail or "The request could not be read.")


_HTTP_DETAILS = {
    401: "Sign in or send a valid API token to use this.",
    403: "Your account or token may not do this.",
    404: "Nothing was found at this address.",
    405: "This address does not accept that method.",
}


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    generic = exc.detail == HTTPStatus(status).phrase or not exc.detail
    detail = _HTTP_DETAILS.get(status, exc.detail) if generic else exc.detail
    code = "not-authenticated" if isinstance(exc, NotAuthorizedException) else slugify(HTTPStatus(status).phrase)
    if status >= 500:
        log.error("http_error", status=status, detail=exc.detail)
        detail = "The service could not answer. Please try again shortly."
    response = _page_or_problem(request, status, code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


# PostgreSQL's SQLSTATEs for a transaction that lost to a concurrent one (serialization
# failure, deadlock), and for a wait on a lock or statement that ran out (lock_timeout,
# statement_timeout).
_LOST_RACE_STATES = frozenset({"40001", "40P01"})
_WAIT_RAN_OUT_STATES = frozenset({"55P03", "57014"})
_SQLITE_LOCKED = ("database is locked", "database table is locked")
# What a client is told to wait before trying a busy database again, and an unreachable one.
BUSY_RETRY_AFTER_SECONDS = 2
DOWN_RETRY_AFTER_SECONDS = 10


def database_is_busy(exc: DBAPIError) -> bool:
    """The database is there but a wait ran out: SQLite's busy timeout, PostgreSQL's lock or statement timeout."""
    if getattr(exc.orig, "sqlstate", None) in _WAIT_RAN_OUT_STATES:
        return True
    message = str(exc.orig)
    return isinstance(exc, OperationalError) and any(lock in message for lock in _SQLITE_LOCKED)


def _with_retry_after(response: Response[Any], seconds: int) -> Response[Any]:
    response.headers["Retry-After"] = str(seconds)
    return response


def _database_busy(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.warning("database_busy", error=str(exc))
    detail = "The service is busy and nothing of this request was saved. Please try again in a moment."
    return _with_retry_after(_page_or_problem(request, 503, "database-busy", detail), BUSY_RETRY_AFTER_SECONDS)


def _database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    """A statement or COMMIT the database refused: which of conflict, busy or down it means."""
    if isinstance(exc, IntegrityError):
        log.info("integrity_error", error=str(exc.orig))
        return _page_or_problem(request, 409, "conflict", "This clashes with something that already exists.")
    if getattr(exc.orig, "sqlstate", None) in _LOST_RACE_STATES:
        log.info("write_conflict", error=str(exc.orig))
        detail = "Someone changed the same records at the same moment; nothing of this request was saved. Try again."
        return _page_or_problem(request, 409, "write-conflict", detail)
    if database_is_busy(exc):
        return _database_busy(request, exc)
    if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
        log.error("database_unavailable", error=str(exc))
        detail = "The database cannot be reached right now; this request may not have been saved."
        response = _page_or_problem(request, 503, "database-unavailable", detail)
        return _with_retry_after(response, DOWN_RETRY_AFTER_SECONDS)
    return _unexpected(request, exc)


def _connection_lost(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # asyncpg lets a refused or dropped connection through as a plain ConnectionError.
    log.error("connection_failed", error=str(exc))
    return _page_or_problem(request, 503, "service-unavailable", "A part of the service cannot be reached right now.")


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled_error", path=request.url.path)
    detail = "Something went wrong on our side. The error has been logged."
    return _page_or_problem(request, 500, "internal-error", detail)


# The codes the service answers with that no domain draws: the framework's refusals and the
# database's states, as the handlers above word them.
GENERAL_CODES: dict[str, tuple[int, str]] = {
    "bad-request": (400, "The request could not be read."),
    "validation-failed": (400, "A field is missing or of the wrong type; ``errors`` names each."),
    "not-authenticated": (401, "No valid session or API token was sent."),
    "forbidden": (403, "The caller's role or token may not do this."),
    "not-found": (404, "No route at this address."),
    "method-not-allowed": (405, "The address does not take this method."),
    "conflict": (409, "The write clashes with a record that already exists."),
    "write-conflict": (409, "A concurrent change to the same records won; nothing was saved. Try again."),
    "internal-error": (500, "A fault on our side; it was logged."),
    "database-busy": (503, "Every connection or the write lock is taken; nothing was saved. Retry after Retry-After."),
    "database-unavailable": (503, "The database cannot be reached."),
    "service-unavailable": (503, "A part the service needs cannot be reached."),
}


def problem_schema() -> Schema:
    """The OpenAPI ``Problem``: its fields, and every ``code`` with the one status it answers with."""
    documented = {code: (status, meaning) for code, (status, meaning) in GENERAL_CODES.items()}
    for code, kind in PROBLEM_CODES.items():
        documented[code] = (int(kind.status), " ".join((kind.__doc__ or "").split()))
    rows = "\n".join(f"| `{code}` | {status} | {meaning} |" for code, (status, meaning) in sorted(documented.items()))
    return Schema(
        type=OpenAPIType.OBJECT,
        title="Problem",
        description="An RFC 9457 problem. Each `code` always answers with the same status:\n\n"
        f"| code | status | meaning |\n|---|---|---|\n{rows}",
        properties={
            "type": Schema(type=OpenAPIType.STRING, description="`urn:events-app:problem:<code>`"),
            "title": Schema(type=OpenAPIType.STRING),
            "status": Schema(type=OpenAPIType.INTEGER),
            "detail": Schema(type=OpenAPIType.STRING, description="A sentence a person understands."),
            "code": Schema(type=OpenAPIType.STRING, enum=sorted(documented)),
        },
        required=["type", "title", "status", "detail", "code"],
    )


exception_handlers: ExceptionHandlersMap = {
    DomainError: _domain_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    DBAPIError: _database_error,
    PoolTimeout: _database_busy,
    ConnectionError: _connection_lost,
    Exception: _unexpected,
}
