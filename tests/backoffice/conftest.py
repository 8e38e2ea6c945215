"""The back office's world: the registration world with a city's invoiced order, and an organizer signed in."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.registration import checkout
from events_app.registration.models import Order, PaymentMethod
from events_app.registration.schemas import AttendeeIn, OrderIn
from events_app.settings import Settings
from tests.conftest import Caller
from tests.registration import conftest as registration

world = registration.world

OFFICE = "/office/c/annual-2027"


async def place_city_order(db: AsyncSession, settings: Settings, world: registration.World) -> Order:
    """Fresno's clerk registers the mayor and a council member and asks for an invoice ($1,000 at early bird)."""
    order = await checkout.place_order(
        db,
        settings=settings,
        conference=world.conference,
        data=OrderIn(
            buyer_name="Carla Clerk",
            buyer_email="clerk@fresno.gov",
            buyer_organization="City of Fresno",
            payment_method=PaymentMethod.INVOICE,
            po_number="PO-7781",
            attendees=[
                AttendeeIn(
                    registration_type_id=world.full.id, first_name="Maria", last_name="Mayor", email="mayor@fresno.gov"
                ),
                AttendeeIn(
                    registration_type_id=world.full.id, first_name="Pat", last_name="Council", email="pat@fresno.gov"
                ),
            ],
        ),
    )
    await db.commit()
    return order


async def sign_in(client: AsyncTestClient[Litestar], caller: Caller) -> None:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": caller.email, "password": caller.password, "next": "/office"},
        headers={"x-csrftoken": client.cookies.get("csrftoken", "")},
        follow_redirects=False,
    )
    assert response.status_code == 303


def form(client: AsyncTestClient[Litestar], **fields: str | list[str]) -> dict[str, str | list[str]]:
    """A form as the page posts it, with its CSRF token."""
    return {"_csrf_token": client.cookies.get("csrftoken", ""), **fields}
