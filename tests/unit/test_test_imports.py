"""What the tests share lives in tests/support/: no module under tests/ imports a test module, or a
helper module beside the tests, other than itself. A test module's child process may import its own
module (``from tests.gui.test_first_hour_xvfb import child``): a module importing itself is allowed."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = "tests.support"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imported(text: str, module: str) -> set[str]:
    """Every module the code ``text`` of ``module`` (not a package's ``__init__``) imports from, absolute
    or relative, and for ``from package import name`` also ``package.name`` (which may be a module)."""
    package = module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(text, module)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, *([node.module] if node.module else [])])
            names.add(name)
            names.update(f"{name}.{alias.name}" for alias in node.names)
    return names


def _borrowed(text: str, module: str, known: set[str]) -> set[str]:
    """The modules of ``known`` outside tests/support/ that ``module`` imports, itself aside."""
    return {name for name in _imported(text, module) & known
            if name != module and not name.startswith(SHARED + ".")}


def test_no_module_under_tests_imports_another_test_module() -> None:
    paths = sorted(p for p in (ROOT / "tests").rglob("*.py")
                   if "__pycache__" not in p.parts and p.name != "__init__.py")
    known = {_module_name(p) for p in paths}
    assert "tests.unit.test_test_imports" in known  # the walk found this very module
    borrowed = {f"{p.relative_to(ROOT)} imports {name}" for p in paths
                for name in _borrowed(p.read_text(encoding="utf-8"), _module_name(p), known)}
    assert borrowed == set(), "move what they share to tests/support/:\n" + "\n".join(sorted(borrowed))


def test_the_rule_sees_each_way_of_one_module_importing_another() -> None:
    module = "tests.unit.test_probe"
    known = {"tests.gui.test_player_window", "tests.e2e.shots", module, "tests.support.xvfb"}
    for text, found in [
        ("from tests.gui.test_player_window import env", {"tests.gui.test_player_window"}),
        ("import tests.gui.test_player_window", {"tests.gui.test_player_window"}),
        ("from tests.gui import test_player_window", {"tests.gui.test_player_window"}),
        ("from ..gui.test_player_window import env", {"tests.gui.test_player_window"}),
        ("from ..gui import test_player_window", {"tests.gui.test_player_window"}),
        ("def f() -> None:\n    from tests.gui.test_player_window import env", {"tests.gui.test_player_window"}),
        ("from tests.e2e.shots import settle", {"tests.e2e.shots"}),  # a helper module beside the tests
        ("from tests.support.xvfb import screen", set()),
        ("from tests.support import xvfb", set()),
        ("from tests.unit.test_probe import child", set()),  # itself, as a child process does
        ("from . import test_probe", set()),
        ("code = 'from tests.gui.test_player_window import child'", set()),  # a string, not an import
    ]:
        assert _borrowed(text, module, known) == found, text
