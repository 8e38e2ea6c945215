"""The registration desk in the back office: promo codes, the policy, comps, notes, substitutions, mails sent."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.core.mail import OutboxMail
from events_app.registration.models import Attendee, AttendeeStatus, Order, OrderSource, PromoCode
from events_app.settings import Settings
from tests.backoffice.conftest import OFFICE, form, place_city_order, sign_in
from tests.conftest import Caller
from tests.registration.conftest import World


async def _actions(db: AsyncSession) -> list[str]:
    return list(await db.scalars(select(AuditEvent.action).order_by(AuditEvent.created_at)))


async def test_a_promo_code_is_made_limited_to_a_type_edited_and_disabled_after_asking(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    made = await client.post(
        f"{OFFICE}/promo-codes",
        data=form(
            client,
            code="mayors10",
            kind="percent",
            value="10",
            max_uses="50",
            types=[str(world.full.id)],
            valid_until="2027-09-30T23:59",
        ),
    )
    assert "The promo code is saved." in made.text
    code = await db.scalar(select(PromoCode).where(PromoCode.code == "MAYORS10"))
    assert code is not None
    assert (code.value, code.max_uses, [t.id for t in code.types]) == (10, 50, [world.full.id])
    assert code.valid_until is not None
    assert code.valid_until.hour == 6

    twice = await client.post(f"{OFFICE}/promo-codes", data=form(client, code="MAYORS10", kind="fixed", value="25"))
    assert twice.status_code == 422
    assert "already exists" in twice.text
    assert 'value="25"' in twice.text  # what was typed comes back

    edited = await client.post(f"{OFFICE}/promo-codes/{code.id}", data=form(client, max_uses="", description="Mayors"))
    assert "The promo code is saved." in edited.text
    await db.refresh(code)
    assert (code.max_uses, code.types, code.description) == (None, [], "Mayors")

    asked = await client.post(f"{OFFICE}/promo-codes/{code.id}/active", data=form(client))
    assert "Disable the code MAYORS10?" in asked.text
    await db.refresh(code)
    assert code.active
    done = await client.post(f"{OFFICE}/promo-codes/{code.id}/active", data=form(client, confirmed="yes"))
    assert "buyers can no longer use it" in done.text
    await db.refresh(code)
    assert not code.active
    assert await _actions(db) == [
        *[a for a in await _actions(db) if not a.startswith("registration.promo_code")],
        "registration.promo_code_created",
        "registration.promo_code_updated",
        "registration.promo_code_updated",
    ]


async def test_the_policy_is_shown_in_local_time_and_a_backwards_one_is_refused(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    page = await client.get(f"{OFFICE}/policy")
    assert 'name="fee_value" inputmode="decimal" value="75.00"' in page.text
    refused = await client.post(
        f"{OFFICE}/policy",
        data=form(
            client,
            fee_kind="percent",
            fee_value="20",
            full_refund_until="2027-08-01T00:00",
            partial_refund_until="2027-07-01T00:00",
        ),
    )
    assert refused.status_code == 422
    assert "must end after the full-refund one" in refused.text
    saved = await client.post(
        f"{OFFICE}/policy",
        data=form(
            client,
            fee_kind="percent",
            fee_value="20",
            full_refund_until="2027-07-01T00:00",
            partial_refund_until="2027-08-01T00:00",
            notes="No refunds after August 1.",
        ),
    )
    assert "The cancellation policy is saved." in saved.text
    assert 'value="2027-07-01T00:00"' in saved.text
    await db.refresh(world.policy)
    assert (world.policy.fee_value, world.policy.substitution_until) == (20, None)


async def test_a_comp_registers_the_speaker_at_once_and_mails_their_confirmation(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    not_a_comp = await client.post(
        f"{OFFICE}/comps",
        data=form(client, type=str(world.full.id), first_name="Ada", last_name="Park", email="ada@example.test"),
    )
    assert not_a_comp.status_code == 422
    assert "not an active comp type" in not_a_comp.text
    issued = await client.post(
        f"{OFFICE}/comps",
        data=form(client, type=str(world.speaker.id), first_name="Ada", last_name="Park", email="ada@example.test"),
    )
    assert "The comp is issued" in issued.text
    ada = await db.scalar(select(Attendee).where(Attendee.email == "ada@example.test"))
    assert ada is not None
    assert (ada.status, ada.registration_type_id, ada.price_cents) == (AttendeeStatus.CONFIRMED, world.speaker.id, 0)
    order_page = await client.get(f"{OFFICE}/orders/{ada.order_id}")
    assert "You are registered: Annual Conference" in order_page.text  # the mail, listed on the order
    assert "registration.attendee_added" in order_page.text
    assert (await db.get_one(Order, ada.order_id)).source == OrderSource.ORGANIZER


async def test_a_note_is_kept_on_the_order_signed_and_audited_and_an_empty_one_refused(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    order = await place_city_order(db, settings, world)
    await sign_in(client, organizer)
    empty = await client.post(f"{OFFICE}/orders/{order.id}/notes", data=form(client, text="   "))
    assert empty.status_code == 422
    assert "Write something" in empty.text
    added = await client.post(f"{OFFICE}/orders/{order.id}/notes", data=form(client, text="Clerk says the check <b>"))
    assert "The note is added." in added.text
    assert "Clerk says the check &lt;b&gt;" in added.text
    assert organizer.email in added.text
    assert "registration.note_added" in added.text
    # the invoice mail of the order is listed with its subject
    assert re.search(r"<td>Invoice INV-\d{4}-\d{5}: Annual Conference", added.text)


async def test_a_substitute_from_the_same_city_takes_the_seat_and_a_stranger_is_refused(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    order = await place_city_order(db, settings, world)
    await sign_in(client, organizer)
    await client.post(
        f"{OFFICE}/orders/{order.id}/payments",
        data=form(client, amount="1000", method="check", received_on="2026-11-30"),
    )
    maria = order.attendees[0]
    page = await client.get(f"{OFFICE}/orders/{order.id}/attendees/{maria.id}/substitute")
    assert "badge stops working" in page.text
    stranger = await client.post(
        f"{OFFICE}/orders/{order.id}/attendees/{maria.id}/substitute",
        data=form(client, first_name="Sam", last_name="Else", email="sam@elsewhere.test"),
    )
    assert stranger.status_code == 422
    assert "colleague from Fresno" in stranger.text
    done = await client.post(
        f"{OFFICE}/orders/{order.id}/attendees/{maria.id}/substitute",
        data=form(client, first_name="Vic", last_name="Vice", email="vice@fresno.gov"),
    )
    assert "The substitute is registered" in done.text
    await db.refresh(maria)
    assert maria.status == AttendeeStatus.SUBSTITUTED
    assert "Vic Vice" in done.text
    sent = await db.scalar(select(OutboxMail).where(OutboxMail.recipients == "vice@fresno.gov"))
    assert sent is not None
    assert sent.about_id == order.id


async def test_orders_are_filtered_by_type_and_city(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    order = await place_city_order(db, settings, world)
    await sign_in(client, organizer)
    assert order.number in (await client.get(f"{OFFICE}/orders", params={"type": str(world.full.id)})).text
    assert "No order matches" in (await client.get(f"{OFFICE}/orders", params={"type": str(world.guest.id)})).text
    assert order.number in (await client.get(f"{OFFICE}/orders", params={"city": "fres"})).text
    assert "No order matches" in (await client.get(f"{OFFICE}/orders", params={"city": "Lapsed"})).text


async def test_asking_to_cancel_a_paid_attendee_says_what_the_policy_gives_back(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    order = await place_city_order(db, settings, world)
    await sign_in(client, organizer)
    unpaid = await client.post(f"{OFFICE}/orders/{order.id}/cancel", data=form(client))
    assert "Nothing was paid on this order" in unpaid.text
    await client.post(
        f"{OFFICE}/orders/{order.id}/payments",
        data=form(client, amount="1000", method="check", received_on="2026-11-30"),
    )
    asked = await client.post(
        f"{OFFICE}/orders/{order.id}/cancel", data=form(client, attendee=[str(order.attendees[1].id)])
    )
    assert "$500.00 goes back" in asked.text  # still inside the full-refund period
    assert "kept as the fee" not in asked.text
