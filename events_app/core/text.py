"""Small text helpers shared by every domain."""

import re


def slugify(text: str) -> str:
    """``"Women's Caucus"`` -> ``"women-s-caucus"``: lowercase ASCII words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
