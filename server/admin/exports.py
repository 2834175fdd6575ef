"""Every table of the admin web, as the page shows it and as a download: CSV (UTF-8 with a byte
order mark, so Excel on a Chinese Windows opens it right) and XLSX (openpyxl).

A page builds its ``Table`` once; the HTML, the CSV and the XLSX are all made from that one
object, so an export says exactly what the page says. A text cell that a spreadsheet would run
as a formula (it starts with = + - @, a tab or a carriage return) is written with a leading
apostrophe: a name typed as ``=HYPERLINK(...)`` stays text. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

Cell = str | int | float | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_SHEET_TITLE = 31


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table: the header, the rows, and (for the page only) a link per row."""

    name: str
    """The download's file name, without extension (ASCII)."""
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]
    links: Sequence[str | None] = field(default_factory=tuple)
    """The page's link on each row's first cell (same order as ``rows``), or empty."""
    link_column: int = 0
    """The column whose cell carries the row's link."""
    raw: tuple[int, ...] = ()
    """Columns that show stored text as it was written (codes, addresses, a command line), not translated."""

    def link(self, index: int) -> str | None:
        return self.links[index] if index < len(self.links) else None


DECIMALS = "0.0#########"
"""A spreadsheet's format for a fractional figure: as ``text`` writes it (75.0, 1.25)."""


def text(value: Cell) -> str:
    """A cell or headline figure as every page, PDF and CSV prints it: a share as 75.0 (never 75 or
    7.5e+01), a count as 3, nothing as empty; spreadsheets show their numbers alike (``DECIMALS``)."""
    return "" if value is None else str(value)


def safe_cell(value: Cell) -> Cell:
    """``value`` as a spreadsheet must receive it: text that would run as a formula gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if c is None else safe_cell(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    # imported here: openpyxl is a large part of a server's start-up, and only downloads need it
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(table.title)
    sheet.append([safe_cell(c) for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [max(8, _width(c)) for c in table.columns]
    for row in table.rows:
        values = [safe_cell(c) for c in row]
        sheet.append(values)
        for cell, value in zip(sheet[sheet.max_row], values, strict=False):
            if isinstance(value, float):
                cell.number_format = DECIMALS
        for i, v in enumerate(values):
            if i < len(widths):
                widths[i] = min(60, max(widths[i], _width(v)))
    for i, w in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = w + 2
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _width(value: Cell) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)  # a Chinese character is two columns wide


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip() or "Sheet"
    return cleaned[:MAX_SHEET_TITLE]


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(table: Table, kind: str) -> bytes:
    """The table as ``kind`` ("csv" or "xlsx")."""
    if kind == "csv":
        return to_csv(table)
    if kind == "xlsx":
        return to_xlsx(table)
    raise ValueError(kind)
