"""Both databases keep the rules the code relies on."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import ApiToken, Role


async def test_foreign_keys_are_enforced_even_on_sqlite(db: AsyncSession) -> None:
    db.add(ApiToken(user_id=uuid.uuid4(), name="orphan", token_hash="0" * 64, role=Role.STAFF))
    with pytest.raises(IntegrityError):
        await db.flush()
