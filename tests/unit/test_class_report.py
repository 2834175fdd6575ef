"""A class's score bands: under the pass line, then bands of ten from it up to 100."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from server.class_report import ClassReport, MemberResult, score_bands
from server.org.classes import TrainingClass
from sync.protocol.outcomes import ClassResult
from sync.protocol.rules import ClassScoring

TOTALS = ("0", "59.9", "60", "69.9", "70", "100", "99.5")


def _results(pass_score: str) -> ClassReport:
    klass = TrainingClass("qn-2026", "青年干部培训班", dt.date(2026, 3, 1), dt.date(2026, 6, 30))
    line = Decimal(pass_score)
    people = tuple(MemberResult(f"id-{i}", f"p{i}", f"人{i}", None, "", ClassResult(
        "qn-2026", "青年干部培训班", "2026-03-01", "2026-06-30", (Decimal(3), Decimal(3), Decimal(4)), line, None, None,
        None, Decimal(t), Decimal(t) >= line, max(Decimal(0), line - Decimal(t))), 0) for i, t in enumerate(TOTALS))
    return ClassReport(klass, ClassScoring(pass_score=Decimal(pass_score)), ("a",), people)


def test_bands_start_at_the_pass_line_and_count_everyone_once() -> None:
    assert score_bands(_results("60")) == [("<60", 2), ("60–69", 2), ("70–79", 1), ("80–89", 0), ("90–100", 2)]
    assert score_bands(_results("62.5")) == [("<62.5", 3), ("62.5–69", 1), ("70–79", 1), ("80–89", 0),
                                             ("90–100", 2)]
    results = _results("60")
    assert (results.enrolled, results.passed, results.completed, results.share(results.passed)) == (7, 5, 0, 71.4)
