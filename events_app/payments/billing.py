"""Billing profiles: who is paid and how, printed on every invoice.

A city's accounts-payable office pays an invoice only when it names a legal payee, a
remit-to address, bank details for an ACH credit and a tax id it can match to a W-9. The
association keeps one profile; a conference may keep its own (a workshop run with a
partner's bank account), and otherwise its invoices print the association's. An invoice
shows the profile as it stands when it is read, so a corrected address reaches the
invoices still open.
"""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.payments.errors import BankDetailsIncomplete, RoutingNumberInvalid
from events_app.payments.models import BillingProfile
from events_app.payments.schemas import BillingProfileIn

BANK_FIELDS = ("bank_name", "routing_number", "account_number")
# The ABA check digit: 3, 7, 1 repeated over the nine digits sums to a multiple of 10.
_ABA_WEIGHTS = (3, 7, 1) * 3


def routing_number_valid(number: str) -> bool:
    if len(number) != 9 or not number.isdigit():
        return False
    return sum(int(d) * w for d, w in zip(number, _ABA_WEIGHTS, strict=True)) % 10 == 0


async def get_profile(db: AsyncSession, *, conference_id: uuid.UUID | None) -> BillingProfile | None:
    """A conference's own profile, or (``conference_id`` None) the association's."""
    if conference_id is None:
        return await db.scalar(select(BillingProfile).where(BillingProfile.for_association.is_(True)))
    return await db.scalar(select(BillingProfile).where(BillingProfile.conference_id == conference_id))


async def payee_for(db: AsyncSession, *, conference_id: uuid.UUID) -> BillingProfile | None:
    """The profile a conference's invoices print: its own, else the association's, else none yet."""
    return await get_profile(db, conference_id=conference_id) or await get_profile(db, conference_id=None)


async def set_profile(
    db: AsyncSession, *, conference_id: uuid.UUID | None, data: BillingProfileIn, actor: Principal
) -> BillingProfile:
    """Creates or changes a profile; audited with the fields that changed (never the account number itself)."""
    fields = {k: v.strip() if isinstance(v, str) else v for k, v in msgspec.structs.asdict(data).items()}
    if fields["routing_number"] and not routing_number_valid(fields["routing_number"]):
        raise RoutingNumberInvalid(f"{fields['routing_number']} is not a routing number: its check digit is wrong.")
    if any(fields[f] for f in BANK_FIELDS) and not all(fields[f] for f in BANK_FIELDS):
        raise BankDetailsIncomplete("An ACH payment needs the bank's name, its routing number and the account number.")
    profile = await get_profile(db, conference_id=conference_id)
    if profile is None:
        profile = BillingProfile(conference_id=conference_id, for_association=conference_id is None, **fields)
        db.add(profile)
        changed = sorted(fields)
    else:
        changed = sorted(k for k, v in fields.items() if getattr(profile, k) != v)
        for key, value in fields.items():
            setattr(profile, key, value)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="billing.profile_set",
        subject_type="billing_profile",
        subject_id=profile.id,
        conference_id=conference_id,
        changed=changed,
    )
    return profile
