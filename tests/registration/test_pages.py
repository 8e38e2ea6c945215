"""The registration pages as a person uses them with no JavaScript: form, totals, invoice, manage link."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.registration.conftest import World

PAGE = "/c/annual-2027/register"


def _csrf(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries no CSRF token"
    return match.group(1)


async def _form_page(client: AsyncTestClient[Litestar]) -> str:
    response = await client.get(PAGE, headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


def _clerk(world: World, token: str, **extra: str) -> dict[str, Any]:
    return {
        "_csrf_token": token,
        "count": "2",
        "buyer_name": "Carla Clerk",
        "buyer_email": "clerk@fresno.gov",
        "a0_registration_type_id": str(world.full.id),
        "a0_first_name": "Maria",
        "a0_last_name": "Ruiz",
        "a0_email": "mayor@fresno.gov",
        "a0_consent": "yes",
        "a1_registration_type_id": str(world.full.id),
        "a1_first_name": "Pat",
        "a1_last_name": "Jones",
        "a1_email": "pat@gmail.com",
        "a1_city_id": str(world.fresno.id),
        "payment_method": "invoice",
        **extra,
    }


async def test_the_home_page_links_to_registration(client: AsyncTestClient[Litestar], world: World) -> None:
    home = await client.get("/c/annual-2027", headers={"Accept": "text/html"})
    assert f'href="{PAGE}"' in home.text


async def test_a_clerk_sees_member_rates_and_totals_then_asks_for_an_invoice(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    page = await _form_page(client)
    assert "Full conference" in page
    assert "Speaker" not in page  # comps are not on public sale
    added = await client.post(PAGE, data={"_csrf_token": _csrf(page), "count": "1", "action": "add"})
    assert 'name="a1_first_name"' in added.text

    quoted = await client.post(PAGE, data=_clerk(world, _csrf(page), action="quote"))
    assert quoted.status_code == 200
    assert "gmail.com is not an email domain of Fresno" in quoted.text
    assert '<td id="total">$1,500.00</td>' in quoted.text

    placed = await client.post(PAGE, data=_clerk(world, _csrf(page), action="place", po_number="PO-1"))
    assert placed.status_code == 200  # the test client followed the 303 to the manage page
    assert "/registration/manage/" in str(placed.url)
    assert "Thank you: your registration is recorded" in placed.text
    assert "Invoiced: seats held until the invoice is paid" in placed.text
    assert re.search(r'href="[^"]+">INV-\d{4}-\d+</a>', placed.text)


async def test_a_mistake_in_the_form_is_explained_on_the_form(client: AsyncTestClient[Litestar], world: World) -> None:
    page = await _form_page(client)
    form = _clerk(world, _csrf(page), action="place", a1_registration_type_id=str(world.guest.id))
    response = await client.post(PAGE, data=form)
    assert response.status_code == 422
    assert "guest pass" in response.text
    assert 'value="Maria"' in response.text  # nothing typed is lost


async def test_the_buyer_cancels_the_whole_invoiced_order_from_the_manage_page(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    page = await _form_page(client)
    placed = await client.post(PAGE, data=_clerk(world, _csrf(page), action="place"))
    manage = placed.url.path
    cancelled = await client.post(f"{manage}/cancel", data={"_csrf_token": _csrf(placed.text)})
    assert cancelled.status_code == 200
    assert "The cancellation is done" in cancelled.text
    assert "Cancelled" in cancelled.text
    assert "INV-" not in cancelled.text  # the voided invoice is gone from the page


async def test_a_refused_change_is_explained_on_the_manage_page(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    page = await _form_page(client)
    placed = await client.post(PAGE, data=_clerk(world, _csrf(page), action="place"))
    manage = placed.url.path
    substituted = await client.post(
        f"{manage}/substitute", data={"_csrf_token": _csrf(placed.text), "first_name": "Sam", "last_name": "Smith"}
    )
    assert substituted.status_code == 422
    assert "Please give the colleague&#39;s name and email." in substituted.text
    assert "Maria" in substituted.text  # the order is shown as it stands
    stranger = await client.post(f"{manage}/cancel", data={"_csrf_token": _csrf(placed.text), "attendee_id": "x"})
    assert stranger.status_code == 422
    assert "not (or no longer) registered" in stranger.text
    assert "Maria" in stranger.text


async def test_without_stripe_only_the_invoice_is_offered(client: AsyncTestClient[Litestar], world: World) -> None:
    page = await _form_page(client)
    assert 'value="invoice"' in page
    assert 'value="card"' not in page


async def test_joining_the_waitlist_from_the_page_shows_the_place_in_line(
    client: AsyncTestClient[Litestar], db: Any, world: World
) -> None:
    from events_app.registration import service
    from events_app.registration.schemas import TypePatch

    await service.update_type(db, registration_type=world.one_day, data=TypePatch(capacity=0), actor=None)
    await db.commit()
    page = await _form_page(client)
    assert "Sold out" in page
    response = await client.post(
        "/c/annual-2027/registration/waitlist",
        data={"_csrf_token": _csrf(page), "registration_type_id": str(world.one_day.id), "name": "Wanda Wait",
              "email": "wanda@fresno.gov"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "number 1 in line for Thursday only" in response.text


async def test_nonsense_in_the_form_is_refused_politely(client: AsyncTestClient[Litestar], world: World) -> None:
    page = await _form_page(client)
    response = await client.post(
        PAGE, data={"_csrf_token": _csrf(page), "count": "lots", "action": "remove-x", "a0_email": "not an email"}
    )
    assert response.status_code == 200
    response = await client.post(PAGE, data={**_clerk(world, _csrf(page), action="place"), "a0_email": "nope"})
    assert response.status_code == 422
    assert "Please check the form" in response.text


async def test_a_double_click_on_register_makes_one_order(client: AsyncTestClient[Litestar], world: World) -> None:
    page = await _form_page(client)
    key = re.search(r'name="submission_key" value="([^"]+)"', page)
    assert key is not None
    form = _clerk(world, _csrf(page), action="place", submission_key=key.group(1))
    first, second = await client.post(PAGE, data=form), await client.post(PAGE, data=form)
    assert first.url.path == second.url.path  # the same order's manage page
    api = {
        "buyer_name": "Api Buyer",
        "buyer_email": "api@fresno.gov",
        "payment_method": "invoice",
        "submission_key": "checkout-7f3a9c21",
        "attendees": [{"registration_type_id": str(world.full.id), "first_name": "A", "last_name": "B",
                       "email": "api@fresno.gov"}],
    }  # fmt: skip
    one = await client.post("/api/conferences/annual-2027/registration/orders", json=api)
    again = await client.post("/api/conferences/annual-2027/registration/orders", json=api)
    assert one.json()["id"] == again.json()["id"]
