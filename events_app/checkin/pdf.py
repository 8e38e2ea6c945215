"""Badge sheets, single replacement badges and credit certificates drawn as PDF (fpdf2).

Badges are 4 x 3 inch, six to a US-letter page (two across, three down, a quarter inch
from the sides and an inch from the top: the layout of common die-cut badge stock). The
QR code is drawn as vector squares from the code's own matrix, so it stays sharp at any
printer resolution. Names are set in DejaVu Sans when the system has it (any script the
font covers); otherwise in the PDF core font, with letters outside Latin-1 simplified.

fpdf2 and its font tools take 27 MB in a process, so ``printing`` imports this module only
when something is printed: the app processes that serve the doors and the API never load it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF

from events_app.checkin import qr
from events_app.checkin.printing import PER_PAGE, BadgeFace
from events_app.checkin.schemas import CreditReport
from events_app.conferences.models import Conference
from events_app.core.clock import now

PT_PER_INCH = 72.0
BADGE_W, BADGE_H = 4 * PT_PER_INCH, 3 * PT_PER_INCH
PAGE_W, PAGE_H = 8.5 * PT_PER_INCH, 11 * PT_PER_INCH
LEFT, TOP = 0.25 * PT_PER_INCH, 1.0 * PT_PER_INCH
BAND_H = 0.42 * PT_PER_INCH
QR_SIZE = 1.3 * PT_PER_INCH
PAD = 0.15 * PT_PER_INCH
# Readers need a light margin of four modules around the code; the next badge's colour band
# lies right below on the sheet, so the code keeps six modules (0.19 in) from the edges.
QR_MARGIN = 0.2 * PT_PER_INCH

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class _Document(FPDF):
    def __init__(self) -> None:
        super().__init__(unit="pt", format="letter")
        self.set_auto_page_break(auto=False)
        self.set_creator("events-app")
        self.unicode = (FONT_DIR / "DejaVuSans.ttf").exists() and (FONT_DIR / "DejaVuSans-Bold.ttf").exists()
        if self.unicode:
            self.add_font("Body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("Body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))

    def font(self, size: float, *, bold: bool = False) -> None:
        self.set_font("Body" if self.unicode else "helvetica", "B" if bold else "", size)

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        simplified = unicodedata.normalize("NFKD", value)
        return simplified.encode("latin-1", "ignore").decode("latin-1")

    def fitted(self, value: str, *, width: float, size: float, bold: bool = False, smallest: float = 7) -> str:
        """Shrinks the font until ``value`` fits ``width``; truncates with an ellipsis past the smallest size."""
        value = self.text_of(value)
        while size > smallest:
            self.font(size, bold=bold)
            if self.get_string_width(value) <= width:
                return value
            size -= 1
        self.font(smallest, bold=bold)
        while value and self.get_string_width(value + "...") > width:
            value = value[:-1]
        return value + "..." if value else ""


def _draw_qr(pdf: _Document, token: str, *, x: float, y: float, size: float) -> None:
    modules = qr.matrix(token)
    cell = size / len(modules)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(modules):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            run = column
            while run < len(row) and row[run]:
                run += 1
            # One rectangle per horizontal run of dark modules keeps the PDF small.
            pdf.rect(x + column * cell, y + row_index * cell, (run - column) * cell, cell, style="F")
            column = run


def _draw_badge(pdf: _Document, face: BadgeFace, *, x: float, y: float) -> None:
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.5)
    pdf.rect(x, y, BADGE_W, BADGE_H)  # a faint cut guide
    pdf.set_fill_color(*face.band)
    pdf.rect(x, y, BADGE_W, BAND_H, style="F")
    pdf.set_text_color(255, 255, 255)
    text_w = BADGE_W - 2 * PAD
    label = pdf.fitted(face.registration_type.upper(), width=text_w * 0.55, size=12, bold=True)
    pdf.text(x + PAD, y + BAND_H / 2 + 4, label)
    event = pdf.fitted(face.conference, width=text_w * 0.45, size=8, smallest=6)
    pdf.text(x + BADGE_W - PAD - pdf.get_string_width(event), y + BAND_H / 2 + 3, event)

    pdf.set_text_color(27, 31, 36)
    name_w = BADGE_W - 2 * PAD
    pdf.text(x + PAD, y + BAND_H + 36, pdf.fitted(face.badge_name, width=name_w, size=30, bold=True, smallest=14))
    pdf.text(x + PAD, y + BAND_H + 54, pdf.fitted(face.full_name, width=name_w, size=12))
    lower_w = BADGE_W - 2 * PAD - QR_MARGIN - QR_SIZE
    if face.title:
        pdf.text(x + PAD, y + BAND_H + 74, pdf.fitted(face.title, width=lower_w, size=10))
    if face.city:
        pdf.text(x + PAD, y + BAND_H + 92, pdf.fitted(face.city, width=lower_w, size=12, bold=True))
    _draw_qr(pdf, face.token, x=x + BADGE_W - QR_MARGIN - QR_SIZE, y=y + BADGE_H - QR_MARGIN - QR_SIZE, size=QR_SIZE)
    # Beside the QR, not under it: the code's quiet zone and the next badge's band leave no room there.
    pdf.set_text_color(74, 83, 96)
    pdf.text(x + PAD, y + BADGE_H - QR_MARGIN, pdf.fitted(f"Code {face.code}", width=lower_w, size=11, bold=True))


def sheets(faces: Sequence[BadgeFace], *, progress: Callable[[int], None] | None = None) -> bytes:
    """Badge sheets, six to a letter page; ``progress`` is told after each badge is drawn."""
    pdf = _Document()
    pdf.set_title("Badges")
    for index, face in enumerate(faces):
        slot = index % PER_PAGE
        if slot == 0:
            pdf.add_page()
        column, row = slot % 2, slot // 2
        _draw_badge(pdf, face, x=LEFT + column * BADGE_W, y=TOP + row * BADGE_H)
        if progress is not None:
            progress(index + 1)
    if not faces:
        pdf.add_page()
        pdf.font(12)
        pdf.text(LEFT, TOP, "No badges to print.")
    return bytes(pdf.output())


def single_badge(face: BadgeFace) -> bytes:
    """One badge in the first slot of a sheet (the desk prints replacements on the same stock)."""
    return sheets([face])


def certificate(*, conference: Conference, report: CreditReport) -> bytes:
    """A one-page certificate of education credit, listing each session that earned it."""
    pdf = _Document()
    pdf.set_title(f"Certificate of education credit: {report.name}")
    pdf.add_page()
    margin = 0.9 * PT_PER_INCH
    width = PAGE_W - 2 * margin
    pdf.set_draw_color(11, 92, 173)
    pdf.set_line_width(3)
    pdf.rect(margin / 2, margin / 2, PAGE_W - margin, PAGE_H - margin)
    pdf.set_text_color(27, 31, 36)
    pdf.font(26, bold=True)
    pdf.set_xy(margin, margin + 20)
    pdf.cell(width, 34, pdf.text_of("Certificate of Education Credit"), align="C")
    pdf.font(13)
    pdf.set_xy(margin, margin + 70)
    pdf.cell(width, 20, pdf.text_of("This certifies that"), align="C")
    pdf.font(22, bold=True)
    pdf.set_xy(margin, margin + 98)
    pdf.cell(width, 30, pdf.text_of(report.name), align="C")
    pdf.font(13)
    pdf.set_xy(margin, margin + 138)
    earned = f"{report.total_hours:g}"
    pdf.multi_cell(
        width,
        18,
        pdf.text_of(f"earned {earned} hours of education credit at {conference.name}, {conference.venue_name}."),
        align="C",
    )
    y = margin + 200
    pdf.font(11, bold=True)
    pdf.set_xy(margin, y)
    pdf.cell(width * 0.7, 16, pdf.text_of("Session"))
    pdf.cell(width * 0.15, 16, pdf.text_of("Minutes"), align="R")
    pdf.cell(width * 0.15, 16, pdf.text_of("Hours"), align="R")
    pdf.font(10)
    for line in (line for line in report.lines if line.earned):
        y += 18
        if y > PAGE_H - margin - 60:
            pdf.add_page()
            y = margin
        pdf.set_xy(margin, y)
        pdf.cell(width * 0.7, 16, pdf.fitted(line.session, width=width * 0.68, size=10))
        pdf.font(10)
        pdf.cell(width * 0.15, 16, str(line.minutes_present), align="R")
        pdf.cell(width * 0.15, 16, f"{line.credit_hours:g}", align="R")
    if not any(line.earned for line in report.lines):
        pdf.set_xy(margin, y + 18)
        pdf.cell(width, 16, pdf.text_of("No session met its minimum presence."))
    pdf.font(10)
    pdf.set_xy(margin, PAGE_H - margin - 40)
    issued = now().astimezone(ZoneInfo(conference.timezone)).strftime("%B %-d, %Y")
    pdf.cell(
        width,
        14,
        pdf.text_of(f"Issued {issued} from session attendance scans, for the Leadership Academy's records."),
        align="C",
    )
    return bytes(pdf.output())
