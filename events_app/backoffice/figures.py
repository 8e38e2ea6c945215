"""A conference's dashboard figures, each read through the service of the domain that owns it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import dashboard as arrivals
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.expo import floorplan
from events_app.payments import service as payments
from events_app.registration import reports
from events_app.registration.schemas import TypeCount
from events_app.sessions import pending, releases
from events_app.sessions.models import ScheduleRelease


@dataclass(frozen=True, slots=True)
class Program:
    sessions: int
    release: ScheduleRelease | None
    unpublished_changes: int
    hard_conflicts: int


@dataclass(frozen=True, slots=True)
class Figures:
    registrations: list[TypeCount]
    takings: list[payments.Takings]
    booths: Counter[str]  # available / held / booked
    program: Program
    arrivals_today: int

    @property
    def waitlist(self) -> int:
        return sum(t.waitlist for t in self.registrations)


async def _program(db: AsyncSession, *, conference: Conference) -> Program:
    # Counted, not built: building the next release to count its changes cost up to a second.
    counts = await pending.program_counts(db, conference=conference)
    return Program(
        sessions=counts.sessions,
        release=await releases.latest_release(db, conference=conference),
        unpublished_changes=counts.unpublished_changes,
        hard_conflicts=counts.hard_conflicts,
    )


async def gather(db: AsyncSession, *, conference: Conference) -> Figures:
    """The figures as they stand now; ``arrivals_today`` counts the conference's own calendar day."""
    today = now().astimezone(ZoneInfo(conference.timezone)).date()
    return Figures(
        registrations=await reports.live_counts(db, conference_id=conference.id),
        takings=await payments.takings(db, conference_id=conference.id),
        booths=Counter(view.status for view in await floorplan.booth_views(db, conference=conference)),
        program=await _program(db, conference=conference),
        arrivals_today=await arrivals.arrivals_on(db, conference=conference, day=today),
    )
