"""Committee members review their tracks' proposals without learning who wrote them, never one from their own
city; organizers see the average and spread, sort, filter, decide, and export."""

from __future__ import annotations

import csv
import io

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.proposals import call as calls
from tests.conftest import Caller
from tests.proposals.conftest import CfpWorld, MakeReviewer, Submit

SCORES = {"Relevance": 4, "Quality": 2}


async def test_a_reviewer_never_sees_who_proposed_in_an_anonymous_call(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, make_reviewer: MakeReviewer
) -> None:
    await submit("ana.ruiz@fresno.gov", name="Ana Ruiz", city="Fresno")
    reviewer = await make_reviewer("housing")
    queue = await client.get(f"{cfp.api}/review", headers=reviewer.headers)
    assert queue.status_code == 200
    proposal_id = queue.json()["proposals"][0]["id"]
    scored = await client.put(f"{cfp.api}/review/{proposal_id}", json={"scores": SCORES, "comment": "Solid"},
                              headers=reviewer.headers)  # fmt: skip
    assert scored.json()["total"] == 3.0
    again = await client.get(f"{cfp.api}/review", headers=reviewer.headers)
    export = await client.get(f"{cfp.api}/review.csv", headers=reviewer.headers)
    assert export.status_code == 200
    for answer in (queue.text, again.text, export.text, scored.text):
        for secret in ("Ana", "Ruiz", "ana.ruiz", "fresno.gov", "Fresno"):
            assert secret not in answer
    assert again.json()["proposals"][0]["my_scores"] == SCORES


