"""The demo program: release 1 is public, a few changes wait in the working copy, nothing collides."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.demo import seed_demo
from events_app.sessions import checks, releases
from events_app.sessions.models import ProgramSession, Room, SessionType, Speaker
from events_app.settings import Settings


async def test_demo_program_has_a_release_and_changes_waiting(db: AsyncSession, settings: Settings) -> None:
    await seed_demo(db)
    await db.commit()
    conference = await db.scalar(select(Conference).where(Conference.slug == "annual-2027"))
    assert conference is not None
    published = await releases.published_schedule(db, conference=conference)
    assert published is not None
    assert published.release.number == 1
    types = Counter(s.type for s in published.sessions)
    assert 170 <= len(published.sessions) <= 190
    assert types[SessionType.MOBILE_TOUR] == 6
    assert {t.group.kind for t in published.tracks if t.group} == {"committee"}
    assert len(published.tracks) == 7
    assert await db.scalar(select(func.count()).select_from(Room).where(Room.off_site.is_(False))) == 14
    assert 200 <= (await db.scalar(select(func.count()).select_from(Speaker)) or 0) <= 240
    officials = [s for s in published.speakers if s.organization.startswith("City of ")]
    assert len(officials) > len(published.speakers) * 3 // 4

    assert [w for w in await checks.check_schedule(db, conference=conference) if w.hard] == []
    pending = await releases.pending_changes(db, conference=conference, settings=settings)
    assert pending.based_on == 1
    assert sorted(k for c in pending.changelog for k in c.kinds) == ["cancelled", "moved", "new", "re-roomed"]
    assert await db.scalar(select(func.count()).select_from(ProgramSession).where(ProgramSession.code == "L001")) == 1
