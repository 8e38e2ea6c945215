"""The application factory: plugins, routers, access rules and error handling in one place."""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from os import PathLike
from pathlib import Path
from typing import Any

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import RapidocRenderPlugin
from litestar.openapi.spec import Components, OpenAPIMediaType, OpenAPIResponse, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from events_app.accounts.access import (
    PUBLIC,
    PrincipalMiddleware,
    declared_access,
    enforce_access,
    provide_actor,
    provide_principal,
)
from events_app.accounts.controllers import AccountController
from events_app.accounts.pages import LoginPages
from events_app.accounts.service import TokenUses
from events_app.accounts.web_sessions import STORE_NAME as SESSION_STORE
from events_app.accounts.web_sessions import DatabaseStore, WebSessionConfig
from events_app.audit.controllers import AuditController
from events_app.backoffice.audit_log import AssociationAudit, ConferenceAudit
from events_app.backoffice.billing import AssociationBilling, ConferenceBilling
from events_app.backoffice.checkin import CheckinOffice, StaffHome, StationSetUp
from events_app.backoffice.cities import CityImportOffice
from events_app.backoffice.conference_setup import ConferenceDetails, NewConference
from events_app.backoffice.expo import ExpoOffice
from events_app.backoffice.pages import CityOffice, ConferenceOffice, OfficeHome, office_static
from events_app.backoffice.partners import PartnerProgramOffice
from events_app.backoffice.people import PeopleOffice
from events_app.backoffice.program import ProgramOffice
from events_app.backoffice.program_schedule import ScheduleOffice
from events_app.backoffice.program_speakers import SpeakerOffice
from events_app.backoffice.registration import RegistrationOffice
from events_app.checkin.controllers import BadgeImages, checkin_router
from events_app.checkin.live import channels_plugin
from events_app.checkin.pages import CheckinPages, checkin_static
from events_app.conferences.cache import cache_for, watch_conference_writes
from events_app.conferences.controllers import AssociationController, ConferenceController
from events_app.conferences.dependencies import provide_conference
from events_app.conferences.pages import ConferencePages
from events_app.core import litestar_patches
from events_app.core.edge import RequestScreen, decode_strictly
from events_app.core.errors import PROBLEM_MEDIA_TYPE, exception_handlers, problem_schema
from events_app.core.head import answer_head_as_get
from events_app.core.health import health
from events_app.core.logging import configure_logging, request_id_middleware
from events_app.core.rounds import rounds_lifespan
from events_app.core.security_headers import security_headers_middleware
from events_app.db import RequestSessions, make_engine, make_session_maker
from events_app.expo.controllers import PartnerProgramController
from events_app.expo.controllers import expo_router as ExpoController
from events_app.expo.pages import ExpoPages
from events_app.openapi import StructAsArray, WallClockTime, document_operations
from events_app.payments.controllers import PaymentController, StripeWebhookController
from events_app.payments.pages import InvoicePages
from events_app.proposals.controllers import ProposalController
from events_app.proposals.office_pages import ReviewPages
from events_app.proposals.pages import CallPages
from events_app.registration.controllers import RegistrationController
from events_app.registration.pages import RegistrationPages
from events_app.sessions.agenda_controllers import AgendaController
from events_app.sessions.agenda_pages import AgendaPages
from events_app.sessions.controllers import ProgramController
from events_app.sessions.feed_pages import FeedPages
from events_app.sessions.pages import ProgramPages
from events_app.sessions.polls import answer_feed_polls
from events_app.sessions.schedule_controllers import ScheduleController
from events_app.settings import Settings, get_settings
from events_app.web import STATIC_DIR, TEMPLATES_DIR
from events_app.web.favicon import favicon
from events_app.web.filters import FILTERS
from events_app.wiring import background_rounds, connect_domains

PACKAGE_DIR = TEMPLATES_DIR.parent.parent

# Each domain adds its controllers and pages here; the access check below covers them all.
ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    health,
    favicon,
    AccountController,
    LoginPages,
    AuditController,
    ConferenceController,
    AssociationController,
    ConferencePages,
    PartnerProgramController,
    ExpoController,
    ExpoPages,
    PaymentController,
    StripeWebhookController,
    InvoicePages,
    RegistrationController,
    RegistrationPages,
    ProgramController,
    ScheduleController,
    AgendaController,
    ProgramPages,
    ProposalController,
    CallPages,
    ReviewPages,
    FeedPages,
    AgendaPages,
    checkin_router,
    BadgeImages,
    CheckinPages,
    checkin_static,
    OfficeHome,
    NewConference,
    ConferenceOffice,
    ConferenceDetails,
    CityOffice,
    ProgramOffice,
    ScheduleOffice,
    SpeakerOffice,
    RegistrationOffice,
    AssociationBilling,
    ConferenceBilling,
    CityImportOffice,
    AssociationAudit,
    ConferenceAudit,
    PeopleOffice,
    office_static,
    CheckinOffice,
    StationSetUp,
    StaffHome,
    ExpoOffice,
    PartnerProgramOffice,
]

# Paths without a session cookie or CSRF check: the bearer-token API and the probes.
STATELESS_PATHS = ["^/api/", "^/health$", "^/static/", "^/schema", "^/favicon.ico$"]
# Calendar feeds hand out no CSRF cookie either: proxies keep no answer that sets one. A signed-in
# organizer's session still reaches them, to preview a draft's feed.
NO_CSRF_COOKIE_PATHS = [*STATELESS_PATHS, r"\.ics$"]