async def test_a_reviewer_sees_only_their_tracks(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, make_reviewer: MakeReviewer
) -> None:
    safety = await submit("chief@modesto.gov", name="Chief Ortiz", track="safety")
    reviewer = await make_reviewer("housing")
    assert (await client.get(f"{cfp.api}/review", headers=reviewer.headers)).json()["proposals"] == []
    refused = await client.put(f"{cfp.api}/review/{safety['id']}", json={"scores": SCORES}, headers=reviewer.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not-your-track"


async def test_a_reviewer_from_the_speakers_city_is_left_out_of_its_review(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, make_reviewer: MakeReviewer
) -> None:
    fresno = await submit("ana@fresno.gov", name="Ana Ruiz", city="Fresno")
    await submit("bo@modesto.gov", name="Bo Chan", city="Modesto", title="Infill that works")
    neighbour = await make_reviewer("housing", city="Fresno")
    queue = (await client.get(f"{cfp.api}/review", headers=neighbour.headers)).json()
    assert [p["title"] for p in queue["proposals"]] == ["Infill that works"]
    assert queue["left_out_for_conflicts"] == 1
    refused = await client.put(f"{cfp.api}/review/{fresno['id']}", json={"scores": SCORES}, headers=neighbour.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "conflict-of-interest"


async def test_a_co_speakers_city_is_a_conflict_too(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, make_reviewer: MakeReviewer
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz", city="Fresno")
    proposal = f"{cfp.api}/speaker/{ana['token']}/proposals/{ana['id']}"
    await client.post(f"{proposal}/co-speakers", json={"email": "bo@modesto.gov"})
    bo = await submit("bo@modesto.gov", name="Bo Chan", city="Modesto", title="Bo's own")
    assert bo["title"] == "Bo's own"
    reviewer = await make_reviewer("housing", city="Modesto")
    queue = (await client.get(f"{cfp.api}/review", headers=reviewer.headers)).json()
    assert queue["proposals"] == []
    assert queue["left_out_for_conflicts"] == 2


async def test_scores_must_answer_each_criterion_from_1_to_5(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, make_reviewer: MakeReviewer
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz")
    reviewer = await make_reviewer("housing")
    missing = await client.put(
        f"{cfp.api}/review/{ana['id']}", json={"scores": {"Relevance": 4}}, headers=reviewer.headers
    )
    assert missing.json()["code"] == "scores-not-the-criteria"
    high = await client.put(f"{cfp.api}/review/{ana['id']}", json={"scores": {"Relevance": 9, "Quality": 1}},
                            headers=reviewer.headers)  # fmt: skip
    assert high.status_code == 400


async def review(client: AsyncTestClient[Litestar], cfp: CfpWorld, who: Caller, proposal: str, r: int, q: int) -> None:
    done = await client.put(f"{cfp.api}/review/{proposal}", json={"scores": {"Relevance": r, "Quality": q}},
                            headers=who.headers)  # fmt: skip
    assert done.status_code == 200, done.text


async def test_organizers_see_average_and_spread_sort_filter_decide_and_export(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, submit: Submit,
    make_reviewer: MakeReviewer, organizer: Caller,
) -> None:  # fmt: skip
    strong = await submit("ana@fresno.gov", name="Ana Ruiz", city="Fresno", title="Strong")
    split = await submit("bo@modesto.gov", name="Bo Chan", title="Split")
    other = await submit("cy@modesto.gov", name="Cy Diaz", track="safety", title="Safety talk")
    first, second = await make_reviewer("housing"), await make_reviewer("housing")
    await review(client, cfp, first, strong["id"], 5, 5)
    await review(client, cfp, second, strong["id"], 5, 4)
    await review(client, cfp, first, split["id"], 1, 1)
    await review(client, cfp, second, split["id"], 5, 5)

    rows = (await client.get(f"{cfp.api}/proposals", headers=organizer.headers)).json()
    assert [r["title"] for r in rows] == ["Strong", "Split", "Safety talk"]
    assert (rows[0]["average"], rows[0]["spread"]) == (4.75, 0.25)
    assert (rows[1]["average"], rows[1]["spread"]) == (3.0, 2.0)
    assert (rows[2]["reviews"], rows[2]["average"]) == (0, None)
    by_spread = (await client.get(f"{cfp.api}/proposals?sort=spread", headers=organizer.headers)).json()
    assert by_spread[0]["title"] == "Split"
    safety = await client.get(f"{cfp.api}/proposals?track_id={cfp.tracks['safety'].id}", headers=organizer.headers)
    assert [r["title"] for r in safety.json()] == ["Safety talk"]

    decided = await client.post(f"{cfp.api}/proposals/{strong['id']}/decision", json={"decision": "accepted"},
                                headers=organizer.headers)  # fmt: skip
    assert decided.json()["decision"] == "accepted"
    await client.post(f"{cfp.api}/proposals/{split['id']}/decision", json={"decision": "waitlisted"},
                      headers=organizer.headers)  # fmt: skip
    await client.post(f"{cfp.api}/proposals/{split['id']}/decision", json={"decision": "rejected"},
                      headers=organizer.headers)  # fmt: skip
    accepted = await client.get(f"{cfp.api}/proposals?decision=accepted", headers=organizer.headers)
    assert [r["title"] for r in accepted.json()] == ["Strong"]
    assert other["state"] == "submitted"

    actions = list(await db.scalars(select(AuditEvent.details).where(AuditEvent.action == "proposals.decided")))
    assert sorted(a["decision"] for a in actions) == ["accepted", "rejected", "waitlisted"]

    detail = (await client.get(f"{cfp.api}/proposals/{strong['id']}", headers=organizer.headers)).json()
    assert len(detail["reviews"]) == 2
    export = await client.get(f"{cfp.api}/proposals.csv", headers=organizer.headers)
    table = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert table[0]["speaker"] == "Ana Ruiz"
    assert (table[0]["average"], table[0]["spread"], table[0]["decision"]) == ("4.75", "0.25", "accepted")


async def test_a_speaker_does_not_learn_a_decision_before_its_release(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, organizer: Caller
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz")
    await client.post(f"{cfp.api}/proposals/{ana['id']}/decision", json={"decision": "rejected"},
                      headers=organizer.headers)  # fmt: skip
    seen = (await client.get(f"{cfp.api}/speaker/{ana['token']}/proposals")).json()
    assert seen[0]["decision"] == "undecided"


async def test_a_reviewers_queue_comes_in_pages_in_the_order_the_proposals_came(
    client: AsyncTestClient[Litestar], cfp: CfpWorld, submit: Submit, make_reviewer: MakeReviewer
) -> None:
    for n in range(3):
        await submit(f"speaker{n}@modesto.gov", name=f"Speaker {n}", city="Modesto", title=f"Talk {n}")
    await submit("ana@fresno.gov", name="Ana Ruiz", city="Fresno", title="The neighbour's")
    reviewer = await make_reviewer("housing", city="Fresno")
    first = (await client.get(f"{cfp.api}/review?limit=2", headers=reviewer.headers)).json()
    rest = (await client.get(f"{cfp.api}/review?limit=2&offset=2", headers=reviewer.headers)).json()
    assert [p["title"] for p in first["proposals"] + rest["proposals"]] == ["Talk 0", "Talk 1", "Talk 2"]
    assert (first["total"], first["left_out_for_conflicts"], rest["total"], rest["offset"]) == (3, 1, 3, 2)
    too_many = await client.get(f"{cfp.api}/review?limit=501", headers=reviewer.headers)
    assert too_many.status_code == 400


async def test_a_named_call_shows_its_reviewers_every_speaker(
    client: AsyncTestClient[Litestar], db: AsyncSession, cfp: CfpWorld, submit: Submit, make_reviewer: MakeReviewer
) -> None:
    ana = await submit("ana@fresno.gov", name="Ana Ruiz", city="Fresno")
    proposal = f"{cfp.api}/speaker/{ana['token']}/proposals/{ana['id']}"
    await client.post(f"{proposal}/co-speakers", json={"email": "bo@modesto.gov"})
    call = await calls.get_call(db, conference=cfp.conference)
    call.anonymous = False
    await db.commit()
    reviewer = await make_reviewer("housing")
    queue = (await client.get(f"{cfp.api}/review", headers=reviewer.headers)).json()
    assert queue["anonymous"] is False
    assert queue["proposals"][0]["speakers"] == ["Ana Ruiz", "bo@modesto.gov"]
