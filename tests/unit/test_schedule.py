"""The order of the test modules on a machine that has run the suite before, and on one that has not."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.schedule import SEED, known_durations


def test_a_fresh_machine_orders_by_the_seed_and_a_known_one_by_its_own_figures(tmp_path: Path) -> None:
    seed, history = tmp_path / "seed.json", tmp_path / "cache" / "module-seconds.json"
    seed.write_text(json.dumps({"tests/a.py": 10.0, "tests/b.py": 50.0}), encoding="utf-8")
    assert known_durations(seed, history) == {"tests/a.py": 10.0, "tests/b.py": 50.0}  # no cache folder yet
    history.parent.mkdir()
    history.write_text(json.dumps({"tests/a.py": 70.0, "tests/c.py": 5}), encoding="utf-8")
    assert known_durations(seed, history) == {"tests/a.py": 70.0, "tests/b.py": 50.0, "tests/c.py": 5.0}
    history.write_text("{not json", encoding="utf-8")  # a torn or foreign file counts as none
    assert known_durations(seed, history) == {"tests/a.py": 10.0, "tests/b.py": 50.0}


def test_the_kept_seed_gives_seconds_for_the_slow_modules_of_this_checkout() -> None:
    root = SEED.parent.parent.parent
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    assert all(m.startswith("tests/") and m.endswith(".py") and isinstance(s, int | float) and s >= 0
               for m, s in seed.items())
    marked = re.compile(r"^(pytestmark = .*|@)pytest\.mark\.slow\b", re.MULTILINE)
    slow = {str(p.relative_to(root)) for p in (root / "tests").rglob("test_*.py")
            if marked.search(p.read_text(encoding="utf-8"))}
    assert slow and slow <= seed.keys(), slow - seed.keys()
