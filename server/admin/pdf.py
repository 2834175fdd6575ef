"""Printable documents as PDF (fpdf2): a unit's bulletin (通报) for a period, and completion
certificates (结业证书), many in one file. Chinese is set in WenQuanYi Micro Hei, the system
font the server's package depends on (fonts-wqy-microhei); a site without it gets a clear error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from server.admin.exports import Table
from sync.protocol.errors import FormatError

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "wqy"


def _document(*, landscape: bool = False) -> FPDF:
    if not FONT_PATH.is_file():
        raise FormatError("no_font", f"{FONT_PATH} is missing: install the package fonts-wqy-microhei")
    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_PATH), collection_font_number=0)
    pdf.add_font(FONT, "B", str(FONT_PATH), collection_font_number=0)  # headings: the same face (it has no bold)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_creator("StudyDesk")
    return pdf


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 9, table.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    with pdf.table(text_align="LEFT", line_height=6.5, first_row_as_headings=True) as grid:
        grid.row([str(c) for c in table.columns])
        for row in table.rows:
            grid.row(["" if c is None else str(c) for c in row])
    pdf.ln(4)


def bulletin(*, title: str, subtitle: str, figures: Sequence[tuple[str, str]], tables: Sequence[Table],
             footer: str) -> bytes:
    """A bulletin: its title, the unit and period, the headline figures, then each table."""
    pdf = _document()
    pdf.add_page()
    pdf.set_font(FONT, size=20)
    pdf.cell(0, 14, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, size=11)
    with pdf.table(col_widths=(3, 2), text_align="LEFT", line_height=7, first_row_as_headings=False) as grid:
        for label, value in figures:
            grid.row([label, value])
    pdf.ln(5)
    for table in tables:
        _table(pdf, table)
    pdf.set_font(FONT, size=9)
    pdf.cell(0, 6, footer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


@dataclass(frozen=True, slots=True)
class Certificate:
    heading: str
    """结业证书"""
    body: str
    """The sentence naming the person, the class and the result."""
    number: str
    issuer: str
    date: str


def certificates(items: Sequence[Certificate]) -> bytes:
    """One landscape page per certificate."""
    pdf = _document(landscape=True)
    for cert in items:
        pdf.add_page()
        pdf.set_draw_color(160, 30, 30)
        pdf.set_line_width(1.2)
        pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)
        pdf.set_font(FONT, size=34)
        pdf.set_y(40)
        pdf.cell(0, 20, cert.heading, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(10)
        pdf.set_font(FONT, size=16)
        pdf.set_x(35)
        pdf.multi_cell(pdf.w - 70, 11, cert.body, align="L")
        pdf.set_font(FONT, size=13)
        pdf.set_y(pdf.h - 60)
        pdf.cell(0, 8, cert.issuer, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.cell(0, 8, cert.date, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=10)
        pdf.set_y(pdf.h - 30)
        pdf.cell(0, 6, cert.number, align="L")
    return bytes(pdf.output())
