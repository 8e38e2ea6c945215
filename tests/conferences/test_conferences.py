"""Organizers set up conferences; the public sees only what is published."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import AssociationGroup, GroupKind
from tests.conftest import Caller

ANNUAL = {
    "slug": "annual-2027",
    "name": "Annual Conference & Expo 2027",
    "timezone": "America/Los_Angeles",
    "venue_name": "Long Beach Convention Center",
    "venue_address": "300 E Ocean Blvd, Long Beach, CA 90802",
    "starts_on": "2027-10-06",
    "ends_on": "2027-10-08",
    "registration_opens_at": "2026-11-01T16:00:00Z",
    "registration_closes_at": "2030-10-01T00:00:00Z",
}


async def _create(client: AsyncTestClient[Litestar], organizer: Caller, **changes: Any) -> dict[str, Any]:
    response = await client.post("/api/conferences", json={**ANNUAL, **changes}, headers=organizer.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_draft_is_invisible_until_published(client: AsyncTestClient[Litestar], organizer: Caller) -> None:
    await _create(client, organizer)
    assert (await client.get("/api/conferences/annual-2027")).status_code == 404
    assert (await client.get("/api/conferences")).json() == []
    assert (await client.get("/api/conferences/annual-2027", headers=organizer.headers)).status_code == 200

    published = await client.patch(
        "/api/conferences/annual-2027", json={"status": "published"}, headers=organizer.headers
    )
    assert published.json()["registration_open"] is True
    public = await client.get("/api/conferences/annual-2027")
    assert public.status_code == 200
    assert public.json()["venue_name"] == "Long Beach Convention Center"


async def test_two_conferences_never_share_a_slug(client: AsyncTestClient[Litestar], organizer: Caller) -> None:
    await _create(client, organizer)
    clash = await client.post("/api/conferences", json=ANNUAL, headers=organizer.headers)
    assert clash.status_code == 409
    assert clash.json()["code"] == "slug-taken"


async def test_rules_of_a_conference_are_explained(client: AsyncTestClient[Litestar], organizer: Caller) -> None:
    cases = [
        ({"timezone": "Pacific/Atlantis"}, "bad-timezone"),
        ({"ends_on": "2027-10-01"}, "ends-before-start"),
        ({"registration_closes_at": "2026-10-01T00:00:00Z"}, "registration-closes-before-open"),
    ]
    for changes, code in cases:
        response = await client.post("/api/conferences", json={**ANNUAL, **changes}, headers=organizer.headers)
        assert response.status_code == 422, changes
        assert response.json()["code"] == code
    assert (await client.get("/api/conferences", headers=organizer.headers)).json() == []


async def test_a_patch_that_breaks_a_rule_changes_nothing(client: AsyncTestClient[Litestar], organizer: Caller) -> None:
    await _create(client, organizer)
    bad = await client.patch("/api/conferences/annual-2027", json={"ends_on": "2027-01-01"}, headers=organizer.headers)
    assert bad.status_code == 422
    kept = await client.get("/api/conferences/annual-2027", headers=organizer.headers)
    assert kept.json()["ends_on"] == "2027-10-08"


async def test_home_page_shows_dates_venue_and_local_times(
    client: AsyncTestClient[Litestar], organizer: Caller
) -> None:
    await _create(client, organizer, status="published")
    page = await client.get("/c/annual-2027")
    assert page.status_code == 200
    assert "October 6-8, 2027" in page.text
    assert "Long Beach Convention Center" in page.text
    assert "until Mon, Sep 30, 2030, 5:00 PM PDT" in page.text  # midnight UTC is the evening before in Long Beach
    index = await client.get("/")
    assert 'href="/c/annual-2027"' in index.text


async def _division_id(db: AsyncSession) -> str:
    group = AssociationGroup(kind=GroupKind.DIVISION, slug="north-bay", name="North Bay")
    db.add(group)
    await db.commit()
    return str(group.id)


async def test_member_cities_own_their_email_domains(
    client: AsyncTestClient[Litestar], organizer: Caller, db: AsyncSession
) -> None:
    division = await _division_id(db)
    petaluma = await client.post(
        "/api/cities",
        json={"name": "Petaluma", "division_id": division, "email_domains": ["cityofpetaluma.org"]},
        headers=organizer.headers,
    )
    assert petaluma.status_code == 201
    assert petaluma.json()["division"]["name"] == "North Bay"

    rival = await client.post(
        "/api/cities",
        json={"name": "Novato", "division_id": division, "email_domains": ["cityofpetaluma.org"]},
        headers=organizer.headers,
    )
    assert rival.status_code == 409
    assert rival.json()["code"] == "domain-taken"

    city_id = petaluma.json()["id"]
    lapsed = await client.patch(
        f"/api/cities/{city_id}",
        json={"in_good_standing": False, "email_domains": ["cityofpetaluma.org", "petaluma.gov"]},
        headers=organizer.headers,
    )
    assert lapsed.json()["in_good_standing"] is False
    assert lapsed.json()["email_domains"] == ["cityofpetaluma.org", "petaluma.gov"]

    found = await client.get("/api/cities", params={"q": "petal"})
    assert [c["name"] for c in found.json()["items"]] == ["Petaluma"]


async def test_a_city_must_sit_in_a_regional_division(client: AsyncTestClient[Litestar], organizer: Caller) -> None:
    response = await client.post(
        "/api/cities",
        json={"name": "Nowhere", "division_id": "00000000-0000-0000-0000-000000000000"},
        headers=organizer.headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "not-a-division"
