"""Promo codes: organizers create them; checkout applies them (``pricing``) and counts their uses (``capacity``)."""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.errors import Conflict, Invalid, NotFound
from events_app.registration import capacity
from events_app.registration.models import DiscountKind, PromoCode, RegistrationType
from events_app.registration.schemas import PromoCodeIn, PromoCodeOut, PromoCodePatch


async def _types(db: AsyncSession, *, conference_id: uuid.UUID, ids: list[uuid.UUID]) -> list[RegistrationType]:
    found = list(
        await db.scalars(
            select(RegistrationType).where(
                RegistrationType.id.in_(ids), RegistrationType.conference_id == conference_id
            )
        )
    )
    if len(found) != len(set(ids)):
        raise Invalid("Some registration_type_ids are not types of this conference.", code="registration-type-unknown")
    return found


def _check(code: PromoCode) -> None:
    if code.kind == DiscountKind.PERCENT and not 1 <= code.value <= 100:
        raise Invalid("A percentage is between 1 and 100.", code="percent-out-of-range")
    if code.valid_from is not None and code.valid_until is not None and code.valid_until <= code.valid_from:
        raise Invalid("A code must stop being valid after it starts.", code="code-window-backwards")


async def create_code(
    db: AsyncSession, *, conference: Conference, data: PromoCodeIn, actor: Principal | None
) -> PromoCode:
    """Adds a code (stored upper-case; people may type it in any case)."""
    text = data.code.upper()
    if await db.scalar(select(PromoCode.id).where(PromoCode.conference_id == conference.id, PromoCode.code == text)):
        raise Conflict(f"The code {text} already exists for this conference.", code="promo-code-taken")
    code = PromoCode(
        conference_id=conference.id,
        code=text,
        kind=data.kind,
        value=data.value,
        description=data.description,
        max_uses=data.max_uses,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        active=data.active,
        types=await _types(db, conference_id=conference.id, ids=data.registration_type_ids),
    )
    _check(code)
    db.add(code)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="registration.promo_code_created",
        subject_type="promo_code",
        subject_id=code.id,
        conference_id=conference.id,
        code=text,
    )
    return code


async def get_code(db: AsyncSession, *, conference_id: uuid.UUID, code_id: uuid.UUID) -> PromoCode:
    code = await db.get(PromoCode, code_id)
    if code is None or code.conference_id != conference_id:
        raise NotFound("This conference has no promo code with this id.", code="promo-code-not-found")
    return code


async def update_code(db: AsyncSession, *, code: PromoCode, data: PromoCodePatch, actor: Principal | None) -> PromoCode:
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    type_ids = changes.pop("registration_type_ids", None)
    if type_ids is not None:
        code.types = await _types(db, conference_id=code.conference_id, ids=type_ids)
    for key, value in changes.items():
        setattr(code, key, value)
    _check(code)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="registration.promo_code_updated",
        subject_type="promo_code",
        subject_id=code.id,
        conference_id=code.conference_id,
        changes=sorted([*changes, *(["registration_type_ids"] if type_ids is not None else [])]),
    )
    return code


async def list_codes(db: AsyncSession, *, conference_id: uuid.UUID) -> list[PromoCodeOut]:
    codes = await db.scalars(select(PromoCode).where(PromoCode.conference_id == conference_id).order_by(PromoCode.code))
    return [await code_out(db, c) for c in codes]


async def code_out(db: AsyncSession, code: PromoCode) -> PromoCodeOut:
    return PromoCodeOut(
        id=code.id,
        code=code.code,
        kind=code.kind,
        value=code.value,
        description=code.description,
        registration_type_ids=[t.id for t in code.types],
        max_uses=code.max_uses,
        uses=await capacity.code_uses(db, code_id=code.id, moment=now()),
        valid_from=code.valid_from,
        valid_until=code.valid_until,
        active=code.active,
    )
