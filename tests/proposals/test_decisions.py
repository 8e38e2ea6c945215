"""Decisions go out in one batch; an accepted speaker confirms and their session joins the program with a comp
registration and badge, once however often the button is pressed; a declined or rejected one does not."""

from __future__ import annotations

import asyncio
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.core.mail import OutboxMail
from events_app.proposals.models import Proposal
from events_app.registration.models import Attendee, RegistrationType, TypeKind
from events_app.sessions.models import ProgramSession, Speaker
from tests.conftest import Caller
from tests.proposals.conftest import CfpWorld, Submit, link_in, mails_to, token_of


async def decide(client: AsyncTestClient[Litestar], cfp: CfpWorld, organizer: Caller, proposal: str, what: str) -> None:
    done = await client.post(f"{cfp.api}/proposals/{proposal}/decision", json={"decision": what},
                             headers=organizer.headers)  # fmt: skip
    assert done.status_code == 200, done.text


async def test_decisions_are_mailed_in_one_batch_once(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, submit: Submit, organizer: Caller
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz", title="Yes")
    bo = await submit("bo@modesto.gov", name="Bo Chan", title="No")
    cy = await submit("cy@modesto.gov", name="Cy Diaz", title="Maybe")
    await submit("di@modesto.gov", name="Di Lee", title="Undecided")
    for proposal, what in ((ana, "accepted"), (bo, "rejected"), (cy, "waitlisted")):
        await decide(client, cfp, organizer, proposal["id"], what)
    assert [m["Subject"] for m in await mails_to(db, "bo@modesto.gov")] == ["Fall Conference 2027: your speaker link"]

    released = await client.post(f"{cfp.api}/release", headers=organizer.headers)
    assert released.json() == {"accepted": 1, "rejected": 1, "waitlisted": 1}
    assert (await mails_to(db, "ana@fresno.gov"))[-1]["Subject"].endswith("is accepted")
    assert "confirm" in (await mails_to(db, "ana@fresno.gov"))[-1].get_body(preferencelist=("plain",)).get_content()
    assert (await mails_to(db, "bo@modesto.gov"))[-1]["Subject"].endswith("is not accepted")
    assert (await mails_to(db, "cy@modesto.gov"))[-1]["Subject"].endswith("is on the waiting list")
    assert not any("proposal" in m["Subject"] for m in await mails_to(db, "di@modesto.gov"))

    mails_before = await db.scalar(select(func.count(OutboxMail.id)))
    again = await client.post(f"{cfp.api}/release", headers=organizer.headers)
    assert again.json() == {"accepted": 0, "rejected": 0, "waitlisted": 0}
    assert await db.scalar(select(func.count(OutboxMail.id))) == mails_before
    changed = await client.post(f"{cfp.api}/proposals/{bo['id']}/decision", json={"decision": "accepted"},
                                headers=organizer.headers)  # fmt: skip
    assert changed.status_code == 409
    assert changed.json()["code"] == "decision-released"
    assert (await client.get(f"{cfp.api}/speaker/{ana['token']}/proposals")).json()[0]["decision"] == "accepted"


async def test_confirming_makes_one_session_and_one_comp_registration_with_a_badge(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, submit: Submit, organizer: Caller
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz", city="Fresno")
    proposal = f"{cfp.api}/speaker/{ana['token']}/proposals/{ana['id']}"
    await client.post(f"{proposal}/co-speakers", json={"email": "dan@modesto.gov"})
    early = await client.post(f"{proposal}/confirm")
    assert early.status_code == 409
    assert early.json()["code"] == "not-an-offer"
    await decide(client, cfp, organizer, ana["id"], "accepted")
    assert (await client.post(f"{proposal}/confirm")).json()["code"] == "not-an-offer"  # not released yet
    await client.post(f"{cfp.api}/release", headers=organizer.headers)
    confirm_link = link_in((await mails_to(db, "ana@fresno.gov"))[-1])
    assert ana["token"].split(".")[0] in confirm_link  # the speaker's own link: their page has the confirm button
    nameless = await client.post(f"{proposal}/confirm")
    assert nameless.status_code == 422
    assert nameless.json()["code"] == "proposal-incomplete"  # the co-speaker has no name for the program yet
    dan = token_of(link_in((await mails_to(db, "dan@modesto.gov"))[0]))
    assert (await client.put(f"{cfp.api}/speaker/{dan}", json={"name": "Dan Wu"})).status_code == 200

    answers = await asyncio.gather(*(client.post(f"{proposal}/confirm") for _ in range(3)))
    assert {a.status_code for a in answers} == {200}
    session_id = uuid.UUID(answers[0].json()["session_id"])
    assert {a.json()["session_id"] for a in answers} == {str(session_id)}

    session = await db.get_one(ProgramSession, session_id)
    assert session.title == "Housing elements that pass"
    assert session.track_id == cfp.tracks["housing"].id
    names = [(await db.get_one(Speaker, link.speaker_id)).name for link in session.speakers]
    assert names == ["Ana Ruiz", "Dan Wu"]
    assert (await db.get_one(Proposal, uuid.UUID(ana["id"]))).session_id == session.id
    comps = list(await db.scalars(
        select(Attendee).join(RegistrationType).where(RegistrationType.kind == TypeKind.SPEAKER_COMP)
    ))  # fmt: skip
    assert sorted(a.email for a in comps) == ["ana@fresno.gov", "dan@modesto.gov"]
    registered = (await mails_to(db, "ana@fresno.gov"))[-1]
    assert registered["Subject"].endswith("your speaker registration")
    assert [p.get_content_type() for p in registered.iter_attachments()] == ["image/png"]
    assert await db.scalar(select(func.count(ProgramSession.id))) == 1
    confirmed = await db.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "proposals.speaker.confirmed")
    )
    assert confirmed == 1

    declined = await client.post(f"{proposal}/decline")
    assert declined.status_code == 409
    assert declined.json()["code"] == "already-answered"


