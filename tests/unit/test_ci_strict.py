"""Under CI=true every kind of skip fails the run with its reason; elsewhere a skip stays a skip."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

SKIPPING = '''
import pytest

@pytest.fixture
def needs_a_part():
    pytest.skip("the part is not installed in the fixture")

def test_skips_itself():
    pytest.skip("the part is not installed in the test")

@pytest.mark.skipif(True, reason="the part is not installed per marker")
def test_skipped_by_marker():
    pass

def test_skipped_by_fixture(needs_a_part):
    pass

@pytest.mark.xfail(reason="a known bug", strict=True)
def test_expected_failure():
    assert False

def test_runs():
    pass
'''

SKIPPING_MODULE = '''
import pytest
pytest.importorskip("a_module_that_is_not_installed_anywhere")

def test_never_collected():
    pass
'''


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def _pytest(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str, ci: str | None) -> Run:
    """A whole pytest run of ``source`` with only the plugin under test (no installed plugin, no
    conftest): in this process (pytest.main, as pytester runs it), which spares a new interpreter."""
    pytester.makepyfile(test_skipping=source)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    done = pytester.runpytest_inprocess("-p", "tests.support.ci_strict", "-p", "no:cacheprovider", "-rA",
                                        "test_skipping.py")
    return Run(int(done.ret), "\n".join(done.outlines) + "\n", "\n".join(done.errlines))


def test_every_skip_fails_under_ci_with_its_reason(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    done = _pytest(pytester, monkeypatch, SKIPPING, "true")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    for reason in ("the part is not installed in the test", "the part is not installed per marker",
                   "the part is not installed in the fixture"):
        assert f"skipped under CI=true, where every test must run: Skipped: {reason}" in out \
            or f"skipped under CI=true, where every test must run: {reason}" in out, reason
    summary = out.strip().splitlines()[-1]
    # a marker's or a fixture's skip fails in setup, which pytest counts as an error
    assert "1 failed" in summary and "2 errors" in summary and "1 passed" in summary, summary
    for test in ("test_skips_itself", "test_skipped_by_marker", "test_skipped_by_fixture"):
        assert f"test_skipping.py::{test} - skipped under CI=true" in out, test
    assert "1 xfailed" in summary and "skipped" not in summary, summary


def test_a_module_skipped_at_collection_fails_under_ci(pytester: pytest.Pytester,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    done = _pytest(pytester, monkeypatch, SKIPPING_MODULE, "true")
    assert done.returncode != 0, done.stdout + done.stderr
    assert "skipped under CI=true" in done.stdout and "a_module_that_is_not_installed_anywhere" in done.stdout
    assert "skipped" not in done.stdout.strip().splitlines()[-1]


def test_skips_stay_skips_outside_ci(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for ci in (None, "false"):
        done = _pytest(pytester, monkeypatch, SKIPPING, ci)
        summary = done.stdout.strip().splitlines()[-1]
        assert done.returncode == 0, done.stdout + done.stderr
        assert "3 skipped" in summary and "1 passed" in summary and "1 xfailed" in summary, summary
        assert "failed" not in summary.replace("xfailed", ""), summary
        module = _pytest(pytester, monkeypatch, SKIPPING_MODULE, ci)
        assert module.returncode == 5 and "1 skipped" in module.stdout, module.stdout  # 5: nothing collected
