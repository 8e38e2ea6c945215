"""Drawing the floor plan: each hall as a standalone SVG, booths coloured by their availability as the
viewer sees it (its own holds and bookings marked), with the labels and data attributes the floor-plan
page's script and screen readers use. The public drawing of a hall is kept like the booth list
(``booth_list``): its halls, areas and conference are watched rows, its booths the list's part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from xml.sax.saxutils import escape, quoteattr

from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.core.money import Money
from events_app.expo import geometry
from events_app.expo.booth_list import public_booths
from events_app.expo.claims import BOOTH_CLAIMS
from events_app.expo.errors import FloorPlanMissing, HallNotFound
from events_app.expo.floorplan import BoothView, list_areas, list_halls
from events_app.expo.models import FloorArea, Hall, Partner

SCALE = 4  # px per foot
STATUS_LABELS = {
    "available": "Available",
    "held": "On hold",
    "booked": "Booked",
    "mine-held": "Held by you",
    "mine-booked": "Booked by you",
}
SVG_STYLE = """
.hall{fill:#fbfcfd;stroke:#4a5360;stroke-width:2}
.area{fill:#e4e8ee;stroke:#b8c0cc;stroke-width:1}
.area-stage,.area-food,.area-lounge{fill:#efe6d2}
.area-entrance{fill:#d8ecd9}
.area-label{font:600 11px system-ui,sans-serif;fill:#4a5360;text-anchor:middle;dominant-baseline:middle}
.booth polygon{stroke:#1b1f24;stroke-width:1}
.status-available polygon{fill:#cfe8d4}
.status-held polygon{fill:#f6d68b}
.status-booked polygon{fill:#c9ced6}
.status-mine-held polygon{fill:#f0b400;stroke-width:3}
.status-mine-booked polygon{fill:#7fb2e5;stroke-width:3}
.booth text{font:600 10px system-ui,sans-serif;fill:#1b1f24;text-anchor:middle;dominant-baseline:middle}
.booth text{pointer-events:none}
"""


def _points(shape: list[list[float]]) -> str:
    return " ".join(f"{x * SCALE:g},{y * SCALE:g}" for x, y in shape)


def render_hall_svg(
    hall: Hall, areas: list[FloorArea], views: list[BoothView], *, title: str, standalone: bool = True
) -> str:
    """One hall as SVG; each booth carries data attributes the floor-plan page filters on.

    A standalone drawing (a file of its own) carries its style; one inside a page leaves it to
    the page, whose style element holds the request's CSP nonce.
    """
    width, depth = hall.width_ft * SCALE, hall.depth_ft * SCALE
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {depth:g}" width="{width:g}" '
        f'height="{depth:g}" role="group" aria-labelledby="hall-{escape(hall.code)}-title" class="floor-plan">',
        f'<title id="hall-{escape(hall.code)}-title">{escape(title)}</title>',
        f"<style>{SVG_STYLE}</style>" if standalone else "",
        f'<rect class="hall" x="0" y="0" width="{width:g}" height="{depth:g}"/>',
    ]
    for area in areas:
        cx, cy = geometry.centroid(area.shape)
        parts.append(f'<polygon class="area area-{area.kind}" points="{_points(area.shape)}"/>')
        if area.label:
            parts.append(f'<text class="area-label" x="{cx * SCALE:g}" y="{cy * SCALE:g}">{escape(area.label)}</text>')
    for view in views:
        b = view.booth
        cx, cy = geometry.centroid(b.shape)
        price = str(Money(b.price_cents, b.currency))
        label = f"Booth {b.code}, {b.size} {b.kind.label}, {price}, {STATUS_LABELS[view.status]}"
        if view.exhibitor:
            label += f": {view.exhibitor}"
        attributes = {
            "class": f"booth status-{view.status}",
            "id": f"booth-{b.code}",
            "data-booth-id": str(b.id),
            "data-code": b.code,
            "data-size": b.size,
            "data-kind": b.kind.label,
            "data-area": f"{b.area_sqft:g}",
            "data-price-cents": str(b.price_cents),
            "data-price": price,
            "data-status": view.status,
            "data-features": " ".join(b.features),
            "data-exhibitor": view.exhibitor or "",
            "data-held-until": view.held_until.isoformat() if view.held_until else "",
            "tabindex": "0",
            "role": "button",
            "aria-label": label,
        }
        attrs = " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items())
        parts.append(
            f'<g {attrs}><title>{escape(label)}</title><polygon points="{_points(b.shape)}"/>'
            f'<text x="{cx * SCALE:g}" y="{cy * SCALE:g}">{escape(b.code)}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


async def draw_halls(
    db: AsyncSession, *, conference: Conference, halls: list[Hall], views: list[BoothView], standalone: bool = True
) -> list[str]:
    """Each of ``halls`` drawn with its areas and the booths of ``views`` that stand in it."""
    areas = await list_areas(db, halls=halls)
    # Hundreds of booths are a lot of string building: in a worker thread, off the event loop.
    return [
        await to_thread.run_sync(
            partial(
                render_hall_svg,
                hall,
                [a for a in areas if a.hall_id == hall.id],
                [v for v in views if v.hall_code == hall.code],
                title=f"{conference.name}: {hall.name}",
                standalone=standalone,
            )
        )
        for hall in halls
    ]


@dataclass(frozen=True, slots=True)
class HallDrawing:
    svg: str
    runs_out: datetime | None  # that of the booth list it shows


async def _draw_hall(
    db: AsyncSession, *, cache: ConferenceCache, conference: Conference, hall_code: str | None, viewer: Partner | None
) -> HallDrawing:
    halls = await list_halls(db, conference=conference)
    if not halls:
        raise FloorPlanMissing("This conference has no floor plan yet.")
    hall = halls[0] if hall_code is None else next((h for h in halls if h.code == hall_code), None)
    if hall is None:
        raise HallNotFound(f"This conference has no hall {hall_code}.")
    booths = await public_booths(db, cache=cache, conference=conference)
    viewer_id = viewer.id if viewer else None
    views = [v.seen_by(viewer_id) for v in booths.views if v.hall_code == hall.code]
    [drawing] = await draw_halls(db, conference=conference, halls=[hall], views=views)
    return HallDrawing(svg=drawing, runs_out=booths.runs_out)


async def floor_plan_svg(
    db: AsyncSession, *, cache: ConferenceCache, conference: Conference, hall_code: str | None, viewer: Partner | None
) -> str:
    """One hall (the first unless ``hall_code`` names another) drawn for this viewer. The drawing anyone
    but a partner sees is kept beside the booth list it shows, and goes with it."""

    async def draw() -> HallDrawing:
        return await _draw_hall(db, cache=cache, conference=conference, hall_code=hall_code, viewer=viewer)

    if viewer is not None:
        return (await draw()).svg
    kept = await cache.value(
        (conference.id, "floor-plan.svg", hall_code), draw, part=BOOTH_CLAIMS, runs_out=lambda drawn: drawn.runs_out
    )
    assert kept is not None  # a drawing is always found, or refused
    return kept.svg
