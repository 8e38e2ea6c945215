"""The test world: a migrated database (SQLite, or PostgreSQL from ``EVENTS_TEST_DATABASE_URL``),
an app, and helpers that build users and tokens through the service layer.

Every test starts from empty tables: they are emptied after each test, which is much
faster than migrating a fresh database each time. The app is built once per distinct
settings and handed to each test as a fresh one would be (see ``app_for``): building it
registers some 680 handlers, seconds that every test paid before.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import socket
import subprocess
import sys
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller as SMTPController
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncSession

import events_app
from events_app.accounts import service as accounts
from events_app.accounts.models import Role
from events_app.app import create_app
from events_app.conferences.cache import CHANNEL as CACHE_CHANNEL
from events_app.core import clock as service_clock
from events_app.core.logging import configure_logging
from events_app.db import make_engine, make_session_maker
from events_app.migrate import upgrade_database
from events_app.models import Base
from events_app.settings import Settings
from events_app.wiring import connect_domains

# Shared fixtures for every folder: the Stripe emulator and Debian's chromium.
pytest_plugins = ["tests.stripe_harness", "tests.browser_harness"]

TEST_SECRET = "test-secret-key-that-is-long-enough-for-signing-0123456789"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("EVENTS_TEST_DATABASE_URL", "").startswith("postgresql"):
        skip = pytest.mark.skip(reason="races across connections mean something only on PostgreSQL")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _domains_connected() -> None:
    """Services called without an app still find each other's hooks (payment purposes, badge mail)."""
    connect_domains()


@pytest.fixture(scope="session", autouse=True)
def _passwords_hashed_once() -> Iterator[None]:
    """Each password is hashed once in the session: a hash costs some 0.2 s of CPU, and the tests'
    users share a few passwords (``make_caller`` numbers them from 0 in each test). Only the salt
    is shared; signing in still verifies the real hash, with the real cost."""
    made: dict[str, str] = {}
    real = accounts.hash_password

    async def hash_once(password: str) -> str:
        if password not in made:
            made[password] = await real(password)
        return made[password]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "hash_password", hash_once)
        yield


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The suite's database, migrated once from empty: the migrations are under test too."""
    url = os.environ.get("EVENTS_TEST_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db')}/events-test.sqlite3"
    )
    upgrade_database(url)
    return url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the session, so every test's settings are equal and share one app."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture
def settings(database_url: str, var_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url="http://testserver.local",
        var_dir=var_dir,
        log_level="WARNING",
        outbox_interval_seconds=0,  # tests deliver mail by calling deliver_outbox themselves
    )


async def empty_all_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    # DELETE, children first, on PostgreSQL too: a test leaves a few rows, and TRUNCATE's fixed
    # cost per table (new files, an exclusive lock) made it ten times slower than DELETE there.
    async with engine.begin() as connection:
        for table in tables:
            await connection.execute(text(f"DELETE FROM {table}"))
    await engine.dispose()


