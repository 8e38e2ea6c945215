"""Stripe in tests: the ``localstripe`` emulator from PyPI, served over real HTTP on loopback.

localstripe's own command binds every interface, so its aiohttp ``app`` is run here on
127.0.0.1 in a subprocess (once per test session) and emptied before each test. Apps
under test point the official ``stripe`` library at it with ``stripe_settings`` (an
in-process app) or ``stripe_env`` (uvicorn processes from ``live_servers``); webhooks
reach a live server because ``localstripe.send_webhooks_to(url)`` registers its address,
and localstripe signs each delivery with the webhook secret the way Stripe does.

Two calls stand in for what Stripe.js does in a browser, because localstripe's fake
Stripe.js lacks them or needs a person: ``card()`` makes a PaymentMethod
(``stripe.createPaymentMethod``), ``authenticate()`` answers the 3-D Secure step of
``stripe.confirmCardPayment``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from events_app.settings import Settings

SECRET_KEY = "sk_test_events_app_localstripe"
PUBLISHABLE_KEY = "pk_test_events_app_localstripe"
WEBHOOK_SECRET = "whsec_events_app_localstripe_test"
WEBHOOK_ID = "events-app"
NOWHERE = "http://127.0.0.1:9/"  # the discard port: deliveries to a finished test's server go nowhere

# Run inside the subprocess: localstripe pickles its whole store to /tmp on every write,
# which parallel test runs would fight over; the tests never reload it, so that is switched off.
_RUNNER = """
import socket, sys
from aiohttp import web
from localstripe import resources
from localstripe.server import app
resources.Store.dump_to_disk = lambda self: None
web.run_app(app, sock=socket.socket(fileno=int(sys.argv[1])), print=None, access_log=None)
"""

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"  # localstripe declines this one when charged
CARD_3DS = "4000002760003184"  # always asks for 3-D Secure


@dataclass
class LocalStripe:
    """The running emulator and the keys the app under test uses with it."""

    url: str
    secret_key: str = SECRET_KEY
    publishable_key: str = PUBLISHABLE_KEY
    webhook_secret: str = WEBHOOK_SECRET

    @property
    def js_url(self) -> str:
        return f"{self.url}/js.stripe.com/v3/"

    def _post(self, path: str, data: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}{path}", data=data, headers={"Authorization": f"Bearer {key or self.secret_key}"}, timeout=10
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json() if response.content else {}
        return body

    def flush(self) -> None:
        """Forgets every object and points webhooks nowhere until a test says where."""
        httpx.delete(f"{self.url}/_config/data", timeout=10).raise_for_status()
        self.send_webhooks_to(NOWHERE)

    def send_webhooks_to(self, url: str) -> None:
        """Registers the app's webhook endpoint (``<server>/api/payments/stripe/webhook``)."""
        self._post(f"/_config/webhooks/{WEBHOOK_ID}", {"url": url, "secret": self.webhook_secret})

    def card(self, number: str = CARD_OK) -> str:
        """A PaymentMethod id for a test card, as Stripe.js would make in the browser."""
        body = self._post(
            "/v1/payment_methods",
            {
                "type": "card",
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
            },
        )
        payment_method_id: str = body["id"]
        return payment_method_id

    def authenticate(self, intent_id: str, client_secret: str, *, success: bool = True) -> dict[str, Any]:
        """The buyer's answer to 3-D Secure, as ``stripe.confirmCardPayment`` sends it."""
        return self._post(
            f"/v1/payment_intents/{intent_id}/_authenticate?success={'true' if success else 'false'}",
            {"key": self.publishable_key, "client_secret": client_secret},
            key=self.publishable_key,
        )

    def payment_intent(self, intent_id: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.url}/v1/payment_intents/{intent_id}",
            headers={"Authorization": f"Bearer {self.secret_key}"},
            timeout=10,
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def create_payment_intent(self, **params: str) -> dict[str, Any]:
        """A PaymentIntent made directly in Stripe (e.g. by someone else holding the key)."""
        return self._post("/v1/payment_intents", params)

    def refund_in_dashboard(self, intent_id: str, amount_cents: int) -> dict[str, Any]:
        """A refund made in Stripe itself, not through the app."""
        return self._post("/v1/refunds", {"payment_intent": intent_id, "amount": str(amount_cents)})

    def signed(
        self, event: dict[str, Any], *, secret: str | None = None, signed_at: float | None = None
    ) -> tuple[bytes, str]:
        """An event body and its ``Stripe-Signature`` header, signed as Stripe signs deliveries."""
        payload = json.dumps(event).encode()
        timestamp = int(signed_at if signed_at is not None else time.time())
        mac = hmac.new((secret or self.webhook_secret).encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
        return payload, f"t={timestamp},v1={mac.hexdigest()}"


@pytest.fixture(scope="session")
def localstripe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    """localstripe's aiohttp app on its own loopback socket, for the whole session."""
    from tests.conftest import listening_socket

    sock = listening_socket()
    log_path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _RUNNER, str(sock.fileno())],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
        )
    server = LocalStripe(url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited: {log_path.read_text()}")
        try:
            if httpx.get(server.js_url, timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("localstripe did not start within 30 s")
        time.sleep(0.1)
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    sock.close()


@pytest.fixture
def localstripe(localstripe_server: LocalStripe) -> Iterator[LocalStripe]:
    """The emulator, empty at the start of the test."""
    localstripe_server.flush()
    yield localstripe_server
    localstripe_server.send_webhooks_to(NOWHERE)


@pytest.fixture
def stripe_settings(settings: Settings, localstripe: LocalStripe) -> Settings:
    """Test settings with card payments on, pointed at localstripe; no background reconciliation."""
    return replace(
        settings,
        stripe_secret_key=localstripe.secret_key,
        stripe_publishable_key=localstripe.publishable_key,
        stripe_webhook_secret=localstripe.webhook_secret,
        stripe_api_base=localstripe.url,
        stripe_js_url=localstripe.js_url,
        payments_reconcile_interval_seconds=0,
    )


@pytest.fixture
def stripe_env(localstripe: LocalStripe) -> dict[str, str]:
    """The same as environment variables, for ``live_servers(n, **stripe_env)``."""
    return {
        "EVENTS_STRIPE_SECRET_KEY": localstripe.secret_key,
        "EVENTS_STRIPE_PUBLISHABLE_KEY": localstripe.publishable_key,
        "EVENTS_STRIPE_WEBHOOK_SECRET": localstripe.webhook_secret,
        "EVENTS_STRIPE_API_BASE": localstripe.url,
        "EVENTS_STRIPE_JS_URL": localstripe.js_url,
        "EVENTS_PAYMENTS_RECONCILE_INTERVAL_S": "0",
    }


def stripe_event(event_type: str, obj: dict[str, Any], *, created: float | None = None) -> dict[str, Any]:
    """A Stripe event as delivered to webhooks, about ``obj`` (e.g. a PaymentIntent as Stripe returns it)."""
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": event_type,
        "created": int(created if created is not None else time.time()),
        "livemode": False,
        "api_version": "2017-08-15",
        "data": {"object": obj},
    }


def webhook_url(server_url: str) -> str:
    return f"{server_url}/api/payments/stripe/webhook"
