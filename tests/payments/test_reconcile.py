"""A missed webhook is repaired by asking Stripe: in the app, by the CLI, from several processes at once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.db import make_engine
from events_app.payments import service
from events_app.payments.models import PaymentStatus
from events_app.settings import Settings
from tests.conftest import LiveServer
from tests.payments.conftest import PURPOSE_APP, PayByCard, wait_for
from tests.payments.purpose import calls
from tests.stripe_harness import LocalStripe

# The CLI in its own process, with the test purpose registered first (as the app registers real ones).
CLI = (
    "import sys; from tests.payments.purpose import register; register(); "
    "from events_app.cli import main; main(sys.argv[1:])"
)


def cli_env(settings: Settings, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "EVENTS_DATABASE_URL": settings.database_url,
        "EVENTS_SECRET_KEY": settings.secret_key,
        "EVENTS_VAR_DIR": str(settings.var_dir),
        "EVENTS_LOG_LEVEL": "WARNING",
        **extra,
    }


async def run_cli(settings: Settings, extra_env: dict[str, str], *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLI,
        *args,
        env=cli_env(settings, extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_reconcile_repairs_a_missed_webhook(
    db: AsyncSession, localstripe: LocalStripe, stripe_settings: Settings, pay_by_card: PayByCard
) -> None:
    started = await pay_by_card(localstripe.card())  # webhooks go nowhere in this test
    engine = make_engine(stripe_settings.database_url)
    try:
        first = await service.reconcile(engine, stripe_settings)
        second = await service.reconcile(engine, stripe_settings)
    finally:
        await engine.dispose()

    assert (first.checked, first.changed) == (1, 1)
    assert second.checked == 0  # nothing is left unfinished
    await db.refresh(started.payment)
    assert started.payment.status == PaymentStatus.PAID
    assert await calls(db, "ticket.paid") == 1


async def test_the_reconcile_command_repairs_a_missed_webhook(
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    stripe_env: dict[str, str],
    pay_by_card: PayByCard,
) -> None:
    started = await pay_by_card(localstripe.card())

    output = await run_cli(stripe_settings, stripe_env, "payments", "reconcile")

    assert "Checked 1 payment(s) with Stripe; 1 changed." in output
    await db.refresh(started.payment)
    assert started.payment.status == PaymentStatus.PAID
    assert await calls(db, "ticket.paid") == 1


async def test_the_reconcile_command_in_invoice_only_mode_says_so(settings: Settings) -> None:
    output = await run_cli(settings, {"EVENTS_STRIPE_SECRET_KEY": ""}, "payments", "reconcile")

    assert "Card payments are not configured" in output


@pytest.mark.postgres_only
async def test_two_processes_reconciling_at_once_pay_each_payment_once(
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_settings: Settings,
    stripe_env: dict[str, str],
    pay_by_card: PayByCard,
) -> None:
    payments = [(await pay_by_card(localstripe.card())).payment for _ in range(8)]

    outputs = await asyncio.gather(*(run_cli(stripe_settings, stripe_env, "payments", "reconcile") for _ in range(2)))

    checked = [int(out.split("Checked ")[1].split(" ")[0]) for out in outputs]
    assert sum(checked) == 8  # each payment was claimed by exactly one process
    for payment in payments:
        await db.refresh(payment)
        assert payment.status == PaymentStatus.PAID
    assert await calls(db, "ticket.paid") == 8


async def test_the_app_reconciles_by_itself_every_interval(
    db: AsyncSession,
    localstripe: LocalStripe,
    stripe_env: dict[str, str],
    live_servers: Callable[..., list[LiveServer]],
    pay_by_card: PayByCard,
) -> None:
    live_servers(1, app=PURPOSE_APP, **{**stripe_env, "EVENTS_PAYMENTS_RECONCILE_INTERVAL_S": "1"})

    started = await pay_by_card(localstripe.card())  # its webhook goes nowhere

    await wait_for(db, started.payment, lambda p: p.status == PaymentStatus.PAID)
    assert await calls(db, "ticket.paid") == 1
