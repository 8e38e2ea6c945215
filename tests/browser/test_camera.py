"""A phone's camera at the door: Chromium's fake camera shows a badge, the page reads it and scans it.

Chromium on Linux has no BarcodeDetector, so this drives the fallback: the jsQR decoder
the app serves itself (no CDN).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from playwright.async_api import async_playwright, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import qr
from events_app.checkin.models import Checkin
from events_app.settings import Settings
from tests.browser_harness import CHROMIUM, CHROMIUM_ARGS
from tests.checkin.conftest import badge_of, build_world
from tests.conftest import LiveServer, MakeCaller

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, MODULE = 640, 480, 8


def _badge_video(token: str, path: Path) -> Path:
    """A few seconds of Y4M video of the badge's QR code, black on white, as the camera would see it."""
    modules = np.array(qr.matrix(token), dtype=bool)
    code = np.kron(~modules, np.ones((MODULE, MODULE), dtype=bool)).astype(np.uint8) * 255
    luma = np.full((HEIGHT, WIDTH), 255, dtype=np.uint8)
    top, left = (HEIGHT - code.shape[0]) // 2, (WIDTH - code.shape[1]) // 2
    luma[top : top + code.shape[0], left : left + code.shape[1]] = code
    chroma = np.full((HEIGHT // 2) * (WIDTH // 2), 128, dtype=np.uint8).tobytes()
    frame = b"FRAME\n" + luma.tobytes() + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 30)
    return path


async def test_the_camera_reads_a_badge_with_the_served_decoder(
    db: AsyncSession,
    settings: Settings,
    make_caller: MakeCaller,
    live_servers: Callable[..., list[LiveServer]],
    tmp_path: Path,
) -> None:
    world = await build_world(db, make_caller)
    video = _badge_video(await badge_of(db, settings, world, "maria"), tmp_path / "badge.y4m")
    [server] = live_servers(1)
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *camera])
        try:
            context = await browser.new_context(permissions=["camera"])
            page = await context.new_page()
            decoder_requests: list[str] = []
            page.on("request", lambda r: decoder_requests.append(r.url) if "jsQR" in r.url else None)
            await page.goto(f"{server.url}/c/{world.conference.slug}/staff/scan#token={world.north.token}")
            await expect(page.locator("#network")).to_have_text("Online")
            assert await page.evaluate("'BarcodeDetector' in window") is False
            await page.get_by_role("button", name="Use the camera").click()
            await expect(page.locator("#result")).to_have_attribute("data-result", "ok", timeout=15_000)
            await expect(page.locator("#result-name")).to_have_text("Maria")
            assert decoder_requests == [f"{server.url}/static/checkin/vendor/jsqr/jsQR.js"]
        finally:
            await browser.close()
    maria_id = world.people["maria"].id
    db.expire_all()
    assert [c.attendee_id for c in await db.scalars(select(Checkin))] == [maria_id]
