"""The schedule JSON and Frab XML that apps and video teams read, and bulk import from CSV or JSON."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.cli import main
from events_app.sessions import releases
from events_app.sessions.models import ProgramSession, Room, SessionRun, Speaker
from events_app.settings import Settings, get_settings
from tests.conftest import Caller
from tests.sessions.conftest import Program, make_conference

API = "/api/conferences/fall-2027"


async def test_schedule_json_is_the_documented_format_with_an_etag(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    await db.commit()
    response = await client.get(f"{API}/schedule")
    assert response.status_code == 200
    body = response.json()
    assert body["conference"]["timezone"] == "America/Los_Angeles"
    assert {r["name"] for r in body["rooms"]} == {"Hall A", "Room 101", "Port of Long Beach"}
    housing = body["tracks"][0]
    assert housing["group"] == {
        "kind": "committee",
        "slug": "housing",
        "name": "Housing, Community and Economic Development",
    }
    b1 = next(s for s in body["sessions"] if s["code"] == "B1")
    assert [x["role"] for x in b1["speakers"]] == ["moderator", "panelist"]
    assert b1["runs"][0]["starts_at"] == "2027-10-06T10:30:00-07:00"
    # Private speaker emails never leave the service.
    assert "mlopez@example.test" not in response.text
    again = await client.get(f"{API}/schedule", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


async def test_frab_xml_lists_days_rooms_and_events(
    client: AsyncTestClient[Litestar], db: AsyncSession, program: Program, settings: Settings
) -> None:
    await releases.release_schedule(db, conference=program.conference, settings=settings, actor=None)
    await db.commit()
    response = await client.get(f"{API}/schedule.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 -- our own output
    assert root.findtext("conference/acronym") == "fall-2027"
    assert root.findtext("conference/time_zone_name") == "America/Los_Angeles"
    days = root.findall("day")
    assert [d.get("date") for d in days] == ["2027-10-06", "2027-10-07", "2027-10-08"]
    first_day_rooms = [r.get("name") for r in days[0].findall("room")]
    assert first_day_rooms == ["Hall A", "Port of Long Beach", "Room 101"]
    b1 = days[0].find("room[@name='Room 101']/event")
    assert b1 is not None
    assert b1.get("guid") == str(program.sessions["B1"].runs[0].id)
    assert int(b1.get("id") or "0") > 0
    assert b1.findtext("start") == "10:30"
    assert b1.findtext("duration") == "01:00"
    assert b1.findtext("track") == "Housing"
    assert [p.text for p in b1.findall("persons/person")] == ["Dan Wu", "Ada Park"]


SESSIONS_CSV = """code,title,type,room,starts_at,ends_at,track,speakers,seat_limit,tags
W1,Grant writing,workshop,Room 9,2027-10-06 09:00,2027-10-06 10:30,,Jo Diaz:moderator,25,"grants, finance"
W1,Grant writing,workshop,Room 9,2027-10-07 09:00,2027-10-07 10:30,,Jo Diaz:moderator,25,"grants, finance"
W2,Streets for people,breakout,Room 9,2027-10-06 11:00,2027-10-06 12:00,,,,
"""


async def test_json_import_is_all_or_nothing_with_row_numbers(
    client: AsyncTestClient[Litestar], organizer: Caller, db: AsyncSession
) -> None:
    await make_conference(db)
    await db.commit()
    document = {
        "rooms": [{"name": "Room 9", "capacity": 40}, {"name": "Room 9"}],
        "speakers": [{"name": "Jo Diaz", "city": "Atlantis"}],
        "sessions": [
            {"code": "W1", "title": "Grant writing", "type": "workshop", "room": "Room 10",
             "starts_at": "2027-10-06T09:00:00", "ends_at": "2027-10-06T10:30:00"},
            {"code": "W2", "title": "Streets", "type": "party", "room": "Room 9",
             "starts_at": "2027-10-06T11:00:00", "ends_at": "2027-10-06T12:00:00"},
        ],
    }  # fmt: skip
    refused = await client.post(f"{API}/program/import", headers=organizer.headers, json=document)
    assert refused.status_code == 422
    errors = [(e["section"], e["row"]) for e in refused.json()["errors"]]
    assert errors == [("rooms", 2), ("speakers", 1), ("sessions", 1), ("sessions", 2)]
    assert "Room 10" in refused.json()["errors"][2]["message"]
    assert await db.scalar(select(func.count()).select_from(Room)) == 0

    document["rooms"] = [{"name": "Room 9", "capacity": 40}]
    document["speakers"] = [{"name": "Jo Diaz", "city": ""}]
    document["sessions"][0]["room"] = "Room 9"  # type: ignore[index]
    document["sessions"][1]["type"] = "breakout"  # type: ignore[index]
    accepted = await client.post(f"{API}/program/import", headers=organizer.headers, json=document)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json() == {"rooms": 1, "speakers": 1, "sessions": 2, "runs": 2}
    again = await client.post(f"{API}/program/import", headers=organizer.headers, json=document)
    assert again.status_code == 201
    assert await db.scalar(select(func.count()).select_from(SessionRun)) == 2


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("EVENTS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EVENTS_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("EVENTS_VAR_DIR", str(settings.var_dir))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


async def test_cli_imports_csv_files_and_keeps_run_ids_when_a_run_moves(
    cli: CliRunner, db: AsyncSession, tmp_path: Path
) -> None:
    await make_conference(db)
    await db.commit()
    (tmp_path / "rooms.csv").write_text("name,capacity,off_site\nRoom 9,40,false\n")
    (tmp_path / "speakers.csv").write_text("name,title,email\nJo Diaz,Clerk,jo@example.test\n")
    (tmp_path / "sessions.csv").write_text(SESSIONS_CSV)
    for name in ("rooms.csv", "speakers.csv", "sessions.csv"):
        result = await asyncio.to_thread(
            cli.invoke, main, ["import", "program", str(tmp_path / name), "--conference", "fall-2027"]
        )
        assert result.exit_code == 0, result.output
    assert "Imported 0 rooms, 0 speakers, 2 sessions with 3 runs." in result.output
    workshop = await db.scalar(select(ProgramSession).where(ProgramSession.code == "W1"))
    assert workshop is not None
    assert workshop.tags == ["grants", "finance"]
    assert workshop.seat_limit == 25
    first_ids = [r.id for r in workshop.runs]
    await db.commit()

    moved = SESSIONS_CSV.replace("2027-10-07 09:00,2027-10-07 10:30", "2027-10-08 13:00,2027-10-08 14:30")
    (tmp_path / "sessions.csv").write_text(moved)
    result = await asyncio.to_thread(
        cli.invoke, main, ["import", "program", str(tmp_path / "sessions.csv"), "--conference", "fall-2027"]
    )
    assert result.exit_code == 0, result.output
    db.expire_all()
    workshop = await db.scalar(select(ProgramSession).where(ProgramSession.code == "W1"))
    assert workshop is not None
    assert [r.id for r in workshop.runs] == first_ids
    assert await db.scalar(select(func.count()).select_from(Speaker)) == 1


async def test_cli_reports_bad_rows_by_line_and_imports_nothing(
    cli: CliRunner, db: AsyncSession, tmp_path: Path
) -> None:
    await make_conference(db)
    await db.commit()
    (tmp_path / "sessions.csv").write_text(SESSIONS_CSV)
    result = await asyncio.to_thread(
        cli.invoke, main, ["import", "program", str(tmp_path / "sessions.csv"), "--conference", "fall-2027"]
    )
    assert result.exit_code == 1
    assert "sessions row 2: No room is named 'Room 9'" in result.output
    assert "sessions row 3: No room is named 'Room 9'; " not in result.output
    assert "Jo Diaz" in result.output
    assert await db.scalar(select(func.count()).select_from(ProgramSession)) == 0
    data = json.dumps({"rooms": [{"name": "Room 9", "capacity": "lots"}]})
    (tmp_path / "program.json").write_text(data)
    result = await asyncio.to_thread(
        cli.invoke, main, ["import", "program", str(tmp_path / "program.json"), "--conference", "fall-2027"]
    )
    assert result.exit_code == 1
    assert "rooms row 1:" in result.output
