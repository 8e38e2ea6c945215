"""Each conference's signing key: sealed under the service secret, or given by the operator."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import credential, keys
from events_app.checkin.models import BadgeKey
from events_app.core.errors import Unavailable
from events_app.settings import Settings, SettingsError
from tests.checkin.conftest import World


async def test_the_private_key_is_stored_sealed_and_opens_only_with_the_service_secret(
    db: AsyncSession, settings: Settings, world: World
) -> None:
    private = await keys.signing_key(db, settings=settings, conference=world.conference)
    row = await db.scalar(select(BadgeKey).where(BadgeKey.conference_id == world.conference.id))
    assert row is not None
    assert row.private_key_sealed is not None
    assert private.private_bytes_raw() not in row.private_key_sealed
    assert row.public_key == credential.raw_public_key(private)
    again = await keys.signing_key(db, settings=settings, conference=world.conference)
    assert again.private_bytes_raw() == private.private_bytes_raw()  # one key per conference, kept

    rotated = replace(settings, secret_key="another-secret-key-that-is-long-enough-0123456789")
    with pytest.raises(Unavailable) as refused:
        await keys.signing_key(db, settings=rotated, conference=world.conference)
    assert refused.value.code == "badge-key-unreadable"


async def test_an_operator_supplied_key_signs_and_nothing_secret_is_stored(
    db: AsyncSession, settings: Settings, world: World
) -> None:
    own = Ed25519PrivateKey.generate()
    encoded = base64.urlsafe_b64encode(own.private_bytes_raw()).decode().rstrip("=")
    configured = replace(settings, badge_private_keys=((world.conference.slug, encoded),))
    private = await keys.signing_key(db, settings=configured, conference=world.conference)
    assert private.private_bytes_raw() == own.private_bytes_raw()
    row = await db.scalar(select(BadgeKey).where(BadgeKey.conference_id == world.conference.id))
    assert row is not None
    assert row.private_key_sealed is None
    published = await keys.public_key(db, settings=configured, conference=world.conference)
    assert published.public_key == credential.raw_public_key(own)


def test_badge_keys_and_redis_come_from_the_environment(tmp_path: Path) -> None:
    env = {"EVENTS_VAR_DIR": str(tmp_path), "EVENTS_REDIS_URL": "redis://127.0.0.1:6379/2"}
    settings = Settings.from_env({**env, "EVENTS_BADGE_PRIVATE_KEYS": "annual-2027=abc, spring=def"})
    assert settings.redis_url == "redis://127.0.0.1:6379/2"
    assert settings.badge_private_keys == (("annual-2027", "abc"), ("spring", "def"))
    assert "abc" not in repr(settings)
    with pytest.raises(SettingsError, match="slug=value"):
        Settings.from_env({**env, "EVENTS_BADGE_PRIVATE_KEYS": "no-equals-sign"})
