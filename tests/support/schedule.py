"""The order the test modules run in: the longest first, so that parallel workers finish together.

With ``--dist loadfile`` each module runs whole on one worker, handed out in collection order
(``--no-loadscope-reorder``); a long module handed out last keeps one worker busy while the others
wait. So every run remembers how long each module took (setup, call and teardown of its tests), and
the next run collects the modules longest first, the tests of a module together and in their own
order. A module not known yet (a new one) runs before the known ones, those with a test marked
``slow`` first of all.

The durations are kept in the test cache folder (tests/support/tool_cache.py), not in the
checkout's ``.pytest_cache``: a fresh clone then orders its first run as well as the last run on
this machine did. Every checkout that runs whole modules adds its figures to the same file (only
the order of the tests depends on them). With ``-p no:cacheprovider`` nothing is read or written.

A machine that has never run the suite (a CI job's fresh machine) starts from the figures kept in
the checkout, ``tests/support/module_seconds.json``: what a whole run took per module on an idle
machine. A module the cache folder knows takes the cache's figure. ``python -m tests.support.schedule``
writes the cache's figures of the modules still in the checkout into that file (after a whole run on
an idle machine: a busy one's figures order the modules no better).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.support import tool_cache

CACHE_KEY = "studydesk/module_seconds"
"""The name under which the controller hands the durations it read to every parallel worker."""


SEED = Path(__file__).with_name("module_seconds.json")
"""The durations kept in the checkout, for a machine whose cache folder has none."""


def _history() -> Path:
    return tool_cache.folder() / "module-seconds.json"


def _read(path: Path) -> dict[str, float]:
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(known, dict):
        return {}
    return {str(m): float(s) for m, s in known.items() if isinstance(s, int | float)}


def _module(nodeid: str) -> str:
    return nodeid.split("::")[0]


def _remembered(config: pytest.Config) -> dict[str, float]:
    if getattr(config, "cache", None) is None:  # -p no:cacheprovider
        return {}
    return known_durations(SEED, _history())


def known_durations(seed: Path, history: Path) -> dict[str, float]:
    """The seconds each module took: the cache folder's figure, else the checkout's seed's."""
    return _read(seed) | _read(history)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # a parallel worker sorts by what the controller read once: every worker must collect the same
    # order even if another run rewrites the cache meanwhile
    worker = getattr(config, "workerinput", None)
    known: dict[str, float] = worker[CACHE_KEY] if worker is not None else _remembered(config)
    slow = {_module(item.nodeid) for item in items if item.get_closest_marker("slow")}
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(_module(item.nodeid), index)

    def key(module: str) -> tuple[int, float, int]:
        if module not in known:
            return (0 if module in slow else 1, 0.0, first_seen[module])
        return (2, -float(known[module]), first_seen[module])

    items.sort(key=lambda item: key(_module(item.nodeid)))  # stable: a module's tests keep their order


def _part_of_modules(config: pytest.Config) -> bool:
    """Whether this run chose single tests (-k, node ids): their time is not their modules'."""
    return bool(config.getoption("keyword")) or any("::" in str(arg) for arg in config.args)


class _Durations:
    """On the process that reports the results (xdist's controller, or the only process)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        module = _module(report.nodeid)
        self.seconds[module] = self.seconds.get(module, 0.0) + report.duration

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        if getattr(config, "cache", None) is None or not self.seconds or _part_of_modules(config):
            return
        known = _read(_history())  # read again: another checkout may have added its figures meanwhile
        known.update({module: round(seconds, 2) for module, seconds in self.seconds.items()})
        history = _history()
        try:
            history.parent.mkdir(parents=True, exist_ok=True)
            part = history.with_name(f"{history.name}.{os.getpid()}")
            part.write_text(json.dumps(known, indent=0, sort_keys=True), encoding="utf-8")
            os.replace(part, history)  # whole at once: a run reading it meanwhile sees the old or the new file
        except OSError as exc:  # a read-only home: the next run orders by what it finds
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"module durations not kept: {exc}")


class _Controller:
    def __init__(self, config: pytest.Config) -> None:
        self.known = _remembered(config)

    def pytest_configure_node(self, node: object) -> None:  # pytest-xdist's hook, on the controller
        node.workerinput[CACHE_KEY] = self.known  # type: ignore[attr-defined]


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Durations(), "studydesk-module-durations")
        if config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_Controller(config), "studydesk-module-order")


def keep() -> int:
    """Write the cache folder's durations of the modules in this checkout into the checkout's seed."""
    root = SEED.parent.parent.parent
    known = {m: round(s, 1) for m, s in _read(_history()).items() if (root / m).is_file()}
    if not known:
        print(f"no module durations in {_history()}: run the whole suite first", file=sys.stderr)
        return 1
    SEED.write_text(json.dumps(known, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"kept {len(known)} module durations in {SEED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(keep())
