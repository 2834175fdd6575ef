"""The site's rules file (``rules.toml``) and the JSON form the server publishes to clients.

Both forms hold one document of the same shape; every key is optional and falls back to the
default shown (``rules_to_toml(DEFAULT_RULES)`` prints exactly this)::

    format = 1

    [counting]              # when a course counts: at least one of these is on
    lessons = true          # every lesson at the course's completion ratio
    quizzes = true          # every required quiz passed
    exam = true             # the exam passed, if the course has one

    [credit]
    method = "course"       # "course" (its own figure), "tiers" (by lesson time), "per_hour"
    unit = "hours"          # "hours" (学时) or "credits" (学分)
    test_bonus = 0.5        # tiers: added when the course's quizzes and exam are all passed
    seconds_per_unit = 3600 # per_hour: lesson time that gives one unit
    per_hour_step = 0.1     # per_hour: rounded down to a multiple of this
    tiers = [{min_minutes = 30, credit = 1}, {min_minutes = 15, credit = 0.5}, {min_minutes = 0, credit = 0.25}]

    [year]
    utc_offset = "+08:00"   # the site's time zone: which day, and so which year, a record falls on
    carry_over = false      # elective surplus counts in the next year ...
    carry_over_cap = 0      # ... up to this many units

    [targets.default]       # minimums per cadre level ([targets."<level code>"]); 0: none
    required = 0
    elective = 0
    total = 0

    [class_score]           # a training class's weights and pass line
    attendance = 3
    tests = 3
    exam = 4
    pass_score = 60

    [reminders]             # the learner's reminders of assigned courses
    due_within_days = 7     # from this many days before a course's due date (0 to 365)

Figures are numbers >= 0 with at most two decimals (in JSON, decimal strings such as "0.25",
so they are exact on both sides). Tiers run from the longest ``min_minutes`` down and the last
starts at 0. When ``[targets]`` is given it must have a ``default`` table, used for every level
it does not name. Any other key, type or value is a FormatError("bad_rules") naming the key.
Must not import Qt, client/, player/ or server/.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar, cast

from sync.protocol.canonical import canonical_bytes
from sync.protocol.errors import FormatError
from sync.protocol.json_limits import JsonLimits, parse_bounded
from sync.protocol.rules import (
    CREDIT_METHODS,
    CREDIT_UNITS,
    DEFAULT_LEVEL,
    DEFAULT_RULES,
    ClassScoring,
    Counting,
    CreditRules,
    ReminderRules,
    Rules,
    Tier,
    YearRules,
    YearTarget,
)

RULES_FILE_NAME = "rules.toml"
FORMAT = 1
MAX_FIGURE = Decimal(100000)
MAX_TIERS = 20
MAX_LEVELS = 1000
RULES_JSON_LIMITS = JsonLimits(max_bytes=256 * 1024, max_values=20000, max_string_bytes=256, max_depth=8)
_DECIMAL_TEXT = re.compile(r"^[0-9]{1,6}(\.[0-9]{1,2})?$")
_OFFSET = re.compile(r"^([+-])([01][0-9]|2[0-3]):([0-5][0-9])$")
_LEVEL = re.compile(r"^[^\x00-\x1f\x7f\"\\\ud800-\udfff]{1,64}$")  # text that prints and encodes
T = TypeVar("T")


class _Doc:
    """One table of the document being read: hands out its keys, then refuses any left unread."""

    def __init__(self, obj: Any, where: str, path: str) -> None:
        if not isinstance(obj, dict):
            raise _bad(where, path or "the document", "must be a table")
        self.obj: dict[str, Any] = obj
        self.where, self.path = where, path
        self.read: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, default: T, parse: Callable[[Any, str], T]) -> T:
        self.read.add(key)
        return parse(self.obj[key], self.name(key)) if key in self.obj else default

    def table(self, key: str) -> _Doc:
        self.read.add(key)
        return _Doc(self.obj.get(key, {}), self.where, self.name(key))

    def done(self) -> None:
        unknown = sorted(set(self.obj) - self.read)
        if unknown:
            raise FormatError("bad_rules", f"{self.where}: unknown key {self.name(unknown[0])}")


def _bad(where: str, key: str, what: str) -> FormatError:
    return FormatError("bad_rules", f"{where}: {key} {what}")


def _parsers(where: str) -> tuple[Callable[[Any, str], bool], Callable[[Any, str], Decimal]]:
    def flag(value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise _bad(where, key, "must be true or false")
        return value

    def figure(value: Any, key: str) -> Decimal:
        if isinstance(value, str):
            text = value if _DECIMAL_TEXT.match(value) else ""
        elif isinstance(value, float):
            text = repr(value)  # the shortest text that reads back as this float: 0.1, not 0.1000000000000000055
        elif isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        else:
            text = ""
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or not 0 <= number <= MAX_FIGURE or cast(int, number.as_tuple().exponent) < -2:
            raise _bad(where, key, f"must be a number from 0 to {MAX_FIGURE} with at most 2 decimals")
        return number

    return flag, figure


def rules_from_dict(obj: Any, where: str = RULES_FILE_NAME) -> Rules:
    """The rules a parsed TOML or JSON document states, strictly checked; FormatError names the bad key."""
    flag, figure = _parsers(where)
    doc = _Doc(obj, where, "")
    if doc.get("format", FORMAT, lambda v, k: v if type(v) is int else 0) != FORMAT:
        raise _bad(where, "format", f"must be {FORMAT}")
    counting = _counting(doc.table("counting"), flag)
    credit = _credit(doc.table("credit"), figure)
    year = _year(doc.table("year"), doc.table("targets"), flag, figure)
    scores = doc.table("class_score")
    class_score = ClassScoring(*(scores.get(k, getattr(DEFAULT_RULES.class_score, k), figure)
                                 for k in ("attendance", "tests", "exam", "pass_score")))
    scores.done()
    if class_score.attendance + class_score.tests + class_score.exam <= 0:
        raise _bad(where, "class_score", "needs at least one weight above 0")
    if class_score.pass_score > 100:
        raise _bad(where, "class_score.pass_score", "must be from 0 to 100")
    reminders = _reminders(doc.table("reminders"))
    doc.done()
    return Rules(counting, credit, year, class_score, reminders)


def _reminders(doc: _Doc) -> ReminderRules:
    def days(value: Any, key: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
            raise _bad(doc.where, key, "must be a whole number of days from 0 to 365")
        return value

    found = ReminderRules(doc.get("due_within_days", DEFAULT_RULES.reminders.due_within_days, days))
    doc.done()
    return found


def _counting(doc: _Doc, flag: Callable[[Any, str], bool]) -> Counting:
    counting = Counting(*(doc.get(k, True, flag) for k in ("lessons", "quizzes", "exam")))
    doc.done()
    if not (counting.lessons or counting.quizzes or counting.exam):
        raise _bad(doc.where, "counting", "must switch on at least one of lessons, quizzes, exam")
    return counting


def _choice(choices: tuple[str, ...], where: str) -> Callable[[Any, str], Any]:
    def parse(value: Any, key: str) -> Any:
        if value not in choices:
            raise _bad(where, key, f"must be one of {', '.join(repr(c) for c in choices)}")
        return value

    return parse


def _credit(doc: _Doc, figure: Callable[[Any, str], Decimal]) -> CreditRules:
    default = DEFAULT_RULES.credit
    where = doc.where

    def seconds(value: Any, key: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 60 <= value <= 86400:
            raise _bad(where, key, "must be a whole number of seconds from 60 to 86400")
        return value

    def step(value: Any, key: str) -> Decimal:
        number = figure(value, key)
        if not 0 < number <= 10:
            raise _bad(where, key, "must be above 0 and at most 10")
        return number

    def tiers(value: Any, key: str) -> tuple[Tier, ...]:
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_TIERS:
            raise _bad(where, key, f"must be a list of 1 to {MAX_TIERS} tables")
        out = []
        for index, item in enumerate(value):
            tier = _Doc(item, where, f"{key}[{index}]")
            for name in ("min_minutes", "credit"):
                if name not in tier.obj:
                    raise _bad(where, tier.name(name), "is missing")
            out.append(Tier(tier.get("min_minutes", Decimal(0), figure), tier.get("credit", Decimal(0), figure)))
            tier.done()
        if any(a.min_minutes <= b.min_minutes for a, b in itertools.pairwise(out)):
            raise _bad(where, key, "must run from the longest min_minutes down, each shorter than the one before")
        if out[-1].min_minutes != 0:
            raise _bad(where, key, "must end with a tier of min_minutes = 0")
        return tuple(out)

    credit = CreditRules(
        method=doc.get("method", default.method, _choice(CREDIT_METHODS, where)),
        unit=doc.get("unit", default.unit, _choice(CREDIT_UNITS, where)),
        tiers=doc.get("tiers", default.tiers, tiers),
        test_bonus=doc.get("test_bonus", default.test_bonus, figure),
        seconds_per_unit=doc.get("seconds_per_unit", default.seconds_per_unit, seconds),
        per_hour_step=doc.get("per_hour_step", default.per_hour_step, step),
    )
    doc.done()
    return credit


def _year(doc: _Doc, targets_doc: _Doc, flag: Callable[[Any, str], bool],
          figure: Callable[[Any, str], Decimal]) -> YearRules:
    where, default = doc.where, DEFAULT_RULES.year

    def offset(value: Any, key: str) -> int:
        m = _OFFSET.match(value) if isinstance(value, str) else None
        if m is None or int(m[2]) * 60 + int(m[3]) > 14 * 60:
            raise _bad(where, key, 'must be a UTC offset such as "+08:00" (at most 14 hours)')
        return (-1 if m[1] == "-" else 1) * (int(m[2]) * 60 + int(m[3]))

    year = YearRules(
        targets=_targets(targets_doc, figure) if targets_doc.obj else default.targets,
        utc_offset_minutes=doc.get("utc_offset", default.utc_offset_minutes, offset),
        carry_over=doc.get("carry_over", default.carry_over, flag),
        carry_over_cap=doc.get("carry_over_cap", default.carry_over_cap, figure),
    )
    doc.done()
    return year


def _targets(doc: _Doc, figure: Callable[[Any, str], Decimal]) -> tuple[tuple[str, YearTarget], ...]:
    if DEFAULT_LEVEL not in doc.obj:
        raise _bad(doc.where, f"targets.{DEFAULT_LEVEL}", "is missing: it applies to every level not listed")
    if len(doc.obj) > MAX_LEVELS:
        raise _bad(doc.where, "targets", f"may name at most {MAX_LEVELS} levels")
    out = []
    for level in sorted(doc.obj, key=lambda name: (name != DEFAULT_LEVEL, name)):
        if not _LEVEL.match(level) or level.strip() != level:
            raise _bad(doc.where, f"targets.{level!r}", "is not a usable level code (1 to 64 characters)")
        table = doc.table(level)
        out.append((level, YearTarget(*(table.get(k, Decimal(0), figure) for k in ("required", "elective", "total")))))
        table.done()
    return tuple(out)


# -- reading and writing ----------------------------------------------------------------------

def parse_rules_toml(data: bytes, where: str = RULES_FILE_NAME) -> Rules:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormatError("bad_rules", f"{where} is not valid TOML: {exc}") from exc
    return rules_from_dict(doc, where)


def load_rules(path: Path) -> Rules:
    """The rules file at ``path``; the documented defaults when there is none."""
    if not path.is_file():
        return DEFAULT_RULES
    return parse_rules_toml(path.read_bytes(), str(path))


def plain(number: Decimal) -> str:
    """``number`` without exponent or trailing zeros: 1, 0.5, 0.25."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def rules_to_dict(rules: Rules) -> dict[str, Any]:
    """The JSON form: every figure as a decimal string."""
    c, y, s = rules.credit, rules.year, rules.class_score
    return {
        "format": FORMAT,
        "counting": {"lessons": rules.counting.lessons, "quizzes": rules.counting.quizzes,
                     "exam": rules.counting.exam},
        "credit": {"method": c.method, "unit": c.unit, "test_bonus": plain(c.test_bonus),
                   "seconds_per_unit": c.seconds_per_unit, "per_hour_step": plain(c.per_hour_step),
                   "tiers": [{"min_minutes": plain(t.min_minutes), "credit": plain(t.credit)} for t in c.tiers]},
        "year": {"utc_offset": _offset_text(y.utc_offset_minutes), "carry_over": y.carry_over,
                 "carry_over_cap": plain(y.carry_over_cap)},
        "targets": {level: {"required": plain(t.required), "elective": plain(t.elective), "total": plain(t.total)}
                    for level, t in y.targets},
        "class_score": {"attendance": plain(s.attendance), "tests": plain(s.tests), "exam": plain(s.exam),
                        "pass_score": plain(s.pass_score)},
        "reminders": {"due_within_days": rules.reminders.due_within_days},
    }


