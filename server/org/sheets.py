"""Reading an organization department's spreadsheets: CSV (UTF-8 with or without a BOM, or
GB18030 as Chinese Excel saves it) and XLSX (the first sheet, read only).

Columns are found by their headers, in Chinese as the department writes them (单位编码, 姓名,
身份证号 ...) or in English; a header may carry a required-field star or a note in brackets
(``*姓名``, ``职级（必填）``). The header row is the first of the first rows that names every
required column, so a title line above it is skipped. Row numbers are the sheet's own, as a
spreadsheet program shows them.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sync.protocol.errors import FormatError

MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 500_000
MAX_CELL = 500
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True, slots=True)
class Column:
    """A field and the headers that name it, the preferred first."""

    field: str
    headers: tuple[str, ...]
    required: bool = True


UNIT_COLUMNS = (
    Column("code", ("单位编码", "单位代码", "编码", "code", "unit_code", "unit code")),
    Column("name", ("单位名称", "名称", "单位", "name", "unit_name", "unit name")),
    Column("parent", ("上级单位编码", "上级单位代码", "上级编码", "上级单位", "parent", "parent_code", "parent code"),
           required=False),
)

PEOPLE_COLUMNS = (
    Column("name", ("姓名", "name", "display_name", "display name")),
    Column("person_id", ("人员编号", "人员代码", "工号", "身份证号", "身份证号码", "证件号码", "person_id", "person id",
                         "id_number", "id number", "id")),
    Column("username", ("用户名", "登录名", "账号", "帐号", "username", "user name", "login"), required=False),
    Column("level", ("职级", "级别", "职务级别", "干部级别", "level", "cadre_level", "cadre level")),
    Column("unit", ("所在单位编码", "所在单位代码", "单位编码", "单位代码", "unit", "unit_code", "unit code")),
)


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    values: dict[str, str]
    """Each field found in the header, its cell text trimmed ('' when empty)."""


@dataclass(frozen=True, slots=True)
class Sheet:
    fields: frozenset[str]
    rows: list[Row]


def normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text)  # NFKC has made （）【】 into ()[]
    return "".join(ch for ch in text if ch not in "*＊:：" and not ch.isspace()).casefold().replace("_", "")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number: 500101, not 500101.0
    text = str(value).strip().lstrip("\ufeff")
    return text


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise FormatError("bad_sheet", f"the file is neither UTF-8 nor GB18030 text (byte {exc.start})") from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    dialect = "excel-tab" if "\t" in first and "," not in first else "excel"
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline=""), dialect=dialect), start=1)
    except csv.Error as exc:
        raise FormatError("bad_sheet", f"the CSV file cannot be read: {exc}") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FormatError("bad_sheet", f"{path.name} is not an XLSX workbook: {exc}") from None
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    finally:
        book.close()


def _find_header(cells: Sequence[object], columns: Sequence[Column]) -> dict[str, int] | None:
    """field -> column index, when this row names every required column."""
    names = [normalise_header(_cell_text(c)) for c in cells]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for column in columns:
        for header in column.headers:
            index = next((i for i, n in enumerate(names) if n == normalise_header(header) and i not in taken), None)
            if index is not None:
                found[column.field] = index
                taken.add(index)
                break
    return found if all(c.field in found for c in columns if c.required) else None


def read_sheet(path: Path, columns: Sequence[Column]) -> Sheet:
    """The rows of a CSV or XLSX file by field; FormatError("bad_sheet") for a file that cannot be
    read, FormatError("missing_column") when no header row names every required column."""
    if path.stat().st_size > MAX_BYTES:
        raise FormatError("bad_sheet", f"{path.name} is larger than {MAX_BYTES // (1024 * 1024)} MB")
    with path.open("rb") as f:
        head = f.read(4)
    raw: Iterator[tuple[int, Sequence[object]]]
    if head.startswith(b"PK\x03\x04"):
        raw = _xlsx_rows(path)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        raise FormatError("bad_sheet", f"{path.name} is not an XLSX workbook")
    elif path.suffix.lower() == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FormatError("bad_sheet", f"{path.name} is an old Excel 97-2003 file: save it as .xlsx or CSV")
    else:
        raw = _csv_rows(path.read_bytes())
    header: dict[str, int] | None = None
    rows: list[Row] = []
    for number, cells in raw:
        if header is None:
            header = _find_header(cells, columns)
            if header is None and number >= HEADER_SEARCH_ROWS:
                break
            continue
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue
        if len(rows) >= MAX_ROWS:
            raise FormatError("bad_sheet", f"{path.name} has more than {MAX_ROWS} rows")
        values = {field: (texts[i] if i < len(texts) else "")[:MAX_CELL] for field, i in header.items()}
        rows.append(Row(number, values))
    if header is None:
        wanted = ", ".join(f"{c.headers[0]} ({next(h for h in c.headers if h.isascii())})"
                           for c in columns if c.required)
        raise FormatError("missing_column", f"{path.name}: no header row with the columns {wanted} in its first "
                          f"{HEADER_SEARCH_ROWS} rows")
    return Sheet(frozenset(header), rows)
