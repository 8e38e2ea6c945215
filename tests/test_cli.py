"""The events-app command, as an operator runs it against the configured database."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role, User
from events_app.cli import main
from events_app.settings import Settings, get_settings


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("EVENTS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EVENTS_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("EVENTS_VAR_DIR", str(settings.var_dir))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


async def _invoke(cli: CliRunner, *args: str, input: str | None = None) -> str:
    # The command runs its own event loop, so it goes to a thread.
    result = await asyncio.to_thread(cli.invoke, main, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


async def test_first_organizer_is_created_and_can_issue_a_token(
    cli: CliRunner, db: AsyncSession, client: AsyncTestClient[Litestar]
) -> None:
    output = await _invoke(
        cli, "create-admin", "--email", "Director@League.test", "--name", "Dana Director",
        input="correct-horse-battery\ncorrect-horse-battery\n",
    )  # fmt: skip
    assert "Organizer director@league.test created." in output
    user = await db.scalar(select(User).where(User.email == "director@league.test"))
    assert user is not None
    assert user.role == Role.ORGANIZER

    token = (await _invoke(cli, "issue-token", "--email", "director@league.test", "--name", "import script")).strip()
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == "director@league.test"


async def test_create_admin_refuses_a_taken_email(cli: CliRunner) -> None:
    await _invoke(cli, "create-admin", "--email", "a@b.test", "--name", "A", "--password", "long-enough-pw")
    result = await asyncio.to_thread(
        cli.invoke, main, ["create-admin", "--email", "a@b.test", "--name", "A", "--password", "long-enough-pw"]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


async def test_seed_demo_prints_the_demo_sign_ins(cli: CliRunner) -> None:
    output = await _invoke(cli, "seed-demo")
    assert "organizer@demo.events.test" in output
    assert "demo-staff-pass" in output


async def test_serve_links_to_where_it_answers_when_no_address_is_configured(
    db: AsyncSession, settings: Settings
) -> None:
    from events_app.demo import seed_demo
    from tests.conftest import free_port

    await seed_demo(db)  # the program is released now, long before the port below is chosen
    await db.commit()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "EVENTS_BASE_URL"}
    env |= {"EVENTS_DATABASE_URL": settings.database_url, "EVENTS_SECRET_KEY": settings.secret_key,
            "EVENTS_VAR_DIR": str(settings.var_dir), "EVENTS_LOG_LEVEL": "WARNING"}  # fmt: skip
    command = [sys.executable, "-m", "events_app", "serve", "--port", str(port)]
    server = await asyncio.create_subprocess_exec(*command, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            for _ in range(300):
                try:
                    if (await client.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            feeds_page = (await client.get("/c/annual-2027/feeds/")).text
            feed = (await client.get("/c/annual-2027/feeds/program.ics")).text.replace("\r\n ", "")
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=10)
    assert f"webcal://127.0.0.1:{port}/c/annual-2027/feeds/program.ics" in feeds_page
    assert f"URL:{url}/c/annual-2027/program/sessions/" in feed
