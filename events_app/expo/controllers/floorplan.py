"""API of a conference's floor plan: its JSON document (import and export), its drawing, and the
booths with their availability now (a partner sees its own holds and bookings marked)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, MediaType, Response, get, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.service import Principal
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.expo import booth_list, drawing, floorplan, rules
from events_app.expo.controllers.access import ORGANIZERS
from events_app.expo.models import Booth, BoothKind, Partner
from events_app.expo.schemas import BoothOut, BoothStatus, FloorPlanDoc, FloorPlanImportOut
from events_app.expo.views import booth_now_out

SVG_MEDIA_TYPE = "image/svg+xml"


class FloorPlanController(Controller):
    """The halls, booths and areas of the expo, as a document, a drawing and a list of booths."""

    @get("/floor-plan", opt=PUBLIC, operation_id="exportFloorPlan")
    async def export_floor_plan(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> FloorPlanDoc:
        """The floor plan as a versioned JSON document (halls, booths with ids, non-bookable areas)."""
        return await floorplan.export_floor_plan(db_session, conference=conference)

    @put("/floor-plan", opt=ORGANIZERS, operation_id="importFloorPlan")
    async def import_floor_plan(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[FloorPlanDoc],
    ) -> FloorPlanImportOut:
        """Makes the floor plan match the document; booths keep their ids, held or booked booths cannot go."""
        settings = await rules.expo_settings(db_session, conference=conference)
        return await floorplan.import_floor_plan(
            db_session, conference=conference, doc=data, currency=settings.currency, actor=actor
        )

    @get("/floor-plan.svg", opt=PUBLIC, operation_id="drawFloorPlan", media_type=SVG_MEDIA_TYPE)
    async def floor_plan_svg(
        self,
        db_session: NamedDependency[AsyncSession],
        conference_cache: NamedDependency[ConferenceCache],
        conference: NamedDependency[Conference],
        viewer_partner: NamedDependency[Partner | None],
        hall: FromQuery[str | None] = None,
    ) -> Response[str]:
        """One hall drawn as SVG, booths coloured by availability (yours marked when a partner asks)."""
        svg = await drawing.floor_plan_svg(
            db_session, cache=conference_cache, conference=conference, hall_code=hall, viewer=viewer_partner
        )
        return Response(svg, media_type=SVG_MEDIA_TYPE, headers={"Cache-Control": "no-cache"})

    @get(
        "/booths",
        opt=PUBLIC,
        operation_id="listBooths",
        media_type=MediaType.JSON,
        # The list goes out as encoded bytes (see ``booth_list``): its shape is documented here.
        responses={
            200: ResponseSpec(
                data_container=list[BoothOut],
                description="Request fulfilled, document follows",
                generate_examples=False,
            )
        },
    )
    async def list_booths(
        self,
        db_session: NamedDependency[AsyncSession],
        conference_cache: NamedDependency[ConferenceCache],
        conference: NamedDependency[Conference],
        viewer_partner: NamedDependency[Partner | None],
        size: Annotated[str | None, QueryParameter(max_length=20, description="e.g. 10x20")] = None,
        kind: FromQuery[BoothKind | None] = None,
        max_price_cents: Annotated[int | None, QueryParameter(ge=0)] = None,
        status: FromQuery[BoothStatus | None] = None,
    ) -> Response[bytes]:
        """Booths with their availability now, filtered by size, kind, price or status."""
        booths = await booth_list.public_booths(db_session, cache=conference_cache, conference=conference)
        if viewer_partner is None and size is None and kind is None and max_price_cents is None and status is None:
            return Response(booths.body, media_type=MediaType.JSON)
        chosen = [
            out
            for view, out in booths.seen_by(viewer_partner.id if viewer_partner else None)
            if (size is None or view.booth.size == size)
            and (kind is None or view.booth.kind == kind)
            and (max_price_cents is None or view.booth.price_cents <= max_price_cents)
            and (status is None or view.status == status)
        ]
        return Response(msgspec.json.encode(chosen), media_type=MediaType.JSON)

    @get("/booths/{booth_id:uuid}", opt=PUBLIC, operation_id="getBooth")
    async def get_booth(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        viewer_partner: NamedDependency[Partner | None],
        booth: NamedDependency[Booth],
    ) -> BoothOut:
        """One booth with its availability now."""
        return await booth_now_out(db_session, conference=conference, booth_id=booth.id, viewer=viewer_partner)
