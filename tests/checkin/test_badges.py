"""Badges as people get them: an image link in their mail, printed sheets, a replacement at the desk.

An independent reader (zxing-cpp) decodes what the service produced, and the scan API
must accept what it reads: the whole path from print to door.
"""

from __future__ import annotations

import io
import logging
import math
from pathlib import Path

import numpy as np
import png
import pypdfium2 as pdfium
import pytest
import zxingcpp
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import badge_prints, pdf, printing
from events_app.checkin.codes import badge_code
from events_app.cli import main
from events_app.core.logging import configure_logging
from events_app.db import make_engine
from events_app.settings import Settings
from tests.checkin.conftest import World, badge_of, register, scan


def _png_pixels(data: bytes) -> np.ndarray:  # type: ignore[type-arg]
    width, height, rows, info = png.Reader(file=io.BytesIO(data)).asDirect()
    scale = 255 // (2 ** info["bitdepth"] - 1)
    grid = np.array([list(row) for row in rows], dtype=np.uint8).reshape(height, width, info["planes"]) * scale
    return np.ascontiguousarray(grid[:, :, 0])


def _pdf_pages(data: bytes) -> list[tuple[str, np.ndarray]]:  # type: ignore[type-arg]
    """Each page's text and a 200 dpi greyscale rendering, as a printer would see it."""
    document = pdfium.PdfDocument(data)
    pages = []
    for page in document:
        text = page.get_textpage().get_text_range()
        pixels = page.render(scale=200 / 72, grayscale=True).to_numpy()
        pages.append((text, np.ascontiguousarray(pixels.reshape(pixels.shape[0], pixels.shape[1], -1)[:, :, 0])))
    return pages


async def test_the_badge_image_link_decodes_to_a_token_the_door_accepts(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    badge = await client.get(f"{world.api}/attendees/{world.people['maria'].id}/badge", headers=world.organizer.headers)
    png_url = badge.json()["png_url"].removeprefix("http://testserver.local")
    image = await client.get(png_url)  # no sign-in: the link itself is the permission
    assert image.headers["content-type"] == "image/png"
    [read] = zxingcpp.read_barcodes(_png_pixels(image.content))
    assert read.text == badge.json()["token"]
    answer = await scan(client, world, world.north, read.text)
    assert (answer["result"], answer["attendee"]["name"]) == ("ok", "Maria Lopez")

    svg = await client.get(badge.json()["svg_url"].removeprefix("http://testserver.local"))
    assert svg.headers["content-type"].startswith("image/svg+xml")
    tampered = png_url.replace("/badge/", "/badge/x")
    assert (await client.get(tampered)).status_code in {404, 422}


async def test_sheets_put_six_badges_on_a_letter_page_and_every_code_reads(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    for n in range(5):
        await register(db, world, f"p{n}", f"Person{n}", "Example", rtype=world.guest)
    await db.commit()  # seven attendees: one full page and one badge on the next
    asked = await client.post(f"{world.api}/badge-prints", json={}, headers=world.organizer.headers)
    assert (asked.status_code, asked.json()["status"]) == (202, "queued")
    follow = f"{world.api}/badge-prints/{asked.json()['id']}"
    assert (await client.get(f"{follow}/badges.pdf", headers=world.organizer.headers)).status_code == 409
    engine = make_engine(settings.database_url)
    try:
        assert await badge_prints.print_next(engine, settings)  # an app process's round draws it
    finally:
        await engine.dispose()
    progress = (await client.get(follow, headers=world.organizer.headers)).json()
    assert (progress["status"], progress["badges_drawn"], progress["badges_total"]) == ("done", 7, 7)
    response = await client.get(progress["pdf_url"], headers=world.organizer.headers)
    assert response.headers["content-type"] == "application/pdf"
    pages = _pdf_pages(response.content)
    assert len(pages) == math.ceil(7 / 6) == 2
    first_text, first_pixels = pages[0]
    assert "Maria" in first_text + pages[1][0]
    assert "GUEST" in first_text
    # The code a person types when the QR will not read is printed on the badge, and the look-up finds it.
    maria_code = badge_code(world.people["maria"].id)
    assert f"Code {maria_code}" in first_text + pages[1][0]
    typed = maria_code.lower().replace("-", " ")
    found = await client.get(f"{world.api}/lookup", params={"q": typed}, headers=world.desk.headers)
    assert [h["name"] for h in found.json()] == ["Maria Lopez"]
    codes = zxingcpp.read_barcodes(first_pixels) + zxingcpp.read_barcodes(pages[1][1])
    assert len(codes) == 7
    for code in codes[:2]:
        assert (await scan(client, world, world.north, code.text))["result"] == "ok"


async def test_a_name_in_any_script_prints() -> None:
    face = printing.BadgeFace(
        conference="Annual Conference & Expo 2027",
        badge_name="Nguyễn Thị Ánh",
        full_name="Nguyễn Thị Ánh Tuyết",
        title="Councilmember",
        city="Westminster",
        registration_type="Full conference",
        band=(11, 92, 173),
        token="EV1-TEST",
        code="7KX2-M9QD",
    )
    [(text, _pixels)] = _pdf_pages(pdf.single_badge(face))
    if not pdf.FONT_DIR.exists():
        pytest.skip("no DejaVu fonts here: names are simplified to Latin-1")
    assert "Nguyễn" in text


async def test_the_command_writes_every_badge_of_the_conference(
    db: AsyncSession, settings: Settings, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EVENTS_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("EVENTS_VAR_DIR", str(tmp_path))
    from events_app.settings import get_settings

    get_settings.cache_clear()
    target = tmp_path / "badges.pdf"
    try:
        result = await _in_thread(lambda: CliRunner().invoke(main, ["badges", "pdf", "annual-2027", "-o", str(target)]))
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "2 badges on 1 pages" in result.output
    [(text, pixels)] = _pdf_pages(target.read_bytes())
    assert "Dev" in text
    codes = zxingcpp.read_barcodes(pixels)
    token = await badge_of(db, settings, world, "dev")
    assert token in {c.text for c in codes}


async def _in_thread(work):  # type: ignore[no-untyped-def]
    import asyncio

    return await asyncio.to_thread(work)


async def test_printing_a_badge_leaves_the_log_readable(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging(level="INFO", json=False)
    face = printing.BadgeFace(
        conference="Annual Conference & Expo 2027", badge_name="Ana", full_name="Ana Ruiz", title="Clerk",
        city="Fresno", registration_type="Full conference", band=(11, 92, 173), token="EV1-TEST", code="7KX2-M9QD",
    )  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        pdf.single_badge(face)
    assert [r.name for r in caplog.records if r.levelno < logging.WARNING] == []
