"""Setting up a door's phone from a QR code: a short-lived link that makes the device opening it that station.

The organizer's screen shows the link as a QR code; the phone's camera opens it, and one tap
there issues the station a fresh device token, which the scanner page keeps (in the address's
fragment, so it never reaches a server log). The link is signed (nothing to store), carries the
station's device generation (its current token id), and stops working once the station has a
new device: a conditional UPDATE on that generation lets exactly one phone through, even when
two race. It names the organizer who showed it, who the new token is recorded against.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from anyio import to_thread
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts import service as accounts
from events_app.accounts.models import Role
from events_app.accounts.service import IssuedToken, Principal
from events_app.checkin import qr, stations
from events_app.checkin.errors import ProvisioningLinkUsed, StationRetired
from events_app.checkin.models import Station
from events_app.conferences.models import Conference
from events_app.core import signing
from events_app.settings import Settings

PURPOSE = "station-provisioning"
# Long enough to walk the phone over to the screen, short enough that a photo of it is soon useless.
LIFETIME_SECONDS = 10 * 60
NO_DEVICE = "-"


@dataclass(frozen=True, slots=True)
class ProvisioningLink:
    url: str
    qr_svg: str
    minutes: int


def _code(settings: Settings, *, station: Station, actor: Principal) -> str:
    payload = f"{station.id}.{station.token_id or NO_DEVICE}.{actor.user_id}"
    return signing.sign(settings.secret_key, purpose=PURPOSE, payload=payload, expires_in=LIFETIME_SECONDS)


async def provisioning_link(
    settings: Settings, *, conference: Conference, station: Station, actor: Principal
) -> ProvisioningLink:
    """The set-up address for this station and its QR code (drawn in a worker thread)."""
    if station.retired:
        raise StationRetired("This station is retired.")
    url = f"{settings.base_url}/c/{conference.slug}/staff/provision/{_code(settings, station=station, actor=actor)}"
    drawn = await to_thread.run_sync(qr.svg, url)
    # Inline in the page: drop the XML declaration an SVG file starts with.
    svg = drawn.decode().split("?>", 1)[-1].strip()
    return ProvisioningLink(url=url, qr_svg=svg, minutes=LIFETIME_SECONDS // 60)


async def station_of_link(db: AsyncSession, settings: Settings, *, conference: Conference, code: str) -> Station:
    """The station a set-up link is for; ``LinkExpired``/``LinkInvalid``/``ProvisioningLinkUsed`` otherwise."""
    station_id, generation, _shown_by = _read(settings, code)
    station = await stations.get_station(db, conference=conference, station_id=station_id)
    if station.retired:
        raise StationRetired("This station is retired.")
    if str(station.token_id or NO_DEVICE) != generation:
        raise ProvisioningLinkUsed("This set-up code was already used. Ask the organizer to show a new one.")
    return station


def _read(settings: Settings, code: str) -> tuple[uuid.UUID, str, uuid.UUID]:
    payload = signing.unsign(settings.secret_key, purpose=PURPOSE, token=code)
    try:
        station_id, generation, shown_by = payload.split(".")
        return uuid.UUID(station_id), generation, uuid.UUID(shown_by)
    except ValueError as exc:
        raise signing.LinkInvalid("This link is not valid.") from exc


async def redeem(
    db: AsyncSession, settings: Settings, *, conference: Conference, code: str, address: str
) -> tuple[Station, IssuedToken]:
    """Makes the device opening the link this station's (one device per link), audited; not committed."""
    station = await station_of_link(db, settings, conference=conference, code=code)
    _station_id, generation, shown_by = _read(settings, code)
    organizer = await accounts.principal_for_session(db, user_id=str(shown_by))
    if organizer is None or organizer.role != Role.ORGANIZER:
        raise ProvisioningLinkUsed("Whoever showed this code can no longer set up devices. Ask for a new one.")
    old_token = None if generation == NO_DEVICE else uuid.UUID(generation)
    same_device = Station.token_id.is_(None) if old_token is None else Station.token_id == old_token
    claimed = await db.execute(update(Station).where(Station.id == station.id, same_device).values(token_id=None))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ProvisioningLinkUsed("This set-up code was already used. Ask the organizer to show a new one.")
    if old_token is not None:
        await accounts.revoke_token(db, token_id=old_token)
    await db.refresh(station)
    issued = await stations.issue_device_token(db, conference=conference, station=station, actor=organizer)
    await stations.record_station_change(
        db, actor=organizer, station=station, action="provisioned", by_link=True, device_address=address
    )
    return station, issued
