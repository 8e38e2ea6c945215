"""What the call's two long lists cost, pinned, on the demo's 300 proposals: a committee member's review list and
the organizers' list each read one page with its counts, in statements that do not grow with the proposals.

Issue 11: both read every proposal (and every review) on each request and rendered them all, and under load no
request of the review list finished within two seconds.
"""

from __future__ import annotations

import html
import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.seed import DEMO_LOGINS
from events_app.conferences.seed import DEMO_SLUG
from events_app.core.pagination import PAGE_SIZE
from events_app.demo import seed_demo
from events_app.proposals.seed import DEMO_REVIEWER
from tests.backoffice.conftest import form, sign_in
from tests.conftest import Caller, Statements

# Before: ten, with every proposal, speaker and review of the reviewer's tracks; now the counts and one page.
REVIEW_LIST_STATEMENTS = 5
# Before: seven as now, but one of them read every review of the conference and all rows were rendered.
OFFICE_LIST_STATEMENTS = 7
OFFICE = f"/office/c/{DEMO_SLUG}/cfp"


@pytest.fixture
async def demo(db: AsyncSession) -> None:
    await seed_demo(db)
    await db.commit()


def demo_login(email: str, password: str) -> Caller:
    return Caller(user_id=None, email=email, password=password, token="")


def next_page(page: str) -> str:
    found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', page)
    assert found, "no next page"
    return html.unescape(found.group(1))


async def test_a_reviewer_reads_the_demo_queue_a_page_at_a_time(
    client: AsyncTestClient[Litestar], demo: None, statements: Statements
) -> None:
    email, _name, password = DEMO_REVIEWER
    await sign_in(client, demo_login(email, password))
    # The first request of a process reads what every later one finds in its copy.
    await statements.settle()
    assert (await client.get(f"{OFFICE}/review")).status_code == 200
    statements.clear()
    first = await client.get(f"{OFFICE}/review")
    assert first.status_code == 200
    assert len(statements) <= REVIEW_LIST_STATEMENTS, statements.listing

    shown = re.compile(rf'href="{OFFICE}/review/([0-9a-f-]{{36}})"')
    on_first = shown.findall(first.text)
    assert len(on_first) == PAGE_SIZE
    second = await client.get(next_page(first.text))
    assert 'rel="prev">Previous page' in second.text
    assert f"showing {PAGE_SIZE + 1} to" in second.text
    assert not set(shown.findall(second.text)) & set(on_first)


async def test_an_organizer_pages_the_demo_list_and_decides_without_losing_the_page(
    client: AsyncTestClient[Litestar], demo: None, statements: Statements
) -> None:
    _role, email, _name, password = DEMO_LOGINS[0]
    await sign_in(client, demo_login(email, password))
    await statements.settle()
    assert (await client.get(f"{OFFICE}/?sort=spread")).status_code == 200
    statements.clear()
    first = await client.get(f"{OFFICE}/?sort=spread")
    assert first.status_code == 200
    assert len(statements) <= OFFICE_LIST_STATEMENTS, statements.listing

    following = next_page(first.text)
    assert f"sort=spread&offset={PAGE_SIZE}" in following
    second = (await client.get(following)).text
    assert f"showing {PAGE_SIZE + 1} to {2 * PAGE_SIZE}" in second
    proposal_id = re.findall(r'action="[^"]+/proposals/([0-9a-f-]{36})/decision"', second)[0]
    back = html.unescape(re.findall(r'name="back" value="([^"]*)"', second)[0])
    decision = form(client, decision="waitlisted", back=back)
    decided = await client.post(f"{OFFICE}/proposals/{proposal_id}/decision", data=decision, follow_redirects=False)
    assert decided.status_code == 303
    landing = await client.get(decided.headers["location"])
    assert "The decision is saved" in landing.text
    assert f"showing {PAGE_SIZE + 1} to {2 * PAGE_SIZE}" in landing.text
