"""Scanning badges at the doors: the fixed vocabulary, nonces, revocation and the desk's flags."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import credential
from events_app.checkin.badges import holder_for_badge
from events_app.checkin.codes import badge_code
from events_app.checkin.models import Checkin, Scan
from events_app.core.errors import Invalid
from events_app.registration import cancellation, checkout
from events_app.registration import service as registration
from events_app.registration.models import TypeKind
from events_app.registration.schemas import SubstituteIn, TypeIn
from events_app.settings import Settings
from tests.checkin.conftest import (
    World,
    badge_of,
    make_conference,
    nonce,
    place_order,
    register,
    scan,
)


async def _count(db: AsyncSession, model: type[Checkin] | type[Scan]) -> int:
    db.expire_all()
    return await db.scalar(select(func.count()).select_from(model)) or 0


async def test_first_scan_welcomes_and_the_second_door_sees_when_and_where(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    token = await badge_of(db, settings, world, "maria")

    first = await scan(client, world, world.north, token)
    assert (first["result"], first["admitted"]) == ("ok", True)
    assert first["attendee"]["name"] == "Maria Lopez"
    assert first["attendee"]["title"] == "Mayor"
    assert first["attendee"]["city"] == "Fresno"
    assert first["attendee"]["registration_type"] == "Full conference"

    second = await scan(client, world, world.south, token)
    assert (second["result"], second["admitted"]) == ("already_checked_in", False)
    assert second["first"]["station"] == "North entrance"
    assert second["first"]["at"] == first["scanned_at"]
    assert await _count(db, Checkin) == 1


async def test_the_same_nonce_gets_the_first_answer_and_is_recorded_once(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    token = await badge_of(db, settings, world, "dev")
    same = nonce()
    first = await scan(client, world, world.north, token, nonce=same)
    again = await scan(client, world, world.north, token, nonce=same)
    assert first["result"] == again["result"] == "ok"
    assert again["replayed"] is True
    assert await _count(db, Scan) == 1
    assert await _count(db, Checkin) == 1


async def test_a_cancelled_registration_is_turned_away(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    token = await badge_of(db, settings, world, "maria")
    order = await checkout.get_order(db, order_id=world.people["maria"].order_id)
    await cancellation.cancel_attendees(db, settings=settings, order=order, waive_policy=True)
    await db.commit()
    answer = await scan(client, world, world.north, token)
    assert (answer["result"], answer["admitted"]) == ("cancelled", False)
    assert await _count(db, Checkin) == 0


async def test_a_substitutes_badge_works_and_the_original_is_revoked(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    original = await badge_of(db, settings, world, "dev")
    order = await checkout.get_order(db, order_id=world.people["dev"].order_id)
    colleague = await cancellation.substitute(
        db,
        settings=settings,
        order=order,
        attendee_id=world.people["dev"].id,
        data=SubstituteIn(first_name="Sam", last_name="Ortiz", email="sam.ortiz@fresno.gov"),
    )
    await db.commit()
    world.people["sam"] = colleague
    assert (await scan(client, world, world.north, original))["result"] == "revoked"
    answer = await scan(client, world, world.north, await badge_of(db, settings, world, "sam"))
    assert (answer["result"], answer["attendee"]["name"]) == ("ok", "Sam Ortiz")


async def test_a_lost_badge_replaced_by_an_organizer_revokes_the_old_code(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    old = await badge_of(db, settings, world, "dev")
    attendee_id = world.people["dev"].id
    response = await client.post(
        f"{world.api}/attendees/{attendee_id}/reprint",
        json={"reason": "Left it at the hotel", "lost": True},
        headers=world.organizer.headers,
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    new = await badge_of(db, settings, world, "dev")
    assert new != old

    assert (await scan(client, world, world.north, old))["result"] == "revoked"
    assert (await scan(client, world, world.north, new))["result"] == "ok"
    audit = await client.get("/api/audit", params={"action": "badge.reprinted"}, headers=world.organizer.headers)
    assert [e["details"]["reason"] for e in audit.json()["items"]] == ["Left it at the hotel"]


async def test_a_badge_from_another_conference_is_named_as_such(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    other = await make_conference(db, slug="spring-workshop")
    day_pass = await registration.create_type(
        db,
        conference=other,
        actor=None,
        data=TypeIn(name="Workshop", kind=TypeKind.FULL, member_price_cents=0, non_member_price_cents=0),
    )
    elsewhere_world = World(**{**world.__dict__, "conference": other, "full": day_pass, "people": {}})
    visitor = await register(db, elsewhere_world, "ann", "Ann", "Other")
    await db.commit()
    token = await badge_of(db, settings, elsewhere_world, "ann")
    assert visitor.conference_id == other.id
    answer = await scan(client, world, world.north, token)
    assert answer["result"] == "wrong_conference"


async def test_forged_and_garbled_codes_are_invalid(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    real = await badge_of(db, settings, world, "maria")
    forger = Ed25519PrivateKey.generate()
    forged = credential.issue_token(
        forger, conference_id=world.conference.id, attendee_id=world.people["maria"].id, version=1
    )
    tampered = real[:-3] + ("AAA" if not real.endswith("AAA") else "BBB")
    for token in (forged, tampered, "HELLO", "EV1-NOTBASE32!"):
        assert (await scan(client, world, world.north, token))["result"] == "invalid", token
    assert await _count(db, Checkin) == 0
    assert await _count(db, Scan) == 4  # every presented code is on record


async def test_unpaid_is_stopped_at_the_door_and_let_in_flagged_at_the_desk(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    await place_order(db, settings, world, [("Ivy", "Nguyen")], rtype=world.priced)  # invoiced, not yet paid
    await db.commit()
    token = await badge_of(db, settings, world, "ivy")
    at_door = await scan(client, world, world.north, token)
    assert (at_door["result"], at_door["admitted"]) == ("unpaid", False)
    at_desk = await scan(client, world, world.desk, token)
    assert (at_desk["result"], at_desk["admitted"]) == ("unpaid", True)
    assert at_desk["attendee"]["email"] is None  # a device sees no contacts; organizers look them up
    assert (await scan(client, world, world.north, token))["result"] == "already_checked_in"


async def test_scanning_one_of_a_group_offers_the_others_of_the_order(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    ana, tom, _lee = await place_order(db, settings, world, [("Ana", "Silva"), ("Tom", "Reyes"), ("Lee", "Chan")])
    await db.commit()
    answer = await scan(client, world, world.north, await badge_of(db, settings, world, "ana"))
    assert sorted(m["name"] for m in answer["group"]) == ["Lee Chan", "Tom Reyes"]
    assert not any(m["checked_in"] for m in answer["group"])

    manual = await client.post(
        f"{world.api}/scans",
        json={"kind": "entry", "nonce": nonce(), "attendee_id": str(tom.id)},
        headers=world.north.headers,
    )
    assert manual.json()["result"] == "ok"
    again = await scan(client, world, world.south, await badge_of(db, settings, world, "ana"))
    assert {m["name"]: m["checked_in"] for m in again["group"]} == {"Tom Reyes": True, "Lee Chan": False}
    assert ana.order_id == tom.order_id


async def test_a_partner_booth_records_a_lead_and_sees_email_only_with_consent(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    await register(db, world, "lee", "Lee", "Chan", consent_to_share_contact=True)
    await db.commit()
    shy = await scan(client, world, world.booth, await badge_of(db, settings, world, "maria"), kind="lead")
    keen = await scan(client, world, world.booth, await badge_of(db, settings, world, "lee"), kind="lead")
    assert shy["result"] == keen["result"] == "ok"
    assert shy["attendee"]["email"] is None
    assert keen["attendee"]["email"] == "lee.chan@fresno.gov"
    assert await _count(db, Checkin) == 0  # a booth visit is not an arrival


async def test_a_door_refuses_a_scan_kind_it_does_not_take(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    token = await badge_of(db, settings, world, "maria")
    response = await client.post(
        f"{world.api}/scans", json={"kind": "lead", "nonce": nonce(), "token": token}, headers=world.north.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "scan-kind-not-here"


async def test_other_domains_can_ask_whose_badge_it_is(db: AsyncSession, settings: Settings, world: World) -> None:
    token = await badge_of(db, settings, world, "maria")
    assert (await holder_for_badge(db, conference=world.conference, token=token)).name == "Maria Lopez"
    with pytest.raises(Invalid) as refused:
        await holder_for_badge(db, conference=world.conference, token="EV1-GARBLED")
    assert refused.value.code == "badge-invalid"


async def test_a_conference_vouching_for_invoiced_cities_lets_their_officials_through_every_door(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World
) -> None:
    await place_order(db, settings, world, [("Ivy", "Nguyen")], rtype=world.priced)  # Fresno was invoiced
    world.conference.admit_invoiced_members = True
    await db.commit()
    token = await badge_of(db, settings, world, "ivy")
    at_door = await scan(client, world, world.north, token)
    assert (at_door["result"], at_door["admitted"]) == ("unpaid", True)  # in, and flagged as not yet paid

    # A door that lost the network answers the same from its own copy.
    bundle = (await client.get(f"{world.api}/offline", headers=world.south.headers)).json()
    vouched = {row[3]: row[10] for row in bundle["attendees"]}
    assert vouched["Ivy Nguyen"] is True
    assert vouched["Maria Lopez"] is False


async def test_the_door_takes_the_code_typed_from_a_badge_whose_qr_will_not_read(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    typed = badge_code(world.people["maria"].id).lower()
    answer = await scan(client, world, world.north, typed)
    assert (answer["result"], answer["admitted"], answer["attendee"]["name"]) == ("ok", True, "Maria Lopez")
    assert (await scan(client, world, world.north, "ZZZZ-ZZZZ"))["result"] == "invalid"
