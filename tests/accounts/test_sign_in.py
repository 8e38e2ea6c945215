"""Staff sign in on the pages with a password; forms are CSRF-protected; the API wants a token.

Wrong passwords are throttled per account and per address; signing out ends the session on the server.
"""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from events_app.accounts import sign_in
from tests.conftest import Caller


async def _sign_in(client: AsyncTestClient[Litestar], email: str, password: str, next_page: str = "/") -> int:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": email, "password": password, "next": next_page, "_csrf_token": client.cookies["csrftoken"]},
        follow_redirects=False,
    )
    return response.status_code


async def test_staff_member_signs_in_and_out(client: AsyncTestClient[Litestar], staff: Caller) -> None:
    assert await _sign_in(client, staff.email.upper(), staff.password) == 303
    home = await client.get("/")
    assert ", on-site staff" in home.text
    await client.post("/logout", headers={"x-csrftoken": client.cookies["csrftoken"]})
    assert "on-site staff" not in (await client.get("/")).text


async def test_wrong_password_says_so_without_saying_which_part(
    client: AsyncTestClient[Litestar], staff: Caller
) -> None:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": staff.email, "password": "not-the-password", "_csrf_token": client.cookies["csrftoken"]},
    )
    assert response.status_code == 400
    assert "do not match an active account" in response.text
    unknown = await client.post(
        "/login",
        data={"email": "nobody@example.test", "password": "whatever-123", "_csrf_token": client.cookies["csrftoken"]},
    )
    assert "do not match an active account" in unknown.text


async def test_a_form_without_its_csrf_token_is_refused(client: AsyncTestClient[Litestar], staff: Caller) -> None:
    response = await client.post("/login", data={"email": staff.email, "password": staff.password})
    assert response.status_code == 403


async def test_sign_in_never_redirects_to_another_site(client: AsyncTestClient[Litestar], staff: Caller) -> None:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "email": staff.email,
            "password": staff.password,
            "next": "//evil.example/steal",
            "_csrf_token": client.cookies["csrftoken"],
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/staff"  # where staff land when no safe address was given


async def test_a_signed_in_browser_cannot_use_the_api_without_a_token(
    client: AsyncTestClient[Litestar], organizer: Caller
) -> None:
    assert await _sign_in(client, organizer.email, organizer.password) == 303
    assert (await client.get("/api/users")).status_code == 401
    assert (await client.get("/api/users", headers=organizer.headers)).status_code == 200


async def test_a_refused_page_still_shows_who_is_signed_in(client: AsyncTestClient[Litestar], staff: Caller) -> None:
    assert await _sign_in(client, staff.email, staff.password) == 303
    # Setting up stations is an organizer's job; the guard refuses before the conference is looked up.
    refused = await client.get("/c/any-conference/staff/stations", headers={"Accept": "text/html"})
    assert refused.status_code == 403
    assert ", on-site staff" in refused.text
    assert "Staff sign-in" not in refused.text
    assert "This is for organizers; you are signed in as on-site staff." in refused.text


async def test_a_cookie_replayed_after_sign_out_signs_nobody_in(
    client: AsyncTestClient[Litestar], staff: Caller
) -> None:
    assert await _sign_in(client, staff.email, staff.password) == 303
    copied = client.cookies["session"]
    assert ", on-site staff" in (await client.get("/")).text
    await client.post("/logout", headers={"x-csrftoken": client.cookies["csrftoken"]})
    client.cookies.set("session", copied, domain="testserver.local")  # the copy someone kept of the cookie
    assert ", on-site staff" not in (await client.get("/")).text


async def test_a_planted_session_id_is_not_adopted_at_sign_in(client: AsyncTestClient[Litestar], staff: Caller) -> None:
    client.cookies.set("session", "chosen-by-an-attacker", domain="testserver.local")
    assert await _sign_in(client, staff.email, staff.password) == 303
    assert client.cookies["session"] != "chosen-by-an-attacker"
    client.cookies.set("session", "chosen-by-an-attacker", domain="testserver.local")
    assert ", on-site staff" not in (await client.get("/")).text


async def test_wrong_passwords_lock_the_account_for_a_while_even_for_the_right_one(
    client: AsyncTestClient[Litestar], staff: Caller, organizer: Caller
) -> None:
    for _ in range(sign_in.PER_ACCOUNT):
        assert await _sign_in(client, staff.email, "guessing-again") == 400
    await client.get("/login")
    refused = await client.post(
        "/login",
        data={"email": staff.email, "password": staff.password, "_csrf_token": client.cookies["csrftoken"]},
    )
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= sign_in.WINDOW.total_seconds()
    assert "Too many wrong passwords" in refused.text
    # Another account from the same address is not locked by someone else's guesses.
    assert await _sign_in(client, organizer.email, organizer.password) == 303


async def test_one_address_guessing_many_accounts_is_slowed_down(
    client: AsyncTestClient[Litestar], staff: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sign_in, "PER_ADDRESS", 3)  # the rule, at a size a test can afford to hash
    for n in range(3):
        assert await _sign_in(client, f"someone{n}@example.test", "guessing-123") == 400
    assert await _sign_in(client, staff.email, staff.password) == 429
