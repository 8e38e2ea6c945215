"""The demo's feeds (the program's and an attendee's agenda) read by calendar clients nobody here
wrote: vdirsyncer syncs them over HTTP from a served app into a folder, khal lists what a person would see."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.conferences.seed import DEMO_SLUG
from events_app.demo import seed_demo
from events_app.registration.models import Attendee, AttendeeStatus
from events_app.sessions import agenda, agenda_links, releases
from events_app.sessions.schemas import Schedule, ScheduleRun, ScheduleSession
from events_app.settings import Settings
from tests.conftest import LiveServer

SEPARATOR = "\t"


class CalendarClient:
    """One vdirsyncer pair (the feed over HTTP into a folder) and khal reading that folder."""

    def __init__(self, home: Path, feed_url: str) -> None:
        self.home = home
        (home / "status").mkdir(parents=True)
        (home / "calendar").mkdir()
        (home / "vdirsyncer.conf").write_text(
            "[general]\n"
            f'status_path = "{home}/status/"\n'
            "[pair feed]\n"
            'a = "published"\nb = "local"\ncollections = null\nconflict_resolution = "a wins"\n'
            "[storage published]\n"
            f'type = "http"\nurl = "{feed_url}"\n'
            "[storage local]\n"
            f'type = "filesystem"\npath = "{home}/calendar/"\nfileext = ".ics"\n'
        )
        (home / "khal.conf").write_text(
            f"[calendars]\n[[conference]]\npath = {home}/calendar/\ntype = calendar\n"
            "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
            "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
            "local_timezone = America/Los_Angeles\ndefault_timezone = America/Los_Angeles\n"
            f"[sqlite]\npath = {home}/khal.db\n"
        )

    async def _run(self, *command: str) -> str:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={"HOME": str(self.home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"},
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, f"{command[0]} failed:\n{output.decode()}"
        return output.decode()

    async def sync(self) -> None:
        config = str(self.home / "vdirsyncer.conf")
        await self._run("vdirsyncer", "-c", config, "discover", "feed")
        await self._run("vdirsyncer", "-c", config, "sync", "feed")

    async def events(self, first_day: str, days: int) -> list[tuple[str, str, str]]:
        """Each event khal shows in those days: (start, title, status), sorted.

        vdirsyncer files what it reads over HTTP under a hash of each event, not its UID (its http
        storage always does), so a client here tells events apart by what a person sees.
        """
        fields = SEPARATOR.join(("{start}", "{title}", "{status}"))
        listing = await self._run(
            "khal", "-c", str(self.home / "khal.conf"), "list", "--format", fields, "--day-format", "",
            "--notstarted", first_day, f"{days}d",
        )  # fmt: skip
        rows = (line.split(SEPARATOR) for line in filter(None, listing.splitlines()))
        return sorted((start, title, status.strip()) for start, title, status in rows)


def _shown(schedule: Schedule, keep: Callable[[ScheduleSession, ScheduleRun], bool]) -> list[tuple[str, str, str]]:
    """What a calendar should show of ``schedule``: the conference's wall-clock times, cancelled runs marked."""
    zone = ZoneInfo(schedule.conference.timezone)
    return sorted(
        (
            run.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            session.title,
            "CANCELLED" if run.status == "cancelled" or session.status == "cancelled" else "CONFIRMED",
        )
        for session in schedule.sessions
        for run in session.runs
        if keep(session, run)
    )


async def test_vdirsyncer_and_khal_see_every_event_and_follow_a_release(
    db: AsyncSession, settings: Settings, live_servers: Callable[..., list[LiveServer]], tmp_path: Path
) -> None:
    for tool in ("vdirsyncer", "khal"):
        if not shutil.which(tool):
            pytest.fail(f"Debian's {tool} is not installed: apt-get install vdirsyncer khal (.ci/run does)")
    await seed_demo(db)
    await db.commit()
    conference = await db.scalar(select(Conference).where(Conference.slug == DEMO_SLUG))
    assert conference is not None
    first_day, days = conference.starts_on.isoformat(), (conference.ends_on - conference.starts_on).days + 1
    [server] = live_servers(1)
    feeds = f"{server.url}/c/{DEMO_SLUG}/feeds"
    schedule = await releases.published_schedule(db, conference=conference)
    assert schedule is not None
    track, room, speaker = schedule.tracks[0], schedule.rooms[0], schedule.speakers[0]
    attendee = await db.scalar(
        select(Attendee).where(Attendee.conference_id == conference.id, Attendee.status == AttendeeStatus.CONFIRMED)
    )
    assert attendee is not None
    own = await agenda_links.agenda_for(db, attendee=attendee)
    picked = set()
    for session in schedule.sessions:
        if session.track_id == track.id:
            added = await agenda.add_to_agenda(
                db, conference=conference, settings=settings, agenda=own, attendee=attendee, schedule=schedule,
                run_id=session.runs[0].id,
            )  # fmt: skip
            if added.status in ("added", "confirmed"):
                picked.add(session.runs[0].id)
    await db.commit()
    assert picked
    agenda_feed = agenda_links.agenda_feed_url(settings, conference, own).removeprefix(settings.base_url)
    scopes: dict[str, Callable[[ScheduleSession, ScheduleRun], bool]] = {
        "program.ics": lambda _s, _r: True,
        f"tracks/{track.slug}.ics": lambda s, _r: s.track_id == track.id,
        f"rooms/{room.id}.ics": lambda _s, r: r.room_id == room.id,
        f"speakers/{speaker.id}.ics": lambda s, _r: any(x.speaker_id == speaker.id for x in s.speakers),
        agenda_feed: lambda _s, r: r.id in picked,
    }
    clients = {
        name: CalendarClient(tmp_path / str(n), f"{server.url}{name}" if name.startswith("/") else f"{feeds}/{name}")
        for n, name in enumerate(scopes)
    }

    for name, client in clients.items():
        await client.sync()
        assert await client.events(first_day, days) == _shown(schedule, scopes[name]), name
    before = await clients["program.ics"].events(first_day, days)
    assert len(before) == sum(len(s.runs) for s in schedule.sessions)

    # Release 2 publishes the demo's waiting edits: a move, a room change, a cancellation, an addition.
    release, _ = await releases.release_schedule(db, conference=conference, settings=settings, actor=None)
    await db.commit()
    schedule = releases.decode_schedule(release)
    for name, client in clients.items():
        await client.sync()
        assert await client.events(first_day, days) == _shown(schedule, scopes[name]), name

    after = await clients["program.ics"].events(first_day, days)
    kinds = {kind for change in release.changelog for kind in change["kinds"]}
    assert {"moved", "cancelled", "new"} <= kinds
    moved = next(c for c in release.changelog if "moved" in c["kinds"])
    now = datetime.fromisoformat(moved["after"]["starts_at"]).astimezone(ZoneInfo(conference.timezone))
    shown = [(now.strftime("%Y-%m-%d %H:%M"), moved["title"], "CONFIRMED")]
    assert [e for e in after if e[1] == moved["title"]] == shown
    assert len(after) == len(before) + 1  # the late-breaking session came in; the moved one was not doubled