@pytest.fixture(autouse=True)
async def _clean_database(database_url: str) -> AsyncIterator[None]:
    yield
    await empty_all_tables(database_url)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session for building the world through services; commit what the app should see."""
    engine = make_engine(settings.database_url)
    async with make_session_maker(engine)() as session:
        yield session
    await engine.dispose()


# A transaction that inserted into the table is refused at COMMIT, as a real database may refuse
# one: PostgreSQL by a deferred constraint trigger failing as a serialization failure would,
# SQLite by a deferred foreign key left dangling (checked only at COMMIT).
_REFUSE_ON = {
    "postgresql": (
        [
            "CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'refused at commit' USING ERRCODE = 'serialization_failure'; END $$",
            "CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON {table} DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW EXECUTE FUNCTION refuse_commit()",
        ],
        ["DROP TRIGGER refuse_commit ON {table}", "DROP FUNCTION refuse_commit()"],
        "write-conflict",
    ),
    "sqlite": (
        [
            "CREATE TABLE refusal_parents (id INTEGER PRIMARY KEY)",
            "CREATE TABLE refusals (parent_id INTEGER REFERENCES refusal_parents (id) DEFERRABLE INITIALLY DEFERRED)",
            "CREATE TRIGGER refuse_commit AFTER INSERT ON {table} BEGIN INSERT INTO refusals VALUES (1); END",
        ],
        ["DROP TRIGGER refuse_commit", "DROP TABLE refusals", "DROP TABLE refusal_parents"],
        "conflict",
    ),
}


@dataclass(frozen=True)
class CommitRefusal:
    """While active, the database refuses the COMMIT of any transaction that inserted into ``table``."""

    table: str
    code: str  # the problem code the refused write is answered with
    database_url: str

    async def rows(self) -> int:
        engine = make_engine(self.database_url)
        async with engine.connect() as connection:
            count = int((await connection.execute(text(f"SELECT count(*) FROM {self.table}"))).scalar_one())
        await engine.dispose()
        return count


RefuseCommits = Callable[[str], Any]


@pytest.fixture
async def refuse_commits(database_url: str) -> AsyncIterator[RefuseCommits]:
    """``await refuse_commits("registration_orders")``: each later COMMIT inserting there fails (until the end)."""
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    install, remove, code = _REFUSE_ON[dialect]
    active: list[str] = []

    async def _run(statements: list[str], table: str) -> None:
        engine = make_engine(database_url)
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement.format(table=table)))
        await engine.dispose()

    async def refuse(table: str, *, drop_connection: bool = False) -> CommitRefusal:
        """``drop_connection`` (PostgreSQL): the connection is cut at COMMIT instead, as a failover would."""
        statements = install
        if drop_connection:
            statements = [
                install[0].replace(
                    "RAISE EXCEPTION", "PERFORM pg_terminate_backend(pg_backend_pid()); RAISE EXCEPTION"
                ),
                *install[1:],
            ]
        await _run(statements, table)
        active.append(table)
        return CommitRefusal(
            table=table, code="database-unavailable" if drop_connection else code, database_url=database_url
        )

    yield refuse
    for table in active:
        await _run(remove, table)


class Statements(list[str]):
    """The SQL statements every engine of this process sent, in order: the round trips a request costs.

    ``await statements.settle()`` after the test's own writes, a first request to warm the caches, then
    ``statements.clear()``, the request, and ``assert len(statements) <= N, statements.listing``.
    Counting is deterministic where wall-clock is not; the bench measures time.
    """

    def __init__(self, app: Litestar) -> None:
        super().__init__()
        self.app = app
        # The isolation level each ran under: "AUTOCOMMIT" is outside a transaction, so without asyncpg's
        # BEGIN and the COMMIT or ROLLBACK, round trips this list cannot see.
        self.isolation: list[str | None] = []

    def clear(self) -> None:
        super().clear()
        self.isolation.clear()

    @property
    def listing(self) -> str:
        return "\n".join(f"{n}. {sql}" for n, sql in enumerate(self, 1))

    async def settle(self) -> None:
        """Returns once the app's conference cache has heard of every change committed so far.

        On PostgreSQL the news of a commit (its NOTIFY) reaches the cache a moment later, and may
        empty a copy that a warming request read after the commit. Notices arrive in commit order,
        so once one sent now has emptied the cache, every earlier one has.
        """
        cache = self.app.state.conference_cache
        if self.app.state.db_engine.dialect.name == "postgresql":
            await _cache_listening(self.app)
            seen = cache.generation
            # An engine of this loop's own: the app's connections belong to the test client's loop.
            engine = make_engine(self.app.state.settings.database_url)
            async with engine.begin() as connection:
                await connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CACHE_CHANNEL})
            await engine.dispose()
            async with asyncio.timeout(10):
                while cache.generation == seen:  # noqa: ASYNC110 (see _cache_listening)
                    await asyncio.sleep(0.01)


@pytest.fixture
def statements(app: Litestar) -> Iterator[Statements]:
    seen = Statements(app)

    def count(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        # SQLite's writers begin with an explicit BEGIN IMMEDIATE; asyncpg begins without a
        # statement of its own. Counting it would make the same request cost one more on SQLite.
        if statement != "BEGIN IMMEDIATE":
            seen.append(" ".join(statement.split())[:300])
            seen.isolation.append(connection.get_execution_options().get("isolation_level"))

    # Every engine, because the app builds its own from the settings.
    event.listen(Engine, "before_cursor_execute", count)
    yield seen
    event.remove(Engine, "before_cursor_execute", count)


# Apps kept for reuse, by their settings; a test with settings of its own (a port, a key) builds one more.
_APPS_KEPT = 8
_apps: OrderedDict[Settings, Litestar] = OrderedDict()


def app_for(settings: Settings) -> Litestar:
    """The app for ``settings``, built at its first use in the session, as a fresh one would start.

    Everything an app keeps between requests is in the database (emptied after each test)
    except what is reset here: the conference cache, and the logging set-up that building
    the app does (a test may have configured another). Its engine's connections belong to
    the test's event loop and are closed after it (``make_app``). Lifespan work (the
    PostgreSQL listener, background rounds, live channels) starts and stops with each client.
    """
    app = _apps.pop(settings, None)
    if app is None:
        app = create_app(settings)
    _apps[settings] = app  # the most recently used are kept
    while len(_apps) > _APPS_KEPT:
        _apps.popitem(last=False)
    configure_logging(level=settings.log_level, json=settings.log_json)
    app.state.conference_cache.invalidate()
    return app


MakeApp = Callable[[Settings], Litestar]


@pytest.fixture
async def make_app() -> AsyncIterator[MakeApp]:
    """``make_app(settings)``: the app for other settings than the test's (see ``app_for``)."""
    handed: list[Litestar] = []

    def make(settings: Settings) -> Litestar:
        app = app_for(settings)
        handed.append(app)
        return app

    yield make
    # A pooled connection is bound to this test's event loop, which ends with the test.
    for app in handed:
        await app.state.db_engine.dispose()


