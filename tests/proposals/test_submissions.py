"""A would-be speaker signs in by a mailed link, drafts, submits, edits until the deadline, invites a co-speaker,
withdraws; their photo is checked by its bytes."""

from __future__ import annotations

import io
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.settings import Settings
from tests.conftest import Clock
from tests.proposals.conftest import PROPOSAL, CfpWorld, SignIn, Submit, link_in, mails_to, token_of


def png(size: tuple[int, int] = (40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


async def test_the_call_is_public_and_says_what_it_takes(client: AsyncTestClient[Litestar], cfp: CfpWorld) -> None:
    shown = (await client.get(cfp.api)).json()
    assert shown["is_open"] is True
    assert [t["slug"] for t in shown["tracks"]] == ["housing", "safety"]
    assert shown["durations"] == [60, 90]
    assert "learning_objectives" in shown["questions"]


async def test_a_speaker_drafts_submits_and_edits_until_the_deadline(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, sign_in: SignIn, clock: Clock
) -> None:
    token = await sign_in("ana@fresno.gov")
    base = f"{cfp.api}/speaker/{token}"
    draft = await client.post(f"{base}/proposals", json=PROPOSAL | {"track_id": str(cfp.tracks["housing"].id)})
    assert draft.status_code == 201
    assert draft.json()["state"] == "draft"
    proposal = f"{base}/proposals/{draft.json()['id']}"

    nameless = await client.post(f"{proposal}/submit")
    assert nameless.status_code == 422
    assert nameless.json()["code"] == "proposal-incomplete"
    await client.put(
        base, json={"name": "Ana Ruiz", "title": "Planning Director", "city_id": str(cfp.cities["Fresno"].id)}
    )
    assert (await client.post(f"{proposal}/submit")).json()["state"] == "submitted"

    edited = await client.put(proposal, json=PROPOSAL | {"track_id": str(cfp.tracks["housing"].id), "title": "Better"})
    assert edited.json()["title"] == "Better"

    clock.advance(timedelta(days=11))
    late = await client.put(proposal, json=PROPOSAL | {"track_id": str(cfp.tracks["housing"].id), "title": "Late"})
    assert late.status_code == 409
    assert late.json()["code"] == "call-closed"
    too_late = await client.post(f"{base}/proposals", json=PROPOSAL | {"track_id": str(cfp.tracks["housing"].id)})
    assert too_late.json()["code"] == "call-closed"
    assert (await client.get(f"{base}/proposals")).json()[0]["title"] == "Better"


async def test_the_call_refuses_what_it_does_not_take(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, sign_in: SignIn
) -> None:
    token = await sign_in("ana@fresno.gov")
    body = PROPOSAL | {"track_id": str(cfp.tracks["housing"].id)}
    for wrong in ({"duration_minutes": 45}, {"session_type": "keynote"}):
        refused = await client.post(f"{cfp.api}/speaker/{token}/proposals", json=body | wrong)
        assert refused.status_code == 422
        assert refused.json()["code"] == "not-in-the-call"


async def test_a_link_works_only_for_its_speaker_and_conference(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, sign_in: SignIn
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz")
    bob = await sign_in("bob@modesto.gov")
    theirs = await client.get(f"{cfp.api}/speaker/{bob}/proposals/{ana['id']}")
    assert theirs.status_code == 404
    forged = await client.get(f"{cfp.api}/speaker/{ana['token'][:-3]}abc")
    assert forged.status_code == 422
    assert forged.json()["code"] == "link-invalid"


async def test_a_co_speaker_is_invited_by_mail_and_sees_but_cannot_change_the_proposal(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, submit: Submit
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz")
    proposal = f"{cfp.api}/speaker/{ana['token']}/proposals/{ana['id']}"
    invited = await client.post(f"{proposal}/co-speakers", json={"email": "Dan@Modesto.gov"})
    assert invited.status_code == 200
    assert invited.json()["co_speakers"] == ["dan@modesto.gov"]
    dan = token_of(link_in((await mails_to(db, "dan@modesto.gov"))[0]))

    seen = await client.get(f"{cfp.api}/speaker/{dan}/proposals")
    assert [p["title"] for p in seen.json()] == [PROPOSAL["title"]]
    refused = await client.post(f"{cfp.api}/speaker/{dan}/proposals/{ana['id']}/withdraw")
    assert refused.status_code == 403
    assert refused.json()["code"] == "owner-only"
    assert (await client.post(f"{proposal}/withdraw")).json()["state"] == "withdrawn"


async def test_a_photo_is_checked_by_its_bytes_and_stored_under_our_name(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, sign_in: SignIn, settings: Settings
) -> None:
    token = await sign_in("ana@fresno.gov")
    photo = f"{cfp.api}/speaker/{token}/photo"
    # The folder is the session's: earlier tests' photos may be there.
    folder = settings.var_dir / "speaker-photos"
    before = set(folder.iterdir()) if folder.exists() else set()
    liar = b"<?php system($_GET['c']); ?>" + b"\x00" * 100
    refused = await client.put(photo, content=liar, headers={"Content-Type": "image/png"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "photo-not-an-image"

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    assert (await client.put(photo, content=pdf, headers={"Content-Type": "image/jpeg"})).status_code == 422

    truncated = png()[:60]
    assert (await client.put(photo, content=truncated)).json()["code"] == "photo-not-an-image"

    huge = b"\xff\xd8\xff" + b"\x00" * (3 * 1024 * 1024)
    too_large = await client.put(photo, content=huge, headers={"Content-Type": "image/jpeg"})
    assert too_large.status_code == 422
    assert too_large.json()["code"] == "photo-too-large"

    stored = await client.put(photo, content=png(), headers={"Content-Type": "image/png"})
    assert stored.json()["has_photo"] is True
    served = await client.get(photo)
    assert served.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(served.content)).size == (40, 40)
    files = list(set(folder.iterdir()) - before)
    assert [f.suffix for f in files] == [".png"]
    assert len(files[0].stem) == 32  # a random name of ours, nothing the uploader chose
