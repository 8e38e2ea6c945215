"""The dashboard's program numbers, counted cheaply, say what building the next release would say."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.sessions import pending, releases, service
from events_app.sessions.models import SessionStatus, SpeakerRole
from events_app.sessions.schemas import RunPatch, SessionPatch
from events_app.settings import Settings
from tests.sessions.conftest import Program, add_session, at


async def _agree(db: AsyncSession, program: Program, settings: Settings) -> tuple[int, int]:
    built = await releases.pending_changes(db, conference=program.conference, settings=settings)
    counted = await pending.program_counts(db, conference=program.conference)
    expected = (len(built.changelog), sum(w.hard for w in built.warnings))
    assert (counted.unpublished_changes, counted.hard_conflicts) == expected
    return expected


async def test_the_counts_follow_every_kind_of_change_and_conflict(
    db: AsyncSession, settings: Settings, program: Program
) -> None:
    conference = program.conference
    assert await _agree(db, program, settings) == (5, 0)  # five runs, all new
    await releases.release_schedule(db, conference=conference, settings=settings, actor=None)
    assert await _agree(db, program, settings) == (0, 0)

    # B3 takes Room 101 while B1 is on, with B1's moderator: a room and a speaker in two places.
    await add_session(db, program, "B3", "Water rates", ("Room 101", at(6, 11), at(6, 12)),
                      speakers=(("Dan Wu", SpeakerRole.PRESENTER),))  # fmt: skip
    # A draft that collides is not hard and not published.
    await add_session(db, program, "D1", "Draft idea", ("Room 101", at(6, 11), at(6, 12)),
                      status=SessionStatus.DRAFT)  # fmt: skip
    assert await _agree(db, program, settings) == (1, 2)

    [run] = program.sessions["B2"].runs
    await service.update_run(db, conference=conference, run=run, data=RunPatch(starts_at=at(7, 15), ends_at=at(7, 16)),
                             actor=None)  # fmt: skip
    await service.update_session(db, conference=conference, session=program.sessions["K1"],
                                 data=SessionPatch(status=SessionStatus.CANCELLED), actor=None)  # fmt: skip
    assert await _agree(db, program, settings) == (3, 2)
    summary = await pending.program_counts(db, conference=conference)
    assert summary.sessions == 6
