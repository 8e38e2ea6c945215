"""Only organizers get into the back office: staff, partners and nobody are refused on every route."""

from __future__ import annotations

import re
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts import service as accounts
from events_app.accounts.models import Role
from events_app.payments import service as payments
from events_app.payments.models import ReceiptMethod
from events_app.registration import promo
from events_app.registration.checkout import PURPOSE
from events_app.registration.models import DiscountKind, Order
from events_app.registration.schemas import PromoCodeIn
from events_app.settings import Settings
from tests.backoffice.conftest import place_city_order, sign_in
from tests.conftest import MakeCaller
from tests.registration.conftest import World


def office_routes(
    app: Litestar, world: World, order_id: str, *, attendee_id: str, code_id: str, token_id: str
) -> list[tuple[str, str]]:
    """Every back-office route and method, addressed at the world's conference, order, attendee, type and code."""
    found = []
    for route in app.routes:
        if not route.path.startswith("/office"):
            continue
        path = route.path.replace("{slug:str}", "annual-2027").replace("{order_id:uuid}", order_id)
        path = path.replace("{type_id:uuid}", str(world.full.id)).replace("{city_id:uuid}", str(world.lapsed.id))
        path = path.replace("{attendee_id:uuid}", attendee_id).replace("{code_id:uuid}", code_id)
        path = path.replace("{token_id:uuid}", token_id)
        assert not re.search(r"\{\w+:\w+\}", path), f"a path parameter this test does not fill: {route.path}"
        for handler in getattr(route, "route_handlers", []):
            found += [(method, path) for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"})]
    return found


async def _ids(db: AsyncSession, settings: Settings, world: World, order: Order) -> dict[str, str]:
    """A substitutable attendee (the city's check arrived), a promo code and a token, for the routes naming them."""
    [payment] = await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id)
    assert payment.invoice is not None
    await payments.record_invoice_payment(
        db, settings=settings, invoice=payment.invoice, amount_cents=payment.amount_cents, method=ReceiptMethod.CHECK,
        received_on=date(2026, 11, 30), reference="Check 1", note="", actor=None,
    )  # fmt: skip
    code = await promo.create_code(
        db,
        conference=world.conference,
        data=PromoCodeIn(code="ACCESS", kind=DiscountKind.PERCENT, value=10),
        actor=None,
    )
    holder = await accounts.create_user(
        db, email="holder@league.test", name="Holder", password="long enough pass", role=Role.STAFF
    )
    token = await accounts.issue_token(db, user_id=holder.id, name="Door 1")
    await db.commit()
    return {"attendee_id": str(order.attendees[0].id), "code_id": str(code.id), "token_id": str(token.token.id)}


@pytest.mark.parametrize("role", [None, Role.STAFF, Role.PARTNER])
async def test_every_office_route_refuses_all_but_organizers(
    app: Litestar, db: AsyncSession, settings: Settings, world: World, make_caller: MakeCaller, role: Role | None
) -> None:
    order = await place_city_order(db, settings, world)
    routes = office_routes(app, world, str(order.id), **await _ids(db, settings, world, order))
    assert len(routes) >= 15
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        if role is not None:
            await sign_in(client, await make_caller(role))
        csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
        let_in = [
            f"{method} {path}"
            for method, path in routes
            if (await client.request(method, path, headers=csrf, data={"confirmed": "yes"})).status_code
            not in (401, 403)
        ]
    assert let_in == []


async def test_an_organizer_opens_every_office_page(
    app: Litestar, db: AsyncSession, settings: Settings, world: World, make_caller: MakeCaller
) -> None:
    order = await place_city_order(db, settings, world)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await sign_in(client, await make_caller(Role.ORGANIZER))
        for method, path in office_routes(app, world, str(order.id), **await _ids(db, settings, world, order)):
            if method == "GET":
                response = await client.get(path)
                assert response.status_code == 200, path
                assert 'aria-current="page"' in response.text, path


@pytest.mark.parametrize(("role", "sees_it"), [(Role.ORGANIZER, True), (Role.STAFF, False)])
async def test_the_site_header_links_organizers_to_the_back_office(
    app: Litestar, world: World, make_caller: MakeCaller, role: Role, sees_it: bool
) -> None:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        assert '<a href="/office">Back office</a>' not in (await client.get("/c/annual-2027")).text
        await sign_in(client, await make_caller(role))
        assert ('<a href="/office">Back office</a>' in (await client.get("/c/annual-2027")).text) == sees_it
