"""A conference's expo rules: its settings (hold time, live-hold limit, competitor distance, badge price,
refund bands) and its booking windows, which say from when each partner may book.

A partner may book from the earliest window it qualifies for: by tier, by a points band, or a
window open to everyone. A conference without saved settings uses the defaults.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime

import msgspec
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.cache import ConferenceCache, snapshot
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.expo import history
from events_app.expo.errors import DuplicateRefundBand, RefundBandsIncrease, WindowNotFound, WindowTierAndPoints
from events_app.expo.models import BookingWindow, ExpoSettings, Partner
from events_app.expo.partners import get_tier, points_balance
from events_app.expo.schemas import ExpoSettingsIn, WindowIn

# Settings.


async def expo_settings(db: AsyncSession, *, conference: Conference) -> ExpoSettings:
    """The conference's expo rules, or unsaved defaults when an organizer has set none."""
    found = await db.scalar(select(ExpoSettings).where(ExpoSettings.conference_id == conference.id))
    return found if found is not None else _default_settings(conference)


def _default_settings(conference: Conference) -> ExpoSettings:
    return ExpoSettings(conference_id=conference.id, **msgspec.structs.asdict(ExpoSettingsIn()))


async def save_settings(
    db: AsyncSession, *, conference: Conference, data: ExpoSettingsIn, actor: Principal | None
) -> ExpoSettings:
    bands = sorted(data.refund_bands, key=lambda band: band.cancel_before)
    if len({band.cancel_before for band in bands}) != len(bands):
        raise DuplicateRefundBand("Two refund bands have the same date.")
    if any(later.refund_percent > earlier.refund_percent for earlier, later in itertools.pairwise(bands)):
        raise RefundBandsIncrease("A later refund band cannot refund more than an earlier one.")
    values = msgspec.structs.asdict(data) | {"refund_bands": [msgspec.to_builtins(band) for band in bands]}
    settings = await db.scalar(select(ExpoSettings).where(ExpoSettings.conference_id == conference.id))
    if settings is None:
        settings = ExpoSettings(conference_id=conference.id)
        db.add(settings)
    for key, value in values.items():
        setattr(settings, key, value)
    await history.changed(db, "expo.settings_saved", conference, actor=actor, **msgspec.to_builtins(data))
    return settings


def refund_percent(settings: ExpoSettings, at: datetime) -> int:
    """The refund for cancelling at ``at``: the first band whose date has not passed; none after the last."""
    for band in sorted(settings.refund_bands, key=lambda b: b["cancel_before"]):
        if at < datetime.fromisoformat(band["cancel_before"]):
            return int(band["refund_percent"])
    return 0


# Booking windows.


async def list_windows(db: AsyncSession, *, conference: Conference) -> list[BookingWindow]:
    query = select(BookingWindow).where(BookingWindow.conference_id == conference.id)
    return list(await db.scalars(query.order_by(BookingWindow.opens_at, BookingWindow.name)))


async def create_window(
    db: AsyncSession, *, conference: Conference, data: WindowIn, actor: Principal | None
) -> BookingWindow:
    if data.tier_id is not None and data.min_points is not None:
        raise WindowTierAndPoints("A window is for a tier or for a points band, not both.")
    if data.tier_id is not None:
        await get_tier(db, tier_id=data.tier_id)
    window = BookingWindow(conference_id=conference.id, **msgspec.structs.asdict(data))
    db.add(window)
    await history.changed(
        db, "expo.window_created", window, actor=actor, name=window.name, opens_at=window.opens_at.isoformat()
    )
    return window


async def delete_window(
    db: AsyncSession, *, conference: Conference, window_id: uuid.UUID, actor: Principal | None
) -> None:
    window = await db.get(BookingWindow, window_id)
    if window is None or window.conference_id != conference.id:
        raise WindowNotFound("This conference has no booking window with this id.")
    await db.delete(window)
    await history.changed(db, "expo.window_deleted", window, actor=actor, name=window.name)


def window_qualifies(window: BookingWindow, *, partner: Partner, points: int | None) -> bool:
    """Whether the window admits the partner; with ``points`` unknown (None) a window by points does not."""
    if window.tier_id is not None:
        return window.tier_id == partner.tier_id
    if window.min_points is not None:
        return points is not None and points >= window.min_points
    return True


@dataclass(frozen=True, slots=True)
class BookingAccess:
    """When a partner may book at a conference, through which window (its name), and its points."""

    partner_id: uuid.UUID
    points: int
    opens_at: datetime | None
    window: str | None
    open_now: bool


@dataclass(frozen=True, slots=True)
class BookingTerms:
    """A conference's booking windows, earliest first, and its expo rules: None when it has no window (nobody
    may book). Kept per process and shared by requests: read, never changed."""

    windows: tuple[BookingWindow, ...]
    rules: ExpoSettings | None

    @property
    def counts_points(self) -> bool:
        """Whether a window admits by points, so that who may book depends on a partner's points."""
        return any(w.tier_id is None and w.min_points is not None for w in self.windows)

    def opening_window(self, partner: Partner, points: int | None) -> BookingWindow | None:
        """The earliest window the partner qualifies for (by tier or for everyone only, with ``points`` None)."""
        return next((w for w in self.windows if window_qualifies(w, partner=partner, points=points)), None)


# The part of each process's cache keeping each conference's ``BookingTerms``: an organizer's change to a
# window or to the rules drops it in every process (``wiring`` watches both models).
EXPO_RULES = "expo_rules"
# Built once: every hold reads the terms first, and building the statement showed in its profile.
_TERMS = (
    select(BookingWindow, ExpoSettings)
    .outerjoin(ExpoSettings, ExpoSettings.conference_id == BookingWindow.conference_id)
    .where(BookingWindow.conference_id == bindparam("in_conference"))
    .order_by(BookingWindow.opens_at, BookingWindow.name)
)


async def booking_terms(db: AsyncSession, *, conference: Conference, cache: ConferenceCache | None) -> BookingTerms:
    """The conference's booking terms, in one statement, or none with a ``cache`` that keeps them: every
    partner's hold at a booking window's opening checks them."""

    async def read() -> BookingTerms:
        rows = (await db.execute(_TERMS, {"in_conference": conference.id})).all()
        if not rows:
            return BookingTerms(windows=(), rules=None)
        saved = rows[0][1]
        return BookingTerms(
            windows=tuple(snapshot(window) for window, _saved in rows),
            rules=snapshot(saved) if saved is not None else _default_settings(conference),
        )

    found = await (cache.value((EXPO_RULES, conference.id), read, part=EXPO_RULES) if cache is not None else read())
    assert found is not None  # read() always finds terms, if only the empty ones
    return found


async def booking_access(
    db: AsyncSession, *, conference: Conference, partner: Partner, cache: ConferenceCache | None = None
) -> BookingAccess:
    """The earliest window this partner qualifies for (``opens_at`` None when none does), with its points."""
    terms = await booking_terms(db, conference=conference, cache=cache)
    points = await points_balance(db, partner_id=partner.id)
    window = terms.opening_window(partner, points)
    opens_at = window.opens_at if window else None
    return BookingAccess(
        partner_id=partner.id,
        points=points,
        opens_at=opens_at,
        window=window.name if window else None,
        open_now=opens_at is not None and opens_at <= now(),
    )
