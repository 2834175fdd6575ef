"""Printable documents as PDF (fpdf2), set in WenQuanYi Micro Hei: the system font the server's
package depends on (fonts-wqy-microhei) for Chinese; a site without it gets a clear error.
The admin web's bulletins (server.admin.pdf) and the certificates (server.certificate_pdf) start here.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import TTFFont

from sync.protocol.errors import FormatError

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "wqy"


_ahead: list[TTFFont] = []
"""The font read by read_font_ahead, until a document takes it."""


def read_font_ahead() -> None:
    """Read the font now, for the next document of this process, or the first one of each process forked
    from it afterwards (the test suite's zygote does, for every server it forks). Reading it parses every
    one of its tens of thousands of glyphs, about a third of a CPU second; a document takes the font it
    is given and changes it (its subset), so one read serves one document. The font read ahead holds
    every table and no open file, which processes forked from this one would share (one file offset)."""
    if _ahead:
        return
    font = _read_font(FPDF())
    # every table read now, as the subset would read them (not by ensureDecompiled: a font no longer
    # lazy has the outlines of its subset's glyphs parsed when written, a third of a CPU second)
    tables = font.ttfont
    for tag in list(tables.keys()):
        tables[tag]
    font.ttfont.reader.close()
    _ahead.append(font)


def _read_font(pdf: FPDF) -> TTFFont:
    """The font as ``pdf``'s first one, ``FONT``."""
    if not FONT_PATH.is_file():
        raise FormatError("no_font", f"{FONT_PATH} is missing: install the package fonts-wqy-microhei")
    pdf.add_font(FONT, "", str(FONT_PATH), collection_font_number=0)
    font = pdf.fonts[FONT]
    assert isinstance(font, TTFFont)
    return font


def new_document(*, landscape: bool = False) -> FPDF:
    """An empty A4 document with the Chinese font loaded as ``FONT``, in its one style: the face has no
    bold, so nothing asks for one (a table's headings are set in it too, see server.admin.pdf). The
    font is the one read ahead (read_font_ahead) if it is still there, else read now."""
    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    try:
        pdf.fonts[FONT] = _ahead.pop()  # as add_font places it: the document's first font
    except IndexError:  # none read ahead, or taken already
        _read_font(pdf)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_creator("StudyDesk")
    return pdf
