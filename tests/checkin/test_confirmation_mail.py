"""The confirmation mail carries the attendee's badge: a QR that the door accepts as it is."""

from __future__ import annotations

import io

import numpy as np
import png
import zxingcpp
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.mail import deliver_outbox
from events_app.settings import Settings
from tests.checkin.conftest import World, place_order, scan
from tests.conftest import MailBox


def _pixels(data: bytes) -> np.ndarray:  # type: ignore[type-arg]
    width, height, rows, info = png.Reader(file=io.BytesIO(data)).asDirect()
    scale = 255 // (2 ** info["bitdepth"] - 1)
    grid = np.array([list(row) for row in rows], dtype=np.uint8).reshape(height, width, info["planes"]) * scale
    return np.ascontiguousarray(grid[:, :, 0])


async def test_each_official_of_a_group_order_gets_a_badge_that_scans(
    client: AsyncTestClient[Litestar],
    db: AsyncSession,
    world: World,
    mail_settings: Settings,
    smtp_server: MailBox,
) -> None:
    await place_order(db, mail_settings, world, [("Rosa", "Diaz"), ("Omar", "Haddad")])
    await db.commit()
    await deliver_outbox(db.bind, mail_settings)  # type: ignore[arg-type]

    for first, name in (("rosa", "Rosa Diaz"), ("omar", "Omar Haddad")):
        [confirmation] = [m for m in smtp_server.to(f"{first}.") if "You are registered" in m["Subject"]]
        [badge] = [p for p in confirmation.iter_attachments() if p.get_content_type() == "image/png"]
        assert badge.get_filename() == "badge-annual-2027.png"
        [code] = zxingcpp.read_barcodes(_pixels(badge.get_content()))
        answer = await scan(client, world, world.north, code.text)
        assert (answer["result"], answer["attendee"]["name"]) == ("ok", name)
