"""Member cities from a CSV file in the back office: every bad row named by its line, nothing half-written."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.conferences.models import MemberCity
from tests.backoffice.conftest import form, sign_in
from tests.conftest import Caller
from tests.registration.conftest import World


async def _upload(client: AsyncTestClient[Litestar], content: bytes, name: str = "cities.csv") -> str:
    response = await client.post(
        "/office/cities/import", data=form(client), files={"file": (name, content, "text/csv")}
    )
    return f"{response.status_code} {response.text}"


async def test_a_file_with_bad_rows_lists_them_by_line_and_imports_nothing(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    before = await db.scalar(select(func.count()).select_from(MemberCity))
    bad = (
        "name,county,division,email_domains,in_good_standing\n"
        "Clovis,Fresno,Central Valley,clovis.gov,yes\n"
        "Madera,Madera,Nowhere Division,,\n"
        "Clovis,Fresno,Central Valley,,\n"
        "Sanger,Fresno,Central Valley,fresno.gov,maybe\n"
    )
    page = await _upload(client, bad.encode())
    assert page.startswith("422")
    assert "3 row(s) of the file are wrong; nothing was imported." in page
    for line, reason in ((3, "not one of the association"), (4, "already on line 2"), (5, "in_good_standing is yes")):
        assert f'<td class="num">{line}</td><td>' in page
        assert reason in page
    assert await db.scalar(select(func.count()).select_from(MemberCity)) == before
    missing_column = await _upload(client, b"city,county\nClovis,Fresno\n")
    assert "missing: name, division" in missing_column


async def test_a_good_file_adds_cities_and_changes_only_what_differs(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    division = world.fresno.division.name
    # The demo list's columns, and the optional two; Lapsedville is back in good standing, Fresno as it was.
    content = (
        "name,county,division,email_domains,in_good_standing\n"
        f"Clovis,Fresno,{division},clovis.gov cityofclovis.org,\n"
        f"Sanger,Fresno,{division},,no\n"
        f"Fresno,Fresno,{division},fresno.gov,\n"
        f"Lapsedville,Somewhere,{division},,yes\n"
    ).encode()
    page = await _upload(client, content)
    assert page.startswith("200"), page[page.find("<h1>") :]
    assert "2 cities added, 1 changed, 1 already as in the file" in page, page[page.find("<h1>") :]
    await db.refresh(world.lapsed)
    assert world.lapsed.in_good_standing
    clovis = await db.scalar(select(MemberCity).where(MemberCity.name == "Clovis"))
    assert clovis is not None
    assert sorted(d.domain for d in clovis.email_domains) == ["cityofclovis.org", "clovis.gov"]
    again = await _upload(client, content)
    assert "0 cities added, 0 changed, 4 already as in the file" in again
    imports = await db.scalar(select(func.count()).where(AuditEvent.action == "city.imported"))
    assert imports == 2
