"""The one way to answer with a file: the bytes or text, its type, and the name a browser saves it under."""

from __future__ import annotations

from typing import TypeVar

from litestar import Response

CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"

Content = TypeVar("Content", bytes, str)


def download(content: Content, *, media_type: str, filename: str, inline: bool = False) -> Response[Content]:
    """A file to save (or, ``inline``, to open in the browser's own viewer, as a badge or certificate PDF)."""
    disposition = "inline" if inline else "attachment"
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'{disposition}; filename="{filename}"'}
    )
