"""The call's pages in a browser's terms: forms with their CSRF token, a speaker through their link, a reviewer's
pages without the speakers' names, the organizers' list with decisions and the release."""

from __future__ import annotations

import io

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from tests.backoffice.conftest import form, sign_in
from tests.conftest import Caller
from tests.proposals.conftest import CfpWorld, MakeReviewer, Submit, link_in, mails_to


async def test_the_conference_page_leads_to_the_call_and_the_call_mails_a_link(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld
) -> None:
    home = await client.get(f"/c/{cfp.conference.slug}")
    assert f'href="/c/{cfp.conference.slug}/cfp"' in home.text
    call = await client.get(f"/c/{cfp.conference.slug}/cfp")
    assert "Public Safety" in call.text
    refused = await client.post(f"/c/{cfp.conference.slug}/cfp", data={"email": "ana@fresno.gov"})
    assert refused.status_code == 403  # no CSRF token
    sent = await client.post(f"/c/{cfp.conference.slug}/cfp", data=form(client, email="ana@fresno.gov"))
    assert "on its way" in sent.text
    assert "/cfp/speaker/" in link_in((await mails_to(db, "ana@fresno.gov"))[0])


async def test_a_speaker_proposes_submits_and_uploads_a_photo_through_the_pages(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld
) -> None:
    await client.get("/login")
    await client.post(f"/c/{cfp.conference.slug}/cfp", data=form(client, email="ana@fresno.gov"))
    home = link_in((await mails_to(db, "ana@fresno.gov"))[0])
    assert (await client.get(home)).status_code == 200
    saved = await client.post(
        f"{home}/profile", data=form(client, name="Ana Ruiz", city_id=str(cfp.cities["Fresno"].id))
    )
    assert "Your profile is saved." in saved.text
    assert "Propose a session" in (await client.get(f"{home}/proposals/new")).text
    made = await client.post(f"{home}/proposals", data=form(
        client, title="Housing that pencils", track_id=str(cfp.tracks["housing"].id), session_type="breakout",
        duration_minutes="60", abstract="Numbers that work.",
    ))  # fmt: skip
    assert "The proposal is saved." in made.text
    housing = str(cfp.tracks["housing"].id)
    bad = await client.post(
        f"{home}/proposals", data=form(client, title="Odd", track_id=housing, duration_minutes="45")
    )
    assert bad.status_code == 422
    assert "minutes" in bad.text
    mine = (
        await client.get(f"/api/conferences/{cfp.conference.slug}/cfp/speaker/{home.rsplit('/', 1)[1]}/proposals")
    ).json()
    submitted = await client.post(f"{home}/proposals/{mine[0]['id']}/submit", data=form(client))
    assert "submitted to its committee" in submitted.text

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="JPEG")
    uploaded = await client.post(f"{home}/photo", files={"photo": ("me.php", out.getvalue(), "application/x-php")},
                                 data={"_csrf_token": client.cookies.get("csrftoken", "")})  # fmt: skip
    assert "Your photo is saved." in uploaded.text
    fake = await client.post(f"{home}/photo", files={"photo": ("me.jpg", b"GIF89a not really", "image/jpeg")},
                             data={"_csrf_token": client.cookies.get("csrftoken", "")})  # fmt: skip
    assert fake.status_code == 422
    assert "not a JPEG, PNG or WebP image" in fake.text


async def test_a_reviewers_pages_never_name_the_speaker(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, make_reviewer: MakeReviewer
) -> None:
    ana = await submit("ana.ruiz@fresno.gov", name="Ana Ruiz", city="Fresno")
    reviewer = await make_reviewer("housing")
    await sign_in(client, reviewer)
    office = f"/office/c/{cfp.conference.slug}/cfp"
    listed = await client.get(f"{office}/review")
    one = await client.get(f"{office}/review/{ana['id']}")
    assert listed.status_code == one.status_code == 200
    scored = await client.post(f"{office}/review/{ana['id']}", data=form(client, **{"score:Relevance": "5",
                               "score:Quality": "4", "comment": "Clear"}))  # fmt: skip
    assert "Your review is saved." in scored.text
    for page in (listed.text, one.text, scored.text):
        for secret in ("Ana", "Ruiz", "ana.ruiz", "fresno.gov", "Fresno"):
            assert secret not in page
    assert (await client.get(office + "/")).status_code == 403  # the organizers' list is not a reviewer's


async def test_an_organizer_decides_and_releases_from_the_back_office(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, submit: Submit, organizer: Caller
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz", city="Fresno")
    await sign_in(client, organizer)
    office = f"/office/c/{cfp.conference.slug}/cfp"
    assert 'href="/office/c/fall-2027/cfp/"' in (await client.get(f"/office/c/{cfp.conference.slug}/")).text
    listed = await client.get(office + "/")
    assert "Ana Ruiz" in listed.text
    decided = await client.post(f"{office}/proposals/{ana['id']}/decision", data=form(client, decision="accepted"))
    assert "The decision is saved" in decided.text
    assert "Release 1 decisions" in decided.text
    released = await client.post(f"{office}/release", data=form(client))
    assert "The decisions are released" in released.text
    assert (await mails_to(db, "ana@fresno.gov"))[-1]["Subject"].endswith("is accepted")
    detail = await client.get(f"{office}/proposals/{ana['id']}")
    assert "accepted (told)" in detail.text
