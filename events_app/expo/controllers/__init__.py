"""HTTP API of the expo, one controller per idea: the Partner Program (``partners``, at ``/api/expo``),
and one conference's expo under ``/api/conferences/{slug}/expo``: its rules and booking windows
(``rules``), floor plan and booths (``floorplan``), holds, bookings and staff placement
(``bookings``), and booth staff, badges and leads (``staff_and_leads``).

The conference's controllers share one router, which resolves the partner, booth, hold, booking
or lead named in the address through the providers of ``expo.dependencies``.
"""

from __future__ import annotations

from litestar import Router

from events_app.expo.controllers.bookings import BookingController, HoldController, PlacementController
from events_app.expo.controllers.floorplan import FloorPlanController
from events_app.expo.controllers.partners import PartnerProgramController
from events_app.expo.controllers.rules import RulesController
from events_app.expo.controllers.staff_and_leads import LeadController, StaffController
from events_app.expo.dependencies import EXPO_DEPENDENCIES

expo_router = Router(
    path="/api/conferences/{slug:str}/expo",
    route_handlers=[
        RulesController,
        FloorPlanController,
        HoldController,
        BookingController,
        PlacementController,
        StaffController,
        LeadController,
    ],
    dependencies=EXPO_DEPENDENCIES,
    tags=["Expo"],
)

__all__ = ["PartnerProgramController", "expo_router"]
