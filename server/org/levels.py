"""Cadre levels (职级): a fixed list with stable codes, each with its Chinese and English name.

The codes are what the database, the rules file (targets per level) and exports carry; the
names are for people. 省部级 is out of scope. An organization department's spreadsheet names a
level in many ways (正处, 副科级, 科员, 县处级副职 ...): ``parse_level`` maps the usual ones onto
the four groups.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum

from sync.protocol.errors import FormatError


@dataclass(frozen=True, slots=True)
class _Names:
    zh_CN: str
    en: str


class CadreLevel(Enum):
    BUREAU = "bureau"
    DIVISION = "division"
    SECTION = "section"
    STAFF = "staff"

    @property
    def names(self) -> _Names:
        return _NAMES[self]

    def label(self, language: str = "zh_CN") -> str:
        """The level's name in ``language`` (zh_CN or en; any other: English)."""
        return self.names.zh_CN if language.startswith("zh") else self.names.en


_NAMES = {
    CadreLevel.BUREAU: _Names("厅局级", "Department/bureau level"),
    CadreLevel.DIVISION: _Names("县处级", "County/division level"),
    CadreLevel.SECTION: _Names("乡科级", "Township/section level"),
    CadreLevel.STAFF: _Names("一般干部", "General staff"),
}

# What a spreadsheet may write besides a code or one of the names above (after normalising).
_ALIASES = {
    CadreLevel.BUREAU: ("厅级", "局级", "厅局", "正厅", "副厅", "正厅级", "副厅级", "正局级", "副局级",
                        "厅局级正职", "厅局级副职", "一级巡视员", "二级巡视员"),
    CadreLevel.DIVISION: ("处级", "县级", "县处", "正处", "副处", "正处级", "副处级", "正县级", "副县级",
                          "县处级正职", "县处级副职", "一级调研员", "二级调研员", "三级调研员", "四级调研员"),
    CadreLevel.SECTION: ("科级", "乡级", "乡科", "正科", "副科", "正科级", "副科级", "乡科级正职", "乡科级副职",
                         "一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员"),
    CadreLevel.STAFF: ("一般", "科员", "办事员", "一级科员", "二级科员", "干部", "普通干部", "工作人员"),
}


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


_LOOKUP: dict[str, CadreLevel] = {}
for _level in CadreLevel:
    for _word in (_level.value, _level.names.zh_CN, _level.names.en, *_ALIASES[_level]):
        _LOOKUP[_norm(_word)] = _level


def parse_level(text: str) -> CadreLevel:
    """The level a code or a name stands for, or FormatError("bad_level")."""
    level = _LOOKUP.get(_norm(text or ""))
    if level is None:
        known = "、".join(level.names.zh_CN for level in CadreLevel)
        raise FormatError.worded("bad_level", "%(text)r is not a cadre level (%(known)s, or a code: %(codes)s)",
                                 text=text, known=known, codes=", ".join(level.value for level in CadreLevel))
    return level
