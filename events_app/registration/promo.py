"""Promo codes: organizers create them; a buyer types one (``find_code``), the quote applies it (``pricing``)
and checkout counts its uses (``capacity``)."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.shapes import shaped
from events_app.registration import capacity
from events_app.registration.errors import (
    CodeWindowBackwards,
    PercentOutOfRange,
    PromoCodeExpired,
    PromoCodeInvalid,
    PromoCodeNotFound,
    PromoCodeNotYetValid,
    PromoCodeTaken,
    UnknownRegistrationType,
)
from events_app.registration.models import DiscountKind, PromoCode, RegistrationType
from events_app.registration.schemas import PromoCodeIn, PromoCodeOut, PromoCodePatch
from events_app.registration.service import audit


async def _types(db: AsyncSession, *, conference_id: uuid.UUID, ids: list[uuid.UUID]) -> list[RegistrationType]:
    found = list(
        await db.scalars(
            select(RegistrationType).where(
                RegistrationType.id.in_(ids), RegistrationType.conference_id == conference_id
            )
        )
    )
    if len(found) != len(set(ids)):
        raise UnknownRegistrationType("Some registration_type_ids are not types of this conference.")
    return found


def _check(code: PromoCode) -> None:
    if code.kind == DiscountKind.PERCENT and not 1 <= code.value <= 100:
        raise PercentOutOfRange("A percentage is between 1 and 100.")
    if code.valid_from is not None and code.valid_until is not None and code.valid_until <= code.valid_from:
        raise CodeWindowBackwards("A code must stop being valid after it starts.")


async def create_code(
    db: AsyncSession, *, conference: Conference, data: PromoCodeIn, actor: Principal | None
) -> PromoCode:
    """Adds a code (stored upper-case; people may type it in any case)."""
    text = data.code.upper()
    if await db.scalar(select(PromoCode.id).where(PromoCode.conference_id == conference.id, PromoCode.code == text)):
        raise PromoCodeTaken(f"The code {text} already exists for this conference.")
    fields = msgspec.structs.asdict(data) | {"code": text}
    types = await _types(db, conference_id=conference.id, ids=fields.pop("registration_type_ids"))
    code = PromoCode(conference_id=conference.id, types=types, **fields)
    _check(code)
    db.add(code)
    await db.flush()
    await audit(db, code, "registration.promo_code_created", actor=actor, code=text)
    return code


async def get_code(db: AsyncSession, *, conference_id: uuid.UUID, code_id: uuid.UUID) -> PromoCode:
    code = await db.get(PromoCode, code_id)
    if code is None or code.conference_id != conference_id:
        raise PromoCodeNotFound("This conference has no promo code with this id.")
    return code


async def find_code(db: AsyncSession, *, conference_id: uuid.UUID, code: str, at: datetime) -> PromoCode:
    """A usable code of this conference, typed in any case; ``promo-code-invalid`` (422) otherwise."""
    found = await db.scalar(
        select(PromoCode).where(PromoCode.conference_id == conference_id, PromoCode.code == code.strip().upper())
    )
    if found is None or not found.active:
        raise PromoCodeInvalid(f"The code {code.strip().upper()} is not valid for this conference.")
    if found.valid_from is not None and at < found.valid_from:
        raise PromoCodeNotYetValid(f"The code {found.code} is not valid yet.")
    if found.valid_until is not None and at >= found.valid_until:
        raise PromoCodeExpired(f"The code {found.code} has expired.")
    return found


async def update_code(db: AsyncSession, *, code: PromoCode, data: PromoCodePatch, actor: Principal | None) -> PromoCode:
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    type_ids = changes.pop("registration_type_ids", None)
    if type_ids is not None:
        code.types = await _types(db, conference_id=code.conference_id, ids=type_ids)
    for key, value in changes.items():
        setattr(code, key, value)
    _check(code)
    await db.flush()
    await audit(
        db,
        code,
        "registration.promo_code_updated",
        actor=actor,
        changes=sorted([*changes, *(["registration_type_ids"] if type_ids is not None else [])]),
    )
    return code


async def list_codes(db: AsyncSession, *, conference_id: uuid.UUID) -> list[PromoCodeOut]:
    codes = await db.scalars(select(PromoCode).where(PromoCode.conference_id == conference_id).order_by(PromoCode.code))
    return [await code_out(db, c) for c in codes]


async def code_out(db: AsyncSession, code: PromoCode) -> PromoCodeOut:
    return shaped(
        PromoCodeOut,
        code,
        registration_type_ids=[t.id for t in code.types],
        uses=await capacity.code_uses(db, code_id=code.id, moment=now()),
    )
