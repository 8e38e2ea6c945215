"""The badge credential: a compact Ed25519-signed token naming a conference, an attendee and a badge version.

Wire format (what the QR code and a wedge scanner carry)::

    EV1-<base32 of: key id (4) | attendee id (16) | badge version (2, big-endian) | signature (64)>

138 base32 characters after the prefix, all in the QR alphanumeric set, so the code is
a version 6 symbol (41x41 modules) at error correction M: large modules that print
well on badge stock. The signature covers a domain tag, the conference id, the
attendee id and the version; the conference id is not sent because the verifier knows
which conference it is scanning for, and the key id (the first four bytes of SHA-256
of the conference's public key) tells a badge of another conference from a forgery.

This module is pure: no database. ``keys.py`` finds and stores the key pairs.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "EV1-"
DOMAIN_TAG = b"events-app/badge/v1"
KEY_ID_BYTES = 4
SIGNATURE_BYTES = 64
BODY = struct.Struct(">4s16sH")
TOKEN_BYTES = BODY.size + SIGNATURE_BYTES
MAX_BADGE_VERSION = 0xFFFF
# The one spelling of a token: what ``issue_token`` writes, unpadded upper-case base32. Another
# spelling of the same bytes (lower case, spaces, "=" padding, the dotless i or long s
# that upper() folds to ASCII) is refused, so a token is its own identity wherever it is compared or stored.
TOKEN_LETTERS = -(-TOKEN_BYTES * 8 // 5)
CANONICAL = re.compile(rf"{PREFIX}[A-Z2-7]{{{TOKEN_LETTERS}}}")
# The base32 letters as the digits int() reads in base 32, so a token is one number.
_AS_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv")
_SPARE_BITS = TOKEN_LETTERS * 5 - TOKEN_BYTES * 8
_SPARE_MASK = (1 << _SPARE_BITS) - 1


class MalformedToken(ValueError):
    """The text is not a badge token at all (wrong prefix, bad alphabet, wrong length)."""


@dataclass(frozen=True, slots=True)
class BadgeClaim:
    """What a token says, before anyone has checked the signature."""

    key_id: str
    attendee_id: uuid.UUID
    version: int
    signature: bytes
    body: bytes


def key_id_for(public_key: bytes) -> str:
    """The short, public name of a conference's key: eight hex digits."""
    return hashlib.sha256(public_key).digest()[:KEY_ID_BYTES].hex()


def signed_message(*, conference_id: uuid.UUID, attendee_id: uuid.UUID, version: int) -> bytes:
    """The exact bytes signed; the scanner page rebuilds them to verify offline."""
    return DOMAIN_TAG + conference_id.bytes + attendee_id.bytes + struct.pack(">H", version)


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes_raw()


def issue_token(
    private_key: Ed25519PrivateKey, *, conference_id: uuid.UUID, attendee_id: uuid.UUID, version: int
) -> str:
    """The badge token for one attendee at one badge version."""
    if not 0 <= version <= MAX_BADGE_VERSION:
        raise ValueError(f"a badge version must be between 0 and {MAX_BADGE_VERSION}")
    key_id = bytes.fromhex(key_id_for(raw_public_key(private_key)))
    body = BODY.pack(key_id, attendee_id.bytes, version)
    signature = private_key.sign(signed_message(conference_id=conference_id, attendee_id=attendee_id, version=version))
    return PREFIX + base64.b32encode(body + signature).decode().rstrip("=")


def read_token(text: str) -> BadgeClaim:
    """Splits a token into its claim; raises ``MalformedToken`` for anything that is not one."""
    if not CANONICAL.fullmatch(text):
        raise MalformedToken("not a badge token")
    # One C call for the whole token: base64.b32decode walks it in Python, 8 letters at a time,
    # and was the largest share of reading a token in a scan's profile.
    value = int(text[len(PREFIX) :].translate(_AS_DIGITS), 32)
    if value & _SPARE_MASK:
        # The last letter carries two spare bits: set, they spell the same bytes another way.
        raise MalformedToken("not the canonical spelling")
    raw = (value >> _SPARE_BITS).to_bytes(TOKEN_BYTES, "big")
    key_id, attendee, version = BODY.unpack(raw[: BODY.size])
    return BadgeClaim(
        key_id=key_id.hex(),
        attendee_id=uuid.UUID(bytes=attendee),
        version=version,
        signature=raw[BODY.size :],
        body=raw[: BODY.size],
    )


def signature_is_valid(claim: BadgeClaim, *, public_key: Ed25519PublicKey, conference_id: uuid.UUID) -> bool:
    """True when the claim was signed by this conference's key for this conference."""
    message = signed_message(conference_id=conference_id, attendee_id=claim.attendee_id, version=claim.version)
    try:
        public_key.verify(claim.signature, message)
    except InvalidSignature:
        return False
    return True
