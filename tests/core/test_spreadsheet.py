"""Exports open in a spreadsheet as text: nothing an attendee types runs as a formula."""

from __future__ import annotations

import csv
import io

from events_app.core.spreadsheet import csv_text


def test_a_name_that_looks_like_a_formula_is_shown_not_run() -> None:
    text = csv_text(["name", "city"], [('=HYPERLINK("http://evil")', "Long Beach"), ("@SUM(A1)", "-1")])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "Long Beach"]
    assert rows[2] == ["'@SUM(A1)", "'-1"]


def test_excel_gets_a_byte_order_mark_when_asked() -> None:
    assert csv_text(["name"], [("José",)], byte_order_mark=True).startswith("\ufeffname")
