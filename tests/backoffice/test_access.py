"""Only organizers get into the back office: staff, partners and nobody are refused on every route."""

from __future__ import annotations

import re
import uuid
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
from tests.backoffice.test_program import build_program
from tests.conftest import MakeCaller
from tests.registration.conftest import World

# Records this world does not have (a station, a partner, a booth...): the guard refuses before looking them up.
ELSEWHERE = str(uuid.UUID(int=1))


async def program_ids(db: AsyncSession, world: World) -> dict[str, str]:
    """The program's path parameters, addressed at a room, track, speaker, session and run of the world."""
    built = await build_program(db, world)
    return {
        "room_id": str(built.hall.id), "track_id": str(built.housing.id), "speaker_id": str(built.maria.id),
        "session_id": str(built.keynote.id), "run_id": str(built.keynote.runs[0].id),
    }  # fmt: skip


def office_routes(app: Litestar, world: World, order_id: str, ids: dict[str, str]) -> list[tuple[str, str]]:
    """Every back-office route and method, addressed at the world's conference, order, type and program."""
    found = []
    for route in app.routes:
        if not route.path.startswith("/office"):
            continue
        path = route.path.replace("{slug:str}", "annual-2027").replace("{order_id:uuid}", order_id)
        path = path.replace("{type_id:uuid}", str(world.full.id)).replace("{city_id:uuid}", str(world.lapsed.id))
        for name, value in ids.items():
            path = path.replace(f"{{{name}:uuid}}", value)
        path = re.sub(r"\{\w+:uuid\}", ELSEWHERE, path)
        assert not re.search(r"\{\w+:\w+\}", path), f"a path parameter this test does not fill: {route.path}"
        for handler in getattr(route, "route_handlers", []):
            found += [(method, path) for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"})]
    return found


async def _every_id(db: AsyncSession, settings: Settings, world: World, order: Order) -> dict[str, str]:
    return await program_ids(db, world) | await _registration_ids(db, settings, world, order)


async def _registration_ids(db: AsyncSession, settings: Settings, world: World, order: Order) -> dict[str, str]:
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
    routes = office_routes(app, world, str(order.id), await _every_id(db, settings, world, order))
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
        for method, path in office_routes(app, world, str(order.id), await _every_id(db, settings, world, order)):
            if method == "GET" and ELSEWHERE not in path and not path.endswith(".csv") and ".json" not in path:
                response = await client.get(path)
                assert response.status_code == 200, path
                assert 'aria-current="page"' in response.text, path


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), (Role.PARTNER, 403), (Role.STAFF, 200), (Role.ORGANIZER, 200)]
)
async def test_the_staff_home_is_for_staff(
    app: Litestar, world: World, make_caller: MakeCaller, role: Role | None, status: int
) -> None:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await client.get("/login")  # the CSRF cookie, so a refusal is about who, not about the form
        if role is not None:
            await sign_in(client, await make_caller(role))
        csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
        assert (await client.get("/staff")).status_code == status
        assert (await client.get(f"/staff/c/{world.conference.slug}/lookup?q=Mayor")).status_code == status
        equip = await client.post(f"/staff/c/{world.conference.slug}/stations/{ELSEWHERE}/scan", headers=csrf)
        assert equip.status_code == (status if status != 200 else 404)


@pytest.mark.parametrize(("role", "sees_it"), [(Role.ORGANIZER, True), (Role.STAFF, False)])
async def test_the_site_header_links_organizers_to_the_back_office(
    app: Litestar, world: World, make_caller: MakeCaller, role: Role, sees_it: bool
) -> None:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        assert '<a href="/office">Back office</a>' not in (await client.get("/c/annual-2027")).text
        await sign_in(client, await make_caller(role))
        assert ('<a href="/office">Back office</a>' in (await client.get("/c/annual-2027")).text) == sees_it
