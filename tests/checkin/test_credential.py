"""The badge token: unforgeable, bound to its conference, short enough for a sturdy QR code."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

import numpy as np
import png
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events_app.checkin import credential, qr

CONFERENCE = uuid.UUID("7b0c3c52-29a5-4d5c-9d5e-0f1d2c3b4a59")
ATTENDEE = uuid.UUID("0d6f6b0e-3a7e-4a43-9b8f-5a0e1c9d2e11")


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _token(key: Ed25519PrivateKey, *, version: int = 1, conference: uuid.UUID = CONFERENCE) -> str:
    return credential.issue_token(key, conference_id=conference, attendee_id=ATTENDEE, version=version)


def test_a_token_reads_back_and_verifies_with_its_conference_key(key: Ed25519PrivateKey) -> None:
    claim = credential.read_token(_token(key, version=3))
    public = credential.raw_public_key(key)
    assert (claim.attendee_id, claim.version) == (ATTENDEE, 3)
    assert claim.key_id == credential.key_id_for(public)
    assert credential.signature_is_valid(claim, public_key=key.public_key(), conference_id=CONFERENCE)


def test_a_token_moved_to_another_conference_or_version_fails(key: Ed25519PrivateKey) -> None:
    public = key.public_key()
    claim = credential.read_token(_token(key))
    assert not credential.signature_is_valid(claim, public_key=public, conference_id=uuid.uuid4())
    forged = credential.BadgeClaim(
        key_id=claim.key_id, attendee_id=claim.attendee_id, version=2, signature=claim.signature, body=claim.body
    )
    assert not credential.signature_is_valid(forged, public_key=public, conference_id=CONFERENCE)
    other = Ed25519PrivateKey.generate()
    assert not credential.signature_is_valid(claim, public_key=other.public_key(), conference_id=CONFERENCE)


@pytest.mark.parametrize("text", ["", "hello", "EV1-", "EV1-!!!!", "EV1-" + "A" * 137, "EV2-" + "A" * 138])
def test_garbage_is_not_a_token(text: str) -> None:
    with pytest.raises(credential.MalformedToken):
        credential.read_token(text)


def _with_spare_bits(token: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return token[:-1] + alphabet[alphabet.index(token[-1]) | 1]


@pytest.mark.parametrize(
    "respell",
    [
        str.lower,
        lambda t: f" {t}\n",
        lambda t: t + "==",
        lambda t: t.replace("I", "\u0131").replace("S", "\u017f"),  # both upper() to ASCII
        _with_spare_bits,
    ],
    ids=["lower case", "whitespace", "padding", "dotless i and long s", "spare bits set"],
)
def test_a_token_has_one_spelling(key: Ed25519PrivateKey, respell: Callable[[str], str]) -> None:
    token = next(t for t in (_token(key, version=v) for v in range(1, 500)) if "I" in t and "S" in t)
    assert credential.read_token(token).attendee_id == ATTENDEE
    assert respell(token) != token
    with pytest.raises(credential.MalformedToken):
        credential.read_token(respell(token))


def test_the_token_fits_a_version_6_code_at_error_correction_m(key: Ed25519PrivateKey) -> None:
    token = _token(key, version=65535)
    assert len(token) == 142
    assert len(qr.matrix(token)) == 41  # version 6: 17 + 4 * 6 modules a side


def _pixels(png_bytes: bytes) -> np.ndarray:  # type: ignore[type-arg]
    width, height, rows, info = png.Reader(file=io.BytesIO(png_bytes)).asDirect()
    planes = info["planes"]
    scale = 255 // (2 ** info["bitdepth"] - 1)  # qrcode writes 1-bit greyscale
    grid = np.array([list(row) for row in rows], dtype=np.uint8).reshape(height, width, planes) * scale
    return np.ascontiguousarray(grid[:, :, 0])


def test_an_independent_reader_decodes_the_png_back_to_the_token(key: Ed25519PrivateKey) -> None:
    token = _token(key)
    results = zxingcpp.read_barcodes(_pixels(qr.png(token)))
    assert [r.text for r in results] == [token]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode


def test_the_svg_is_one_scalable_path() -> None:
    image = qr.svg("EV1-TEST").decode()
    assert image.count("<path") == 1
    assert 'viewBox="0 0' in image