def rules_to_json(rules: Rules) -> bytes:
    """The canonical JSON bytes the server publishes."""
    return canonical_bytes(rules_to_dict(rules))


def rules_from_json(data: bytes, where: str = "rules") -> Rules:
    """Rules received as JSON: bounded before parsing, then checked as strictly as the file."""
    return rules_from_dict(parse_bounded(data, where, RULES_JSON_LIMITS), where)


def rules_to_toml(rules: Rules) -> str:
    """The effective rules as a rules file that reads back to the same rules."""
    d = rules_to_dict(rules)

    def value(v: Any, figure: bool) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v) if figure or isinstance(v, int) else f'"{v}"'

    lines = [f"format = {FORMAT}"]
    for table in ("counting", "credit", "year"):
        lines += ["", f"[{table}]"]
        for key, v in d[table].items():
            if key == "tiers":
                tiers = ", ".join(f"{{min_minutes = {t['min_minutes']}, credit = {t['credit']}}}" for t in v)
                lines.append(f"tiers = [{tiers}]")
            else:
                lines.append(f"{key} = {value(v, key not in ('method', 'unit', 'utc_offset'))}")
    for level, target in d["targets"].items():
        lines += ["", f"[targets.{_toml_key(level)}]"] + [f"{k} = {v}" for k, v in target.items()]
    lines += ["", "[class_score]"] + [f"{k} = {v}" for k, v in d["class_score"].items()]
    lines += ["", "[reminders]"] + [f"{k} = {v}" for k, v in d["reminders"].items()]
    return "\n".join(lines) + "\n"


def _toml_key(name: str) -> str:
    if re.match(r"^[A-Za-z0-9_-]+$", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
