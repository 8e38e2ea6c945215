"""Template filters that show dates and times the way attendees read them, in the conference's zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from events_app.core.money import Money


def local_datetime(value: datetime, timezone: str) -> str:
    """``Tue, Sep 14, 2027, 9:30 AM PDT``"""
    local = value.astimezone(ZoneInfo(timezone))
    return local.strftime("%a, %b %-d, %Y, %-I:%M %p %Z")


def date_range(start: date, end: date) -> str:
    """``September 14-16, 2027``, ``September 30 - October 2, 2027`` or one day."""
    if start == end:
        return start.strftime("%B %-d, %Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.strftime('%B %-d')}-{end.day}, {end.year}"
    if start.year == end.year:
        return f"{start.strftime('%B %-d')} - {end.strftime('%B %-d')}, {end.year}"
    return f"{start.strftime('%B %-d, %Y')} - {end.strftime('%B %-d, %Y')}"


def money(cents: int, currency: str = "USD") -> str:
    """``$1,250.00``"""
    return str(Money(cents, currency))


FILTERS: dict[str, Callable[..., Any]] = {"local_datetime": local_datetime, "date_range": date_range, "money": money}
