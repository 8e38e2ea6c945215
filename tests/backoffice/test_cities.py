"""An organizer keeps the member cities right: standing and email domains decide who pays member rates."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences import service as conferences
from tests.backoffice.conftest import form, sign_in
from tests.conftest import Caller
from tests.registration.conftest import World


async def test_a_lapsed_city_back_in_good_standing_with_a_new_domain_is_saved_and_its_history_kept(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    listed = (await client.get("/office/cities", params={"q": "lapsed"})).text
    assert "Lapsedville" in listed
    assert "not in good standing" in listed
    fields = {"name": "Lapsedville", "email_domains": "lapsedville.gov, Lapsedville-CA.gov", "in_good_standing": "on"}
    saved = await client.post(f"/office/cities/{world.lapsed.id}", data=form(client, **fields))
    assert "The city is saved." in saved.text
    await db.refresh(world.lapsed)
    assert world.lapsed.in_good_standing
    assert await conferences.city_for_email(db, email="clerk@lapsedville-ca.gov") is world.lapsed
    history = (await client.get(f"/office/cities/{world.lapsed.id}")).text
    assert "city.updated" in history
    assert organizer.email in history


async def test_a_domain_another_city_uses_comes_back_with_the_reason(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    fields = {"name": "Lapsedville", "email_domains": "fresno.gov"}
    refused = await client.post(f"/office/cities/{world.lapsed.id}", data=form(client, **fields))
    assert refused.status_code == 422
    assert "fresno.gov" in refused.text
    city = await conferences.city_for_email(db, email="x@fresno.gov")
    assert city is not None
    assert city.name == "Fresno"
    bad = await client.post(
        f"/office/cities/{world.lapsed.id}", data=form(client, name="", email_domains="not a domain")
    )
    assert bad.status_code == 422
    assert "Not saved" in bad.text
