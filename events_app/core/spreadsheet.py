"""The one way to write CSV for people: every cell is safe to open in a spreadsheet.

OWASP's CSV-injection rule: a cell that starts like a formula (``= + - @``, tab, CR or a
pipe) is run by Excel, LibreOffice and Sheets, so it gets a leading apostrophe. Names,
titles and notes come from attendees and partners, so every export goes through here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from functools import partial

from anyio import to_thread

FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r", "|")


def spreadsheet_safe(value: object) -> str:
    """A cell a spreadsheet shows as text; ``None`` is an empty cell."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTERS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, byte_order_mark: bool = False) -> str:
    """A CSV document; ``byte_order_mark`` makes Excel read UTF-8 names correctly."""
    out = io.StringIO()
    if byte_order_mark:
        out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return out.getvalue()


async def csv_file(header: Sequence[str], rows: Iterable[Sequence[object]], *, byte_order_mark: bool = False) -> str:
    """``csv_text`` in a worker thread: thousands of rows must not hold the event loop."""
    return await to_thread.run_sync(partial(csv_text, header, rows, byte_order_mark=byte_order_mark))
