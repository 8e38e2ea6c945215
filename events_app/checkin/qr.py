"""QR images of badge tokens: SVG for pages and print, PNG for mail, the bare matrix for the PDF sheets.

Error correction M survives a scuffed or partly covered badge while the token still fits
a version 6 symbol; the quiet zone of four modules is what readers need around the code.
No Pillow: qrcode's SVG path image and its pure-Python PNG writer (pypng).
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.pure
import qrcode.image.svg

QUIET_ZONE = 4


def _code(token: str, *, box_size: int = 10) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE, box_size=box_size)
    code.add_data(token)
    code.make(fit=True)
    return code


def svg(token: str) -> bytes:
    """A scalable SVG (one path), sized in millimetres at one module per unit."""
    buffer = io.BytesIO()
    _code(token).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()


def png(token: str, *, box_size: int = 8) -> bytes:
    """A black-on-white PNG, ``box_size`` pixels per module."""
    buffer = io.BytesIO()
    _code(token, box_size=box_size).make_image(image_factory=qrcode.image.pure.PyPNGImage).save(buffer)
    return buffer.getvalue()


def matrix(token: str) -> list[list[bool]]:
    """The dark modules, quiet zone excluded, for drawing the code as vector squares."""
    modules = _code(token).modules
    return [[bool(cell) for cell in row] for row in modules]
