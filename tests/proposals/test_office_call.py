"""An organizer runs the call from the back office with their session: sets it up where there was none, edits it,
seats and unseats the committees' reviewers, and downloads the proposals with their scores."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role, User
from events_app.audit.models import AuditEvent
from events_app.proposals.models import Call, Reviewer
from events_app.sessions import service as program
from events_app.sessions.schemas import TrackIn
from tests.backoffice.conftest import form, sign_in
from tests.conftest import Caller, MakeCaller
from tests.proposals.conftest import CfpWorld, MakeReviewer, Submit
from tests.sessions.conftest import make_conference


async def _audited(db: AsyncSession, action: str) -> int:
    return await db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)) or 0


async def test_an_organizer_sets_up_a_call_where_there_was_none(
    client: AsyncTestClient[Litestar], db: AsyncSession, organizer: Caller
) -> None:
    conference = await make_conference(db, slug="spring-2028")
    housing, _ = await program.create_track(
        db, conference=conference, data=TrackIn(slug="housing", name="Housing"), actor=None
    )
    await db.commit()
    await sign_in(client, organizer)
    office = f"/office/c/{conference.slug}/cfp"
    empty = await client.get(office + "/")
    assert empty.status_code == 200
    assert "Set up the call for proposals" in empty.text
    fields: dict[str, str | list[str]] = {
        "opens_at": "2027-09-01T09:00", "closes_at": "2027-08-01T17:00", "track_ids": [str(housing.id)],
        "session_types": ["breakout", "workshop"], "durations": "60, 90", "criteria": "Relevance\nQuality",
        "anonymous": "yes", "description": "Tell the committees what works in your city.",
    }  # fmt: skip
    assert (await client.post(office + "/call", data=fields)).status_code == 403  # no CSRF token
    backwards = await client.post(office + "/call", data=form(client, **fields))
    assert backwards.status_code == 422
    assert "close after it opens" in backwards.text
    assert 'value="2027-08-01T17:00"' in backwards.text  # the organizer's input stays on the page
    no_minutes = await client.post(office + "/call", data=form(client, **fields | {"durations": "an hour"}))
    assert no_minutes.status_code == 422
    assert "5 to 600 minutes" in no_minutes.text
    assert await db.scalar(select(func.count()).select_from(Call)) == 0

    saved = await client.post(
        office + "/call", data=form(client, **fields | {"closes_at": "2027-09-30T17:00"}), follow_redirects=False
    )
    assert saved.status_code == 303
    call = await db.scalar(select(Call).where(Call.conference_id == conference.id))
    assert call is not None
    # September in Los Angeles is seven hours behind UTC.
    assert call.opens_at.replace(tzinfo=UTC) == datetime(2027, 9, 1, 16, tzinfo=UTC)
    assert (call.session_types, call.durations, call.anonymous) == (["breakout", "workshop"], [60, 90], True)
    assert await _audited(db, "proposals.call.set") == 1
    listed = await client.get(office + "/")
    assert "Edit the call" in listed.text


async def test_an_organizer_edits_the_call_and_a_refusal_changes_nothing(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    office = f"/office/c/{cfp.conference.slug}/cfp"
    shown = await client.get(office + "/call")
    assert "<h1>Edit the call</h1>" in shown.text
    assert "Relevance\nQuality</textarea>" in shown.text
    opens = shown.text.split('name="opens_at" required value="')[1][:16]
    closes = shown.text.split('name="closes_at" required value="')[1][:16]
    fields: dict[str, str | list[str]] = {
        "opens_at": opens, "closes_at": closes, "track_ids": [str(t.id) for t in cfp.tracks.values()],
        "session_types": ["breakout"], "durations": "45, 60", "criteria": "Relevance\nQuality\nFit for cities",
        "description": "Now named.",
    }  # fmt: skip
    refused = await client.post(office + "/call", data=form(client, **fields | {"track_ids": []}))
    assert refused.status_code == 422
    assert "Choose at least one track." in refused.text
    done = await client.post(office + "/call", data=form(client, **fields))
    assert "The call is saved." in done.text
    call = await db.scalar(select(Call).where(Call.conference_id == cfp.conference.id).execution_options(
        populate_existing=True))  # fmt: skip
    assert call is not None
    assert (call.criteria, call.durations, call.anonymous) == (["Relevance", "Quality", "Fit for cities"], [45, 60],
                                                              False)  # fmt: skip
    assert await _audited(db, "proposals.call.set") == 2  # the fixture's and this one


async def test_an_organizer_seats_and_unseats_reviewers_by_email(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, organizer: Caller, make_caller: MakeCaller
) -> None:
    member = await make_caller(Role.REVIEWER)
    staff = await make_caller(Role.STAFF)
    await sign_in(client, organizer)
    page = f"/office/c/{cfp.conference.slug}/cfp/reviewers"
    housing, fresno = str(cfp.tracks["housing"].id), str(cfp.cities["Fresno"].id)
    seated = await client.post(page, data=form(client, email=member.email, track_id=housing, city_id=fresno))
    assert "The reviewer is seated on the committee." in seated.text
    assert "Fresno" in seated.text
    [seat] = list(await db.scalars(select(Reviewer).execution_options(populate_existing=True)))
    assert (seat.user_id, seat.city_id) == (member.user_id, cfp.cities["Fresno"].id)

    not_a_member = await client.post(page, data=form(client, email=staff.email, track_id=housing))
    assert not_a_member.status_code == 422
    assert "only reviewers and organizers review" in not_a_member.text
    unknown = await client.post(page, data=form(client, email="lee@modesto.gov", track_id=housing))
    assert unknown.status_code == 422
    assert "give a name and a first password" in unknown.text
    new = await client.post(page, data=form(
        client, email="lee@modesto.gov", track_id=housing, name="Lee Park", password="a long first password",
    ))  # fmt: skip
    assert "Lee Park" in new.text
    lee = await db.scalar(select(User).where(User.email == "lee@modesto.gov"))
    assert lee is not None
    assert lee.role == Role.REVIEWER

    asked = await client.post(f"{page}/{seat.id}/unseat", data=form(client))
    assert asked.status_code == 200
    assert "Yes, unseat them" in asked.text
    assert await db.scalar(select(func.count()).select_from(Reviewer)) == 2
    gone = await client.post(f"{page}/{seat.id}/unseat", data=form(client, confirmed="yes"))
    assert "The reviewer is off the committee" in gone.text
    assert await db.scalar(select(func.count()).select_from(Reviewer)) == 1
    assert await _audited(db, "proposals.reviewer.unseated") == 1
    again = await client.post(f"{page}/{seat.id}/unseat", data=form(client, confirmed="yes"))
    assert again.status_code == 404


async def test_the_proposals_csv_downloads_with_the_organizers_session(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, organizer: Caller, make_caller: MakeCaller
) -> None:
    await submit("ana.ruiz@fresno.gov", name="Ana Ruiz", city="Fresno", title="=Housing that pencils")
    office = f"/office/c/{cfp.conference.slug}/cfp"
    await sign_in(client, await make_caller(Role.REVIEWER))
    assert (await client.get(office + "/proposals.csv")).status_code == 403
    await sign_in(client, organizer)
    assert f'href="{office}/proposals.csv"' in (await client.get(office + "/")).text
    export = await client.get(office + "/proposals.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    assert "'=Housing that pencils" in export.text  # spreadsheet-safe, as the API's export
    assert "Ana Ruiz" in export.text


async def test_the_api_unseats_a_reviewer_once(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, organizer: Caller, make_reviewer: MakeReviewer
) -> None:
    await make_reviewer("safety")
    seat = await db.scalar(select(Reviewer))
    assert seat is not None
    gone = await client.delete(f"{cfp.api}/reviewers/{seat.id}", headers=organizer.headers)
    assert gone.status_code == 204
    assert await db.scalar(select(func.count()).select_from(Reviewer)) == 0
    again = await client.delete(f"{cfp.api}/reviewers/{seat.id}", headers=organizer.headers)
    assert again.status_code == 404
    assert again.json()["code"] == "reviewer-not-found"