@pytest.fixture
def app(make_app: MakeApp, settings: Settings) -> Litestar:
    return make_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        await _cache_listening(app)
        yield test_client


async def _cache_listening(app: Litestar) -> None:
    """On PostgreSQL the conference cache is used only once its listener has connected, as in a
    running server; a test's first request would otherwise read what it later finds kept (and a
    test counting statements would count a read the server does not make)."""
    cache = app.state.conference_cache
    if app.state.db_engine.dialect.name != "postgresql":
        return
    async with asyncio.timeout(10):
        # Polled: the cache outlives each test's event loop, and an asyncio.Event would bind to one.
        while not cache.live:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@dataclass(frozen=True)
class Caller:
    """A signed-in user and a bearer token of theirs, ready for ``headers=``."""

    user_id: Any
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeCaller = Callable[..., Any]


@pytest.fixture
def make_caller(db: AsyncSession) -> MakeCaller:
    """``await make_caller(Role.STAFF, conference_id=...)`` -> a committed user with a token."""
    counter = iter(range(1_000_000))

    async def make(role: Role, *, conference_id: Any = None, token_role: Role | None = None) -> Caller:
        n = next(counter)
        email, password = f"{role}{n}@example.test", f"password-{role}-{n}"
        user = await accounts.create_user(db, email=email, name=f"{role.title()} {n}", password=password, role=role)
        issued = await accounts.issue_token(
            db, user_id=user.id, name="test", role=token_role, conference_id=conference_id
        )
        await db.commit()
        return Caller(user_id=user.id, email=email, password=password, token=issued.secret)

    return make


@pytest.fixture
async def organizer(make_caller: MakeCaller) -> Caller:
    caller: Caller = await make_caller(Role.ORGANIZER)
    return caller


@pytest.fixture
async def staff(make_caller: MakeCaller) -> Caller:
    caller: Caller = await make_caller(Role.STAFF)
    return caller


@pytest.fixture
async def partner(make_caller: MakeCaller) -> Caller:
    caller: Caller = await make_caller(Role.PARTNER)
    return caller


_real_now = service_clock.now


@cache
def _modules_reading_the_clock() -> tuple[ModuleType, ...]:
    # The entry points and migrations do work on import, and no rule of theirs reads the clock.
    skipped = ("events_app.migrations", "events_app.asgi", "events_app.__main__")
    names = (
        found.name
        for found in pkgutil.walk_packages(events_app.__path__, "events_app.")
        if not found.name.startswith(skipped)
    )
    modules = map(importlib.import_module, names)
    return tuple(module for module in modules if getattr(module, "now", None) is service_clock.now)


