"""An organizer creates a conference, saves its details and publishes it in the back office; each change is audited
and a refused form comes back with the reason and nothing written."""

from __future__ import annotations

from datetime import UTC, date, datetime

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.conferences.models import Conference, ConferenceStatus
from tests.backoffice.conftest import form, sign_in
from tests.conftest import Caller

NEW = {
    "name": "Spring Policy Forum 2028",
    "slug": "spring-2028",
    "timezone": "America/Los_Angeles",
    "venue_name": "Sacramento Convention Center",
    "venue_address": "1400 J St, Sacramento, CA",
    "starts_on": "2028-03-14",
    "ends_on": "2028-03-16",
    "registration_opens_at": "2027-11-01T09:00",
}


async def _actions(db: AsyncSession) -> list[str]:
    return sorted(await db.scalars(select(AuditEvent.action)))


async def test_a_conference_is_created_as_a_draft_its_details_saved_and_published(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    created = await client.post("/office/conferences", data=form(client, **NEW))
    assert "The conference is created as a draft" in created.text
    conference = await db.scalar(select(Conference).where(Conference.slug == "spring-2028"))
    assert conference is not None
    assert conference.status == ConferenceStatus.DRAFT
    assert conference.registration_opens_at == datetime(2027, 11, 1, 16, 0, tzinfo=UTC)  # 9 AM in Sacramento
    assert not conference.admit_invoiced_members

    details = {**NEW, "slug": "", "name": "Spring Forum 2028", "ends_on": "2028-03-17", "admit_invoiced_members": "on"}
    saved = await client.post("/office/c/spring-2028/details", data=form(client, **details))
    assert "The details are saved." in saved.text
    published = await client.post("/office/c/spring-2028/publish", data=form(client))
    assert "The conference is published" in published.text
    await db.refresh(conference)
    assert (conference.name, conference.ends_on, conference.slug) == (
        "Spring Forum 2028",
        date(2028, 3, 17),
        "spring-2028",
    )
    assert conference.admit_invoiced_members
    assert conference.status == ConferenceStatus.PUBLISHED
    assert await _actions(db) == ["conference.created", "conference.published", "conference.updated"]


async def test_a_refused_conference_form_comes_back_with_the_reason_and_nothing_written(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    for changes, reason in (
        ({"ends_on": "2028-03-13"}, "A conference cannot end before it starts."),
        ({"timezone": "Mars/Olympus"}, "is not an IANA time zone"),
        ({"slug": "Spring 2028"}, "Not added:"),
        ({"starts_on": "soon"}, "Give the day the conference starts."),
    ):
        refused = await client.post("/office/conferences", data=form(client, **{**NEW, **changes}))
        assert refused.status_code == 422, changes
        assert reason in refused.text
        assert 'value="Sacramento Convention Center"' in refused.text  # what was typed, to correct
    assert await db.scalar(select(func.count()).select_from(Conference)) == 0
    assert await _actions(db) == []
    taken = await client.post("/office/conferences", data=form(client, **NEW), follow_redirects=False)
    assert taken.status_code == 303
    again = await client.post("/office/conferences", data=form(client, **NEW))
    assert again.status_code == 422
    assert "already used by another conference" in again.text
