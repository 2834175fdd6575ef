"""Spreadsheets as an organization department exports them: CSV in UTF-8 (with or without a BOM)
or GB18030 (Chinese Excel's "CSV"), and XLSX, each with a title line above the header."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

UNIT_HEADER = ["单位编码", "单位名称", "上级单位编码"]
UNITS = [
    ["50", "重庆市", ""],
    ["500101", "万州区", "50"],
    ["500101001", "高笋塘街道", "500101"],  # its parent comes later in the file
    ["500102", "涪陵区", "50"],
]

PEOPLE_HEADER = ["序号", "姓名", "身份证号", "职级", "所在单位编码", "备注"]
PEOPLE = [
    ["1", "张三", "11010519491231002X", "县处级", "500101", ""],
    ["2", "李四", "110105194912310038", "副科", "500101001", "新任"],
    ["3", "王五", "110105194912310054", "一般干部", "500102", ""],
]


def write_sheet(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], *, encoding: str = "utf-8-sig",
                title: str | None = "人员信息表") -> Path:
    """``path`` by its suffix: .xlsx through openpyxl (codes typed as numbers where they are numbers,
    as a person typing them into Excel gets), otherwise CSV in ``encoding``."""
    lines: list[Sequence[object]] = ([[title]] if title else []) + [list(header), *rows]
    if path.suffix == ".xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for line in lines:
            sheet.append([int(c) if isinstance(c, str) and c.isdigit() and len(c) < 15 else c for c in line])
        book.save(path)
        return path
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(lines)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path