class Clock:
    """The service's idea of "now", moved as if the time had passed: in every module that reads the clock."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        for module in _modules_reading_the_clock():
            monkeypatch.setattr(module, "now", self.now)

    def now(self) -> datetime:
        return _real_now() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def free_port() -> int:
    """A port nobody listens on, for "the server is down" cases; servers get ``listening_socket()``."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def listening_socket() -> socket.socket:
    """A loopback socket already bound and listening, to hand to a server.

    The SQLite and PostgreSQL runs go side by side: a port guessed free and bound later can
    be taken in between, a socket bound here cannot.
    """
    sock = socket.socket()
    # uvicorn takes a socket handed by --fd as a Unix one, so asyncio leaves Nagle's algorithm on for the
    # connections it accepts: every answer written in two parts then waited ~40 ms for the client's
    # delayed ACK. Connections accepted from this socket inherit the option (Linux).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@dataclass
class LiveServer:
    """The app served by uvicorn in its own process, as in production."""

    url: str
    process: subprocess.Popen[bytes]
    sock: socket.socket


SERVER_START_SECONDS = 90


def _start_server(settings: Settings, extra_env: dict[str, str], app: str = "events_app.asgi:app") -> LiveServer:
    sock = listening_socket()
    port = sock.getsockname()[1]
    env = {
        **os.environ,
        "EVENTS_DATABASE_URL": settings.database_url,
        "EVENTS_SECRET_KEY": settings.secret_key,
        "EVENTS_BASE_URL": f"http://127.0.0.1:{port}",
        "EVENTS_VAR_DIR": str(settings.var_dir),
        "EVENTS_LOG_LEVEL": "WARNING",
        **extra_env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--fd", str(sock.fileno()), "--log-level", "warning"],
        env=env,
        pass_fds=(sock.fileno(),),
    )
    url = f"http://127.0.0.1:{port}"
    # Importing the app takes about a second on a quiet machine; a loaded CI runner can take thirty.
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sock.close()
            raise RuntimeError(f"the app process exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return LiveServer(url=url, process=process, sock=sock)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    process.wait()
    sock.close()
    raise RuntimeError(f"the app process did not answer /health within {SERVER_START_SECONDS} s")


@pytest.fixture
def live_servers(settings: Settings) -> Iterator[Callable[..., list[LiveServer]]]:
    """``live_servers(2)`` starts two app processes on the test database (for races and webhooks)."""
    started: list[LiveServer] = []

    def start(count: int = 1, *, app: str = "events_app.asgi:app", **extra_env: str) -> list[LiveServer]:
        """``app`` names another ASGI module, e.g. one that registers a test-only payment purpose first."""
        servers = [_start_server(settings, extra_env, app) for _ in range(count)]
        started.extend(servers)
        return servers

    yield start
    for server in started:
        server.process.terminate()
    for server in started:
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
        server.sock.close()


@asynccontextmanager
async def session_for(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A short-lived session on the test database, for reading back what a live server wrote."""
    engine = make_engine(settings.database_url)
    try:
        async with make_session_maker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


@dataclass
class MailBox:
    """What an SMTP server running in the test received, as parsed messages."""

    host: str
    port: int
    messages: list[EmailMessage]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]


class _SMTPOnSocket(SMTPController):
    """aiosmtpd's threaded server on a socket bound beforehand (see ``listening_socket``)."""

    def __init__(self, handler: Any, sock: socket.socket) -> None:
        host, port = sock.getsockname()
        super().__init__(handler, hostname=host, port=port)
        self.sock = sock

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self.sock)


@pytest.fixture
def smtp_server() -> Iterator[MailBox]:
    """A real ``aiosmtpd`` server on its own loopback socket."""
    sock = listening_socket()
    box = MailBox(host="127.0.0.1", port=sock.getsockname()[1], messages=[])

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.messages.append(message_from_bytes(envelope.content, policy=email_policy.default))  # type: ignore[arg-type]
            return "250 Message accepted for delivery"

    controller = _SMTPOnSocket(Handler(), sock)
    controller.start()
    yield box
    controller.stop()
    sock.close()


@pytest.fixture
def mail_settings(settings: Settings, smtp_server: MailBox) -> Settings:
    """Test settings that deliver mail to the test's SMTP server."""
    return replace(settings, smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_starttls=False)
