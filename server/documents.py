"""Printable documents as PDF (fpdf2), set in WenQuanYi Micro Hei: the system font the server's
package depends on (fonts-wqy-microhei) for Chinese; a site without it gets a clear error.
The admin web's bulletins (server.admin.pdf) and the certificates (server.certificate_pdf) start here.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from sync.protocol.errors import FormatError

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "wqy"


def new_document(*, landscape: bool = False) -> FPDF:
    """An empty A4 document with the Chinese font loaded as ``FONT``, in its one style: the face has no
    bold, so nothing asks for one (a table's headings are set in it too, see server.admin.pdf). Loading
    the font reads every one of its tens of thousands of glyphs: a good part of a CPU second each time."""
    if not FONT_PATH.is_file():
        raise FormatError("no_font", f"{FONT_PATH} is missing: install the package fonts-wqy-microhei")
    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_PATH), collection_font_number=0)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_creator("StudyDesk")
    return pdf
