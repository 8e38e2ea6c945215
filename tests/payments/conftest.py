"""The payments test world: a conference, the test purpose's handler, card payments on localstripe."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference, ConferenceStatus
from events_app.conferences.schemas import ConferenceIn
from events_app.conferences.service import create_conference
from events_app.payments import service
from events_app.payments.models import Payment
from events_app.settings import Settings
from tests.conftest import MakeApp
from tests.payments.purpose import PURPOSE, register

PURPOSE_APP = "tests.payments.purpose_app:app"


@pytest.fixture(autouse=True)
def ticket_handler() -> Iterator[None]:
    register()
    yield
    service.unregister_handler(PURPOSE)


@pytest.fixture
async def conference(db: AsyncSession) -> Conference:
    conference = await create_conference(
        db,
        data=ConferenceIn(
            slug="annual-2027",
            name="Annual Conference and Expo 2027",
            timezone="America/Los_Angeles",
            venue_name="Long Beach Convention Center",
            venue_address="300 E Ocean Blvd, Long Beach, CA",
            starts_on=date(2027, 9, 14),
            ends_on=date(2027, 9, 16),
            status=ConferenceStatus.PUBLISHED,
        ),
    )
    await db.commit()
    return conference


PayByCard = Callable[..., Awaitable[service.CardPaymentStarted]]


@pytest.fixture
def pay_by_card(db: AsyncSession, stripe_settings: Settings, conference: Conference) -> PayByCard:
    """``await pay_by_card(card_id, amount_cents=...)``: a committed card payment for a new ticket."""

    async def pay(
        payment_method_id: str, *, amount_cents: int = 60000, description: str = "Full registration (member)"
    ) -> service.CardPaymentStarted:
        started = await service.start_card_payment(
            db,
            settings=stripe_settings,
            conference_id=conference.id,
            purpose=PURPOSE,
            reference_id=uuid.uuid4(),
            amount_cents=amount_cents,
            description=description,
            payment_method_id=payment_method_id,
            buyer_email="clerk@longbeach.gov",
            buyer_name="Pat Clerk",
        )
        await db.commit()
        return started

    return pay


async def wait_for(db: AsyncSession, payment: Payment, check: Callable[[Payment], bool], seconds: float = 15) -> None:
    """Waits for another process (a webhook) to change the payment as ``check`` expects."""
    for _ in range(int(seconds * 10)):
        await db.refresh(payment)
        if check(payment):
            return
        await db.rollback()
        await asyncio.sleep(0.1)
    raise AssertionError(f"payment stayed {payment.status.value}")


@pytest.fixture
async def card_client(stripe_settings: Settings, make_app: MakeApp) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The app in this process with card payments on (webhooks posted by the test itself)."""
    async with AsyncTestClient(app=make_app(stripe_settings), base_url="http://testserver.local") as client:
        yield client