def _template_dirs() -> list[Path | PathLike[Any] | str]:
    return [
        TEMPLATES_DIR,
        *(p for p in sorted(PACKAGE_DIR.glob("*/templates")) if p != TEMPLATES_DIR),
    ]


def _register_filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters.update(FILTERS)


def _check_every_route_declares_access(app: Litestar) -> None:
    missing = [
        f"{sorted(route.methods)} {route.path}"
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if declared_access(handler) is None
    ]
    if missing:
        raise RuntimeError(f"Routes without an access rule: {', '.join(missing)}")


def _needs(handler: BaseRouteHandler) -> set[str]:
    """The names a handler takes, with those its dependencies take in turn."""
    providers = handler.resolve_dependencies()
    needed: set[str] = set()
    todo = list(handler.parsed_fn_signature.parameters)
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        if (provider := providers.get(name)) is not None:
            todo.extend(inspect.signature(provider.dependency).parameters)
    return needed


def _check_every_conference_route_resolves_it_once(app: Litestar) -> None:
    """A route under a ``{slug}`` takes the ``conference`` dependency, so the draft and token rules hold there."""
    by_hand = [
        f"{sorted(route.methods)} {route.path}"
        for route in app.routes
        if "{slug:" in route.path
        for handler in getattr(route, "route_handlers", [])
        if getattr(handler, "http_methods", None) != {"OPTIONS"}
        and ("conference" not in _needs(handler) or "slug" in handler.parsed_fn_signature.parameters)
    ]
    if by_hand:
        raise RuntimeError(f"Routes that find their conference by hand: {', '.join(by_hand)}")


def create_app(settings: Settings | None = None) -> Litestar:
    """Builds the service for ``settings`` (default: the ``EVENTS_*`` environment)."""
    settings = settings or get_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    engine = make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        pool_timeout=settings.database_pool_timeout_seconds,
    )
    request_sessions = RequestSessions(make_session_maker(engine), engine)
    conference_cache = cache_for(engine)
    token_uses = TokenUses()
    watch_conference_writes()

    connect_domains()
    litestar_patches.install()

    @asynccontextmanager
    async def dispose_engine(_app: Litestar) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await engine.dispose()

    app = Litestar(
        route_handlers=[
            *ROUTE_HANDLERS,
            create_static_files_router(path="/static", directories=[STATIC_DIR], opt=PUBLIC),
        ],
        plugins=[channels_plugin(settings), WallClockTime(), StructAsArray()],
        stores={SESSION_STORE: DatabaseStore(engine)},
        guards=[enforce_access],
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "actor": Provide(provide_actor, sync_to_thread=False),
            "conference": Provide(provide_conference),
            "db_session": Provide(request_sessions.provide),
            "db_engine": Provide(lambda: engine, use_cache=True, sync_to_thread=False),
            "conference_cache": Provide(lambda: conference_cache, use_cache=True, sync_to_thread=False),
        },
        middleware=[
            request_id_middleware,
            security_headers_middleware(settings),
            # Ahead of the web session and the request's database session: a current poll needs neither.
            answer_feed_polls(conference_cache, settings),
            WebSessionConfig(
                store=SESSION_STORE,
                secure=settings.cookie_secure,
                samesite="lax",
                exclude=STATELESS_PATHS,
                max_age=12 * 3600,
            ).middleware,
            RequestScreen(),
            # Inside the session middleware: the request's transaction ends before a browser's session is saved.
            request_sessions.middleware,
            DefineMiddleware(PrincipalMiddleware, exclude=["^/static/", "^/schema"]),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key, cookie_secure=settings.cookie_secure, exclude=NO_CSRF_COOKIE_PATHS
        ),
        template_config=TemplateConfig(
            directory=_template_dirs(), engine=JinjaTemplateEngine, engine_callback=_register_filters
        ),
        openapi_config=OpenAPIConfig(
            title="Events service API",
            version="0.1.0",
            description="Registration, program, expo, check-in and calendar feeds of the association's events.",
            use_handler_docstrings=True,
            # Served from the package: a venue without internet still has its API docs.
            render_plugins=[
                RapidocRenderPlugin(js_url="/static/vendor/rapidoc-min.js", favicon='<link rel="icon" href="data:,">')
            ],
            openapi_router=Router(path="/schema", route_handlers=[], opt=PUBLIC, include_in_schema=False),
            components=Components(
                # A shared response, not a bare schema: Litestar keeps only schemas that a route names.
                responses={
                    "Problem": OpenAPIResponse(
                        description="A refusal; its `code` says which.",
                        content={PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=problem_schema())},
                    )
                },
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", description="API token")},
            ),
            security=[{"bearer": []}],
        ),
        before_request=decode_strictly,
        exception_handlers=exception_handlers,
        lifespan=[
            dispose_engine,
            lambda _app: conference_cache.listening(),
            rounds_lifespan(background_rounds(engine, settings, token_uses)),
        ],
        state=State(
            {
                "settings": settings,
                "db_engine": engine,
                "request_sessions": request_sessions,
                "conference_cache": conference_cache,
                "token_uses": token_uses,
            }
        ),
        debug=False,
    )
    app.asgi_handler = answer_head_as_get(app.asgi_handler)
    _check_every_route_declares_access(app)
    _check_every_conference_route_resolves_it_once(app)
    document_operations(app)
    return app
