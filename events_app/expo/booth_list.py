"""The booth list each process keeps per conference: every booth with its availability as anyone sees it,
and that list already encoded, so the booth list and the floor plan read nothing while it holds.

It is kept in the conference cache, in the part that booth claims change, so it is dropped in every
process by each committed claim, release, booking or cancellation (``claims.occupy`` sends the notice)
and by a floor-plan import or partner edit (watched rows drop everything kept); and it lasts only
until the first hold or card checkout in it runs out, since a claim that ends by time changes no row.
A partner's own holds and bookings are marked on top of the kept booths, and filters pick from them;
only the unfiltered public list is served as kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.expo.claims import BOOTH_CLAIMS
from events_app.expo.floorplan import BoothView, booth_views
from events_app.expo.schemas import BoothOut
from events_app.expo.views import booth_out


@dataclass(frozen=True, slots=True)
class PublicBooths:
    """Every booth of a conference as anyone sees it at one moment, each with its response shape."""

    views: tuple[BoothView, ...]
    outs: tuple[BoothOut, ...]
    body: bytes  # ``outs`` as JSON: the answer to an unfiltered list by anyone but a partner
    runs_out: datetime | None  # the first hold or card checkout in it to end by time

    def seen_by(self, partner_id: uuid.UUID | None) -> Iterator[tuple[BoothView, BoothOut]]:
        """Each booth as ``partner_id`` sees it (its own holds and bookings marked), with its response shape."""
        for view, out in zip(self.views, self.outs, strict=True):
            seen = view.seen_by(partner_id)
            yield (view, out) if seen is view else (seen, booth_out(seen))


async def _read(db: AsyncSession, conference: Conference) -> PublicBooths:
    views = tuple(await booth_views(db, conference=conference))
    outs = tuple(booth_out(v) for v in views)
    # A live claim with an end (a hold, a card checkout) is one the clock, not a write, ends.
    ends = [v.booth.occupied_until for v in views if v.status != "available" and v.booth.occupied_until is not None]
    return PublicBooths(views=views, outs=outs, body=msgspec.json.encode(outs), runs_out=min(ends, default=None))


async def public_booths(db: AsyncSession, *, cache: ConferenceCache, conference: Conference) -> PublicBooths:
    """The conference's booths as anyone sees them now: the process's kept copy while it holds, else read."""
    booths = await cache.value(
        conference.id, lambda: _read(db, conference), part=BOOTH_CLAIMS, runs_out=lambda found: found.runs_out
    )
    assert booths is not None  # a read always finds a list, empty or not
    return booths
