"""Working through a network outage: the copy a scanner keeps, and syncing the scans it queued.

The scanner page keeps the conference's public key, every attendee's badge version and
status and who is already in, so it can verify badges and answer by itself. When the
network is back it sends its queue in the order taken; each scan is redeemed as if sent
alone, and one that was admitted offline here after another door let the badge in first
comes back flagged as a conflict for staff to review.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.checkin import badges, people
from events_app.checkin.models import Checkin, Station
from events_app.checkin.scans import redeem_and_commit
from events_app.checkin.schemas import OfflineAttendee, OfflineBundle, ScanBatchOut, ScanIn
from events_app.checkin.stations import station_out
from events_app.conferences.cache import ConferenceCache
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.settings import Settings


async def offline_bundle(
    db: AsyncSession, *, settings: Settings, conference: Conference, station: Station
) -> OfflineBundle:
    """The public key, every attendee's current badge version and status, and who is already in."""
    everyone = await people.holders(db, conference_id=conference.id)
    arrived = set(await db.scalars(select(Checkin.attendee_id).where(Checkin.conference_id == conference.id)))
    return OfflineBundle(
        conference_id=conference.id,
        slug=conference.slug,
        key=await badges.public_key_out(db, settings=settings, conference=conference),
        station=station_out(station),
        attendees=[
            OfflineAttendee(
                id=str(h.id),
                version=h.badge_version,
                status=str(h.status),
                name=h.name,
                badge_name=h.badge_name,
                paid=h.paid,
                order_id=str(h.order_id),
                registration_type=h.registration_type,
                city=h.city,
                checked_in=h.id in arrived,
                vouched=conference.admit_invoiced_members and h.invoiced_member,
            )
            for h in everyone
        ],
        generated_at=now(),
    )


async def sync_queue(
    db: AsyncSession,
    *,
    conference: Conference,
    scans: Sequence[ScanIn],
    actor: Principal,
    cache: ConferenceCache | None = None,
) -> ScanBatchOut:
    """Redeems a device's queued scans and commits them; a scan the rules refuse is answered, not raised."""
    answers = await redeem_and_commit(db, conference=conference, items=scans, actor=actor, batch=True, cache=cache)
    return ScanBatchOut(answers=answers, conflicts=sum(1 for a in answers if a.conflict))
