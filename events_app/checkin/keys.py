"""Each conference's badge key pair: made on first use, the private half sealed, the public half published.

The private key is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the
service's ``secret_key`` and bound to the conference id, so a database dump alone cannot
mint badges. An operator may instead give a conference's private key in settings
(``EVENTS_BADGE_PRIVATE_KEYS``); then nothing secret is stored at all. Two processes
creating the same conference's key race on the unique ``conference_id``; the loser
reads the winner's row.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin.credential import key_id_for, raw_public_key
from events_app.checkin.errors import BadgeKeyMisconfigured, BadgeKeyMismatch, BadgeKeyMissing, BadgeKeyUnreadable
from events_app.checkin.models import BadgeKey
from events_app.conferences.models import Conference
from events_app.db import insert_unless_taken
from events_app.settings import Settings

_SEAL_SALT = b"events-app/badge-key-seal/v1"


@dataclass(frozen=True, slots=True)
class PublicBadgeKey:
    conference_id: uuid.UUID
    key_id: str
    public_key: bytes
    # Made once with the key: rebuilding it from the bytes showed in every scan's profile.
    verifier: Ed25519PublicKey


# Public keys never change once made, so every process may keep them.
_public_by_conference: dict[uuid.UUID, PublicBadgeKey] = {}
_public_by_key_id: dict[str, PublicBadgeKey] = {}


def _sealing_key(secret_key: str, conference_id: uuid.UUID) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SEAL_SALT, info=b"conference:" + conference_id.bytes)
    return AESGCM(hkdf.derive(secret_key.encode()))


def seal(private_key: Ed25519PrivateKey, *, secret_key: str, conference_id: uuid.UUID) -> bytes:
    nonce = os.urandom(12)
    raw = private_key.private_bytes_raw()
    return nonce + _sealing_key(secret_key, conference_id).encrypt(nonce, raw, conference_id.bytes)


def unseal(sealed: bytes, *, secret_key: str, conference_id: uuid.UUID) -> Ed25519PrivateKey:
    try:
        raw = _sealing_key(secret_key, conference_id).decrypt(sealed[:12], sealed[12:], conference_id.bytes)
    except InvalidTag as exc:
        raise BadgeKeyUnreadable(
            "The badge signing key cannot be opened: the service's secret key changed since it was made."
        ) from exc
    return Ed25519PrivateKey.from_private_bytes(raw)


def _configured_key(settings: Settings, slug: str) -> Ed25519PrivateKey | None:
    for conference_slug, encoded in settings.badge_private_keys:
        if conference_slug == slug:
            try:
                raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
                return Ed25519PrivateKey.from_private_bytes(raw)
            except (binascii.Error, ValueError) as exc:
                raise BadgeKeyMisconfigured(
                    f"EVENTS_BADGE_PRIVATE_KEYS holds no valid Ed25519 key for {slug!r}."
                ) from exc
    return None


def _public(row: BadgeKey) -> PublicBadgeKey:
    return PublicBadgeKey(
        conference_id=row.conference_id,
        key_id=row.key_id,
        public_key=row.public_key,
        verifier=Ed25519PublicKey.from_public_bytes(row.public_key),
    )


def _remember(row: BadgeKey) -> PublicBadgeKey:
    key = _public(row)
    _public_by_conference[key.conference_id] = key
    _public_by_key_id[key.key_id] = key
    return key


async def _stored(db: AsyncSession, conference_id: uuid.UUID) -> BadgeKey | None:
    return await db.scalar(select(BadgeKey).where(BadgeKey.conference_id == conference_id))


async def _ensure_row(db: AsyncSession, *, settings: Settings, conference: Conference) -> BadgeKey:
    row = await _stored(db, conference.id)
    if row is not None:
        return row
    configured = _configured_key(settings, conference.slug)
    private = configured or Ed25519PrivateKey.generate()
    from_settings = configured is not None
    public = raw_public_key(private)
    values = {
        "conference_id": conference.id,
        "key_id": key_id_for(public),
        "public_key": public,
        "private_key_sealed": None
        if from_settings
        else seal(private, secret_key=settings.secret_key, conference_id=conference.id),
    }
    # One statement and no savepoint, which a read outside a transaction (PostgreSQL) could not take.
    await insert_unless_taken(db, BadgeKey, values)
    row = await _stored(db, conference.id)
    if row is None:  # not this conference's key that was there first: its key id is another's
        raise BadgeKeyMisconfigured(f"The badge key of {conference.slug!r} has the id of another conference's key.")
    return row


async def signing_key(db: AsyncSession, *, settings: Settings, conference: Conference) -> Ed25519PrivateKey:
    """The conference's private key, made (and stored sealed) the first time it is needed."""
    row = await _ensure_row(db, settings=settings, conference=conference)
    configured = _configured_key(settings, conference.slug)
    if configured is not None:
        if raw_public_key(configured) != row.public_key:
            raise BadgeKeyMismatch(
                f"The key in EVENTS_BADGE_PRIVATE_KEYS for {conference.slug!r} does not match the published one."
            )
        return configured
    if row.private_key_sealed is None:
        raise BadgeKeyMissing(f"The badge key of {conference.slug!r} was given in settings and is missing now.")
    return unseal(row.private_key_sealed, secret_key=settings.secret_key, conference_id=conference.id)


async def public_key(db: AsyncSession, *, settings: Settings, conference: Conference) -> PublicBadgeKey:
    """The conference's public key (what scanners verify with); made on first use."""
    if (known := _public_by_conference.get(conference.id)) is not None:
        return known
    if (row := await _stored(db, conference.id)) is not None:
        return _remember(row)
    # Not cached yet: the new row may still roll back with the caller's transaction.
    row = await _ensure_row(db, settings=settings, conference=conference)
    return _public(row)


async def public_key_by_id(db: AsyncSession, *, key_id: str) -> PublicBadgeKey | None:
    """Whichever conference's public key has this id, if any (to tell 'another conference' from forged).

    Never creates a key: a conference without one has issued no badge to recognise.
    """
    if (known := _public_by_key_id.get(key_id)) is not None:
        return known
    row = await db.scalar(select(BadgeKey).where(BadgeKey.key_id == key_id))
    return _remember(row) if row is not None else None
