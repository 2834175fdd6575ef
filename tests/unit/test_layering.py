"""The architecture, enforced: the import-linter contracts in pyproject.toml (server imports only
sync.protocol, sync.storage and the player's pure kernel; player and sync never import Qt;
windows and widgets never run SQL), only player/vlc_backend.py imports vlc, and every module of
player/ and sync/ imports in a fresh interpreter where PySide6 and vlc cannot load.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("client", "player", "sync", "server", "bench", "installer")

def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path, naming: str | None = None) -> set[str]:
    """Top-level names of every module ``path`` imports (absolute imports). With ``naming``, a file
    whose text does not contain it at all is not parsed (it cannot import that name): the answer
    is then the empty set."""
    text = path.read_text(encoding="utf-8")
    if naming is not None and naming not in text:
        return set()
    try:
        tree = ast.parse(text, str(path))
    except SyntaxError:  # someone's file is broken (ruff reports it): fall back to the import lines
        return set(re.findall(r"^\s*(?:import|from)\s+(\w+)", text, flags=re.MULTILINE))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "KEPT" in out.stdout and "BROKEN" not in out.stdout


def test_only_the_vlc_backend_imports_vlc() -> None:
    found = {
        str(path.relative_to(ROOT))
        for package in PACKAGES if (ROOT / package).is_dir()
        for path in _modules(package)
        if "vlc" in _imports(path, naming="vlc")
    }
    assert found == {"player/vlc_backend.py"}


def test_cores_import_with_pyside6_and_vlc_unavailable() -> None:
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in ("player", "sync")
        for path in _modules(package)
    ]
    code = (
        "import importlib, sys\n"
        "for name in ('PySide6', 'shiboken6', 'vlc'):\n"
        "    sys.modules[name] = None  # any import of them now raises ImportError\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert not any(k.startswith(('PySide6', 'client')) for k in sys.modules if sys.modules[k] is not None)\n"
        "print('ok', len(" + repr(modules) + "))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok ") and "player.vlc_backend" in modules and "player.accounting" in modules
