"""The feed's own line folding gives exactly the bytes icalendar's would."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import icalendar

from events_app.sessions.feeds import ical_bytes


def test_folding_matches_icalendar_byte_for_byte() -> None:
    picker = random.Random(5545)
    alphabet = "abcdefghij ,;:\\^\n\"'-" + "é€"
    calendar = icalendar.Calendar.new(prodid="-//test//EN")
    for n in range(300):
        ascii_only = n % 3 != 0
        letters = alphabet[:-2] if ascii_only else alphabet
        text = "".join(picker.choice(letters) for _ in range(picker.randrange(0, 400)))
        calendar.add_component(
            icalendar.Event.new(
                uid=f"{n}@test", summary=text[:90], description=text, start=datetime(2027, 3, 1, 9, tzinfo=UTC)
            )
        )
    assert ical_bytes(calendar) == calendar.to_ical()