async def test_a_speaker_with_two_accepted_talks_gets_one_registration(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, submit: Submit, organizer: Caller
) -> None:
    first = await submit("ana@fresno.gov", name="Ana Ruiz", title="One")
    second = await submit("ana@fresno.gov", name="Ana Ruiz", title="Two")
    for proposal in (first, second):
        await decide(client, cfp, organizer, proposal["id"], "accepted")
    await client.post(f"{cfp.api}/release", headers=organizer.headers)
    for proposal in (first, second):
        done = await client.post(f"{cfp.api}/speaker/{second['token']}/proposals/{proposal['id']}/confirm")
        assert done.status_code == 200, done.text
    assert await db.scalar(select(func.count(ProgramSession.id))) == 2
    assert await db.scalar(select(func.count(Speaker.id))) == 1
    assert await db.scalar(select(func.count(Attendee.id))) == 1


async def test_a_declined_offer_makes_no_session(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, submit: Submit, organizer: Caller
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz")
    await decide(client, cfp, organizer, ana["id"], "accepted")
    await client.post(f"{cfp.api}/release", headers=organizer.headers)
    proposal = f"{cfp.api}/speaker/{ana['token']}/proposals/{ana['id']}"
    assert (await client.post(f"{proposal}/decline")).json()["response"] == "declined"
    assert (await client.post(f"{proposal}/confirm")).json()["code"] == "already-answered"
    assert await db.scalar(select(func.count(ProgramSession.id))) == 0


async def test_a_rejected_proposal_cannot_be_confirmed(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, organizer: Caller
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz")
    await decide(client, cfp, organizer, ana["id"], "rejected")
    await client.post(f"{cfp.api}/release", headers=organizer.headers)
    refused = await client.post(f"{cfp.api}/speaker/{ana['token']}/proposals/{ana['id']}/confirm")
    assert refused.json()["code"] == "not-an-offer"
