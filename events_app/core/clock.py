"""The one clock: timezone-aware UTC, so stored times never mix naive and aware values."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
