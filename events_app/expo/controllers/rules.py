"""API of a conference's expo rules: its settings, its booking windows, and when the caller's partner may book."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.service import Principal
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.expo import rules
from events_app.expo.controllers.access import ORGANIZERS, PARTNERS, STAFF
from events_app.expo.models import Partner
from events_app.expo.schemas import BookingAccessOut, ExpoSettingsIn, ExpoSettingsOut, WindowIn, WindowOut
from events_app.expo.views import settings_out


class RulesController(Controller):
    """Hold time, limits, refund bands, and the booking windows that open booking tier by tier."""

    @get("/settings", opt=STAFF, operation_id="getExpoSettings")
    async def get_settings(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> ExpoSettingsOut:
        """Hold time, live-hold limit, competitor distance, extra staff price and refund bands."""
        return settings_out(await rules.expo_settings(db_session, conference=conference))

    @put("/settings", opt=ORGANIZERS, operation_id="saveExpoSettings")
    async def save_settings(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[ExpoSettingsIn],
    ) -> ExpoSettingsOut:
        """Replaces the conference's expo rules (fields left out take their defaults)."""
        return settings_out(await rules.save_settings(db_session, conference=conference, data=data, actor=actor))

    @get("/windows", opt=PUBLIC, operation_id="listBookingWindows")
    async def list_windows(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> list[WindowOut]:
        """When each tier or points band may start booking, earliest first."""
        windows = await rules.list_windows(db_session, conference=conference)
        return msgspec.convert(windows, list[WindowOut], from_attributes=True)

    @post("/windows", opt=ORGANIZERS, operation_id="createBookingWindow")
    async def create_window(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        data: JSONBody[WindowIn],
    ) -> WindowOut:
        """Opens booking at ``opens_at`` to one tier, to partners with at least ``min_points``, or to everyone."""
        window = await rules.create_window(db_session, conference=conference, data=data, actor=actor)
        return msgspec.convert(window, WindowOut, from_attributes=True)

    @delete("/windows/{window_id:uuid}", opt=ORGANIZERS, operation_id="deleteBookingWindow")
    async def delete_window(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        window_id: FromPath[uuid.UUID],
    ) -> None:
        """Removes a booking window."""
        await rules.delete_window(db_session, conference=conference, window_id=window_id, actor=actor)

    @get("/access", opt=PARTNERS, operation_id="getMyBookingAccess")
    async def my_access(
        self,
        db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference],
        my_partner: NamedDependency[Partner],
        conference_cache: NamedDependency[ConferenceCache],
    ) -> BookingAccessOut:
        """When your partner may start booking here, through which window, and your points."""
        access = await rules.booking_access(
            db_session, conference=conference, partner=my_partner, cache=conference_cache
        )
        return msgspec.convert(access, BookingAccessOut, from_attributes=True)
