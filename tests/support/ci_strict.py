"""Under ``CI=true`` a skipped test is a failed test.

A skip on a developer's machine says "this part is not installed here"; on the CI machine every
part (VLC, Xvfb, nginx, ffmpeg, dpkg, makensis, root) is there by design, so a skip means a check
silently did not run. Every skip, whether raised in a test, a fixture, a ``skipif`` marker or an
``importorskip`` at collection, becomes a failure that carries the skip's reason. No skip is
exempt. An expected failure (xfail) is not a skip and is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest


def ci_is_strict() -> bool:
    return os.environ.get("CI") == "true"


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        path, lineno, message = longrepr
        return f"{message} ({path}:{lineno})"
    return str(longrepr)


def _fail(report: pytest.TestReport | pytest.CollectReport) -> None:
    report.outcome = "failed"
    report.longrepr = f"skipped under CI=true, where every test must run: {_reason(report)}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport,
                                                                                          pytest.TestReport]:
    report = yield
    if ci_is_strict() and report.skipped and not hasattr(report, "wasxfail"):
        _fail(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, pytest.CollectReport,
                                                                        pytest.CollectReport]:
    report = yield
    if ci_is_strict() and report.skipped:
        _fail(report)
    return report
