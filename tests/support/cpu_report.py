"""What each test module costs: CPU seconds (the test process's own, and its finished child
processes': servers, commands, ffmpeg, PyInstaller) and wall seconds, per module.

``pytest --cpu-report=FOLDER`` makes every test process (each parallel worker too) write one line
per test into its own file in FOLDER; ``python -m tests.support.cpu_report FOLDER`` adds them up
per module, slowest first. On a machine shared with other work wall time lies, CPU time does not:
a module whose wall time is far above its CPU time spends it waiting (sleeps, timeouts, process
starts). A module's fixtures are counted in the test that first needs them; CPU spent by a process
the test did not wait for (a PostgreSQL server, a process still running) is not counted.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Generator
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-report", metavar="FOLDER", default=None,
                     help="write each test's CPU and wall seconds into FOLDER (see tests/support/cpu_report.py)")


def _cpu() -> tuple[float, float]:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), children.ru_utime + children.ru_stime


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    folder = item.config.getoption("--cpu-report")
    if not folder:
        return (yield)
    own, children = _cpu()
    started = time.time()
    wall = time.monotonic()
    try:
        return (yield)
    finally:
        own_after, children_after = _cpu()
        line = {"module": item.nodeid.split("::")[0], "test": item.nodeid, "own": own_after - own,
                "children": children_after - children, "wall": time.monotonic() - wall, "start": started}
        Path(folder).mkdir(parents=True, exist_ok=True)
        with open(Path(folder) / f"cpu-{os.getpid()}.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def summary(folder: Path) -> str:
    """The table of modules (CPU own, CPU children, CPU total, wall), highest CPU total first."""
    modules: dict[str, list[float]] = {}
    for path in sorted(folder.glob("cpu-*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = json.loads(raw)
            sums = modules.setdefault(line["module"], [0.0, 0.0, 0.0, 0.0])
            for i, key in enumerate(("own", "children", "wall")):
                sums[i] += line[key]
            sums[3] += 1
    rows = sorted(modules.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))
    lines = [f"{'module':60} {'tests':>5} {'own':>7} {'child':>7} {'cpu':>7} {'wall':>7}"]
    total = [0.0, 0.0, 0.0]
    for module, (own, children, wall, count) in rows:
        lines.append(f"{module:60} {int(count):5} {own:7.1f} {children:7.1f} {own + children:7.1f} {wall:7.1f}")
        total = [total[0] + own, total[1] + children, total[2] + wall]
    lines.append(f"{'total':60} {'':5} {total[0]:7.1f} {total[1]:7.1f} {total[0] + total[1]:7.1f} {total[2]:7.1f}")
    return "\n".join(lines + _timeline(folder))


def _timeline(folder: Path) -> list[str]:
    """When each test process began its first test and ended its last (seconds from the first start),
    with its last module: how long the run's tail was, and what made it."""
    spans = []
    for path in sorted(folder.glob("cpu-*.jsonl")):
        lines = [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines()]
        timed = [line for line in lines if "start" in line]
        if timed:
            last = max(timed, key=lambda line: line["start"] + line["wall"])
            spans.append((min(line["start"] for line in timed), last["start"] + last["wall"], last["module"],
                          path.stem))
    if not spans:
        return []
    zero = min(span[0] for span in spans)
    out = ["", f"{'process':20} {'first':>7} {'last':>7}  last module"]
    for first, end, module, name in sorted(spans, key=lambda span: span[1]):
        out.append(f"{name:20} {first - zero:7.1f} {end - zero:7.1f}  {module}")
    return out


if __name__ == "__main__":
    print(summary(Path(sys.argv[1])))
