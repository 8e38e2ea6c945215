"""The ``events-app`` command: serve, migrate, seed the demo, create the first organizer, issue tokens."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.settings import get_settings

T = TypeVar("T")


def _in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs ``work`` in one committed transaction on the configured database."""
    from events_app.db import make_engine, make_session_maker

    async def run() -> T:
        engine = make_engine(get_settings().database_url)
        try:
            async with make_session_maker(engine)() as db, db.begin():
                return await work(db)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@click.group()
def main() -> None:
    """Conference and event management service."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Processes; use several in production.")
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the app with uvicorn."""
    import uvicorn

    # Links in mails, pages and feeds point where the service answers; the workers inherit this.
    if not os.environ.get("EVENTS_BASE_URL"):
        wildcard = host in ("", "::") or host == "0.0.0.0"  # noqa: S104 (a comparison, not a bind)
        shown = socket.gethostname() if wildcard else host
        os.environ["EVENTS_BASE_URL"] = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
        get_settings.cache_clear()
    settings = get_settings()
    click.echo(f"Home page: {settings.base_url}/")
    click.echo(f"API docs:  {settings.base_url}/schema")
    uvicorn.run(
        "events_app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="warning",
        proxy_headers=True,
    )


@main.group()
def db() -> None:
    """Database migrations."""


@db.command()
@click.argument("revision", default="heads")
def upgrade(revision: str) -> None:
    """Apply migrations (default: all)."""
    from events_app.migrate import upgrade_database

    upgrade_database(get_settings().database_url, revision)
    click.echo(f"Database migrated to {revision}.")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Undo migrations down to REVISION (e.g. -1 or base)."""
    from events_app.migrate import downgrade_database

    downgrade_database(get_settings().database_url, revision)
    click.echo(f"Database downgraded to {revision}.")


@db.command()
@click.option("-m", "--message", required=True, help="What the migration changes.")
@click.option("--head", default="head", show_default=True, help="The revision to build on (a branch's head).")
def revision(message: str, head: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    from events_app.migrate import alembic_config

    command.revision(alembic_config(get_settings().database_url), message=message, autogenerate=True, head=head)


@main.command("seed-demo")
def seed_demo() -> None:
    """Add the demo conference, cities and sign-ins where missing (safe to run again)."""
    from events_app.accounts.seed import DEMO_LOGINS
    from events_app.demo import seed_demo as run_seed

    started = time.perf_counter()
    _in_session(run_seed)
    click.echo(f"Demo data in place ({time.perf_counter() - started:.1f} s). Demo sign-ins:")
    for role, email, _name, password in DEMO_LOGINS:
        click.echo(f"  {role:<10} {email:<32} {password}")


@main.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option(help="At least 10 characters; asked for when not given.")
def create_admin(email: str, name: str, password: str) -> None:
    """Create an organizer who can sign in and issue API tokens."""
    from events_app.accounts.models import Role
    from events_app.accounts.service import create_user
    from events_app.core.errors import DomainError

    async def work(db: AsyncSession) -> str:
        user = await create_user(db, email=email, name=name, password=password, role=Role.ORGANIZER)
        return user.email

    try:
        created = _in_session(work)
    except DomainError as exc:
        click.echo(f"Error: {exc.detail}", err=True)
        sys.exit(1)
    click.echo(f"Organizer {created} created.")


@main.command("issue-token")
@click.option("--email", required=True, help="The user the token acts for.")
@click.option("--name", required=True, help="What the token is for, e.g. 'Door 3 scanner'.")
@click.option("--role", type=click.Choice(["organizer", "staff", "partner"]), help="Default: the user's role.")
@click.option("--conference", "conference_slug", help="Limit the token to one conference (its slug).")
def issue_token(email: str, name: str, role: str | None, conference_slug: str | None) -> None:
    """Issue an API token and print it once."""
    from sqlalchemy import select

    from events_app.accounts.models import Role, User
    from events_app.accounts.service import issue_token as issue
    from events_app.conferences.service import find_conference
    from events_app.core.errors import DomainError

    async def work(db: AsyncSession) -> str:
        user = await db.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"No user has the email {email}.")
        conference_id = None
        if conference_slug:
            conference_id = (await find_conference(db, slug=conference_slug)).id
        issued = await issue(
            db, user_id=user.id, name=name, role=Role(role) if role else None, conference_id=conference_id
        )
        return issued.secret

    try:
        click.echo(_in_session(work))
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc


@main.group()
def payments() -> None:
    """Card and invoice payments."""


@payments.command("reconcile")
@click.option("--limit", default=200, show_default=True, type=int, help="At most this many payments per run.")
def reconcile_payments(limit: int) -> None:
    """Ask Stripe about unfinished card payments and pending refunds; repairs missed webhooks.

    Safe to run while app processes (which also do this periodically) are running.
    """
    from events_app.db import make_engine
    from events_app.payments.service import card_payments_enabled, reconcile
    from events_app.wiring import connect_domains

    connect_domains()  # reconciling may call each purpose's payment handler

    settings = get_settings()
    if not card_payments_enabled(settings):
        click.echo("Card payments are not configured (no EVENTS_STRIPE_SECRET_KEY): nothing to reconcile.")
        return

    async def run() -> tuple[int, int]:
        engine = make_engine(settings.database_url)
        try:
            report = await reconcile(engine, settings, limit=limit)
            return report.checked, report.changed
        finally:
            await engine.dispose()

    checked, changed = asyncio.run(run())
    click.echo(f"Checked {checked} payment(s) with Stripe; {changed} changed.")


@main.group("import")
def import_group() -> None:
    """Bulk imports; each is all or nothing."""


def _add_import_commands() -> None:
    from events_app.sessions.cli import import_program_command

    import_group.add_command(import_program_command)


_add_import_commands()


def _add_domain_commands() -> None:
    from events_app.checkin.cli import badges

    main.add_command(badges)


_add_domain_commands()
