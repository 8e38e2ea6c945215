"""The short code printed beside a badge's QR, typed by staff or a booth when the QR will not read.

It is the first 40 bits of the attendee's random id in Crockford's base32 (``7KX2-M9QD``):
short enough to read out, with no I, L, O or U to misread, and a thousand billion values
for a few thousand attendees. It names a person, as a name does; the signed QR stays the
badge's proof, so a code is only taken where staff or a booth would look a person up.
"""

from __future__ import annotations

import uuid

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})
_BITS = 40


def badge_code(attendee_id: uuid.UUID) -> str:
    value = attendee_id.int >> (128 - _BITS)
    chars = "".join(ALPHABET[(value >> shift) & 31] for shift in range(_BITS - 5, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"


def id_range(text: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The lowest and highest attendee id a typed code stands for; None when the text is not a code."""
    cleaned = text.strip().upper().translate(_MISREAD)
    if len(cleaned) != _BITS // 5 or any(c not in ALPHABET for c in cleaned):
        return None
    value = 0
    for char in cleaned:
        value = value << 5 | ALPHABET.index(char)
    low = value << (128 - _BITS)
    return uuid.UUID(int=low), uuid.UUID(int=low | (1 << (128 - _BITS)) - 1)
