"""Invoices a city can pay: the association's billing profile, or a conference's own, printed on every invoice."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.audit.models import AuditEvent
from events_app.payments import service as payments
from events_app.payments.models import BillingProfile
from events_app.registration.checkout import PURPOSE
from events_app.settings import Settings
from tests.backoffice.conftest import OFFICE, form, place_city_order, sign_in
from tests.conftest import Caller
from tests.registration.conftest import World

ASSOCIATION = {
    "legal_name": "League of Member Cities",
    "remit_to": "1400 K Street, Suite 400\nSacramento, CA 95814",
    "bank_name": "Golden State Bank",
    "routing_number": "121000358",
    "account_number": "00123456789",
    "tax_id": "94-1234567",
    "contact_email": "finance@league.test",
}


async def test_the_associations_profile_is_printed_on_an_invoice_until_the_conference_has_its_own(
    client: AsyncTestClient[Litestar], db: AsyncSession, settings: Settings, world: World, organizer: Caller
) -> None:
    order = await place_city_order(db, settings, world)
    [payment] = await payments.payments_for(db, purpose=PURPOSE, reference_id=order.id)
    assert payment.invoice is not None
    invoice_page = f"/c/annual-2027/invoices/{payment.invoice.number}"
    await sign_in(client, organizer)
    assert "How to pay" not in (await client.get(invoice_page)).text

    saved = await client.post("/office/billing", data=form(client, **ASSOCIATION))
    assert "The billing profile is saved" in saved.text
    printed = (await client.get(invoice_page)).text
    for shown in ("League of Member Cities", "Sacramento, CA 95814", "routing number 121000358", "94-1234567"):
        assert shown in printed, shown
    assert "finance@league.test" in printed

    own = await client.get(f"{OFFICE}/billing")
    assert "its invoices print the" in own.text
    await client.post(
        f"{OFFICE}/billing",
        data=form(client, legal_name="Annual Conference Host Committee", remit_to="PO Box 9, Long Beach, CA"),
    )
    printed = (await client.get(invoice_page)).text
    assert "Annual Conference Host Committee" in printed
    assert "League of Member Cities" not in printed
    assert "ACH to" not in printed  # the conference's own profile gives no bank
    changes = list(await db.scalars(select(AuditEvent.action).where(AuditEvent.action == "billing.profile_set")))
    assert len(changes) == 2


async def test_a_wrong_routing_number_or_half_the_bank_details_save_nothing(
    client: AsyncTestClient[Litestar], db: AsyncSession, world: World, organizer: Caller
) -> None:
    await sign_in(client, organizer)
    for wrong, reason in (
        ({"routing_number": "121000359"}, "check digit is wrong"),
        ({"bank_name": "", "routing_number": "121000358"}, "needs the bank"),
        ({"tax_id": "941234567"}, "Not saved"),
    ):
        refused = await client.post("/office/billing", data=form(client, **(ASSOCIATION | wrong)))
        assert refused.status_code == 422
        assert reason in refused.text
        assert 'value="Golden State Bank"' in refused.text or not wrong.get("bank_name", "x")
    assert await db.scalar(select(BillingProfile)) is None
