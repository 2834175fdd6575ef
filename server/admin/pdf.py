"""Printable documents as PDF (fpdf2): a unit's bulletin (通报) for a period, set in the
Chinese font of server.documents. Certificates are server.certificate_pdf's."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from server.admin.exports import Table, text
from server.documents import FONT, FONT_PATH, new_document

__all__ = ["FONT_PATH", "bulletin"]

HEADINGS = FontFace(emphasis="")
"""A table's header row in the document's one style (fpdf2 would set it in a bold style by default)."""


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 9, table.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    with pdf.table(text_align="LEFT", line_height=6.5, first_row_as_headings=True,
                   headings_style=HEADINGS) as grid:
        grid.row([text(c) for c in table.columns])
        for row in table.rows:
            grid.row([text(c) for c in row])
    pdf.ln(4)


def bulletin(*, title: str, subtitle: str, figures: Sequence[tuple[str, str]], tables: Sequence[Table],
             footer: str) -> bytes:
    """A bulletin: its title, the unit and period, the headline figures, then each table."""
    pdf = new_document()
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
