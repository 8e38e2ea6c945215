"""Headless Chromium (Debian's package) driven by Playwright; never a downloaded browser."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, async_playwright

if TYPE_CHECKING:
    from tests.conftest import Caller, LiveServer
    from tests.stripe_harness import LocalStripe

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# axe-core 4.14.1 (MPL-2.0) from the npm registry: `make test` installs it under var/node.
AXE = Path(__file__).resolve().parents[1] / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: apt-get install chromium (.ci/run does)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


CREATE_PAYMENT_METHOD_SHIM = """
;(function () {
  // Test-only: stands in for Stripe.js createPaymentMethod, which localstripe leaves empty.
  const fake = Stripe;
  Stripe = function (key) {
    const stripe = fake(key);
    stripe.createPaymentMethod = async function (options) {
      const card = options.card.value.card;
      const response = await fetch(LOCALSTRIPE_BASE_API + "/v1/payment_methods", {
        method: "POST",
        headers: {"Content-Type": "application/x-www-form-urlencoded"},
        body: new URLSearchParams({"type": "card", "card[number]": card.number, "card[exp_month]": card.exp_month,
                                   "card[exp_year]": card.exp_year, "card[cvc]": card.cvc}),
      });
      const body = await response.json();
      return response.ok ? {paymentMethod: body} : {error: body.error || {message: "card refused"}};
    };
    return stripe;
  };
})();
"""


async def shim_stripe_js(page: Page, localstripe: LocalStripe) -> None:
    """Serves localstripe's Stripe.js with ``createPaymentMethod``, which the emulator leaves empty."""

    async def script(route: Route) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            original = (await client.get(localstripe.js_url)).text
        await route.fulfill(
            status=200, content_type="application/javascript", body=original + CREATE_PAYMENT_METHOD_SHIM
        )

    async def payment_method(route: Route) -> None:
        fields = dict(parse_qsl(route.request.post_data or ""))
        pm = await asyncio.to_thread(localstripe.card, fields["card[number]"])
        origin = route.request.headers.get("origin", "*")
        await route.fulfill(
            status=200,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": origin},
            body=json.dumps({"id": pm, "object": "payment_method", "type": "card"}),
        )

    await page.route(localstripe.js_url, script)
    await page.route(f"{localstripe.url}/v1/payment_methods", payment_method)


async def serious_accessibility_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's serious and critical findings on the page as it stands (its context must bypass CSP)."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: npm install --prefix var/node axe-core@4.14.1 (make test does)")
    # After a click that navigates, the new document may be committed with its <head> not yet parsed:
    # the script tag would have nowhere to go (seen once in the whole suite).
    await page.wait_for_load_state("domcontentloaded")
    await page.add_script_tag(path=AXE)
    found: list[dict[str, object]] = await page.evaluate(
        """async () => (await axe.run()).violations
             .filter(v => v.impact === "serious" || v.impact === "critical")
             .map(v => ({id: v.id, help: v.help, where: v.nodes.map(n => n.target.join(" "))}))"""
    )
    return found


# Reads the QR code drawn on the page the way a phone's camera app would: pixels in, text out (jsQR,
# the decoder the scanner page itself vendors).
READ_QR = """async () => {
  await new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/static/checkin/vendor/jsqr/jsQR.js";
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
  const svg = document.querySelector(".provision-qr svg");
  const image = new Image();
  image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(new XMLSerializer().serializeToString(svg));
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 600;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, 600, 600);
  context.drawImage(image, 0, 0, 600, 600);
  const pixels = context.getImageData(0, 0, 600, 600);
  return (window.jsQR(pixels.data, 600, 600) || {}).data || null;
}"""


async def sign_in(page: Page, server: LiveServer, caller: Caller, next_path: str = "/") -> None:
    await page.goto(f"{server.url}/login?next={next_path}")
    await page.get_by_label("Email").fill(caller.email)
    await page.get_by_label("Password").fill(caller.password)
    await page.get_by_role("button", name="Sign in").click()
