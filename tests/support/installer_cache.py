"""One ``installer/build`` for the installer tests, kept until what goes into it changes.

The build (PyInstaller over the app, then the .deb) is the slowest step of the test suite and
gives the same result for the same inputs, so its output folder is kept in the test cache folder
(tests/support/tool_cache.py: ``installer-build/<key>``), where a fresh clone on the same machine
finds it too. A kept build is used only when it is what building now would give:

- its key matches: a hash of the content of every file of the checkout outside the folders the
  build never reads (tests, docs, benchmarks, deployment files; changed and new files included),
  the command line, the whole environment the build runs with (a fixed list of variables, nothing
  else is passed to it), the Python version and installation, every installed Python distribution's
  name, version and RECORD (the hash of each of its installed files), every installed Debian
  package's version and the dynamic linker's cache (which system library a name resolves to);
- and every file the build copied or compiled into the frozen app (the sources PyInstaller's
  tables of contents name: modules, extensions, libraries, data files) still has the content it
  had then, whoever changed it (a package manager or not). The paths are kept relative to the
  checkout, the virtual environment or the Python installation, so a clone elsewhere checks the
  files it would read itself; where the checkout is does not enter the app (PyInstaller names the
  frozen modules' files relative to it).

A change to any of them builds again; only the newest build is kept. Tests only read the folder
(they write into their own tmp_path).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests.support import tool_cache

ROOT = Path(__file__).resolve().parents[2]
NOT_READ = ("tests/", "docs/", "bench/", "deploy/", ".ci/")
"""Top folders of the checkout that the build never reads."""
PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "XDG_CACHE_HOME", "LD_LIBRARY_PATH")
"""The only variables of the test's environment the build sees (and so part of the key)."""
LD_CACHE = Path("/etc/ld.so.cache")
SOURCES = "sources.json"
"""In a kept build: the hash of every file it copied or compiled, by path."""


def _cache() -> Path:
    return tool_cache.folder() / "installer-build"


def _checkout_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    return sorted(p for p in listed if p and not p.startswith(NOT_READ) and not p.endswith(".md")
                  and (ROOT / p).is_file())


def build_env() -> dict[str, str]:
    """The environment the build runs with: PASSED as the test has them, Qt offscreen (the icons),
    and this Python."""
    env = {name: os.environ[name] for name in PASSED if name in os.environ}
    return {**env, "QT_QPA_PLATFORM": "offscreen", "PYTHON": sys.executable}


def inputs_key(command: Sequence[str], env: dict[str, str]) -> str:
    """The hash of everything the build with ``command`` and ``env`` reads (see the module text)."""
    digest = hashlib.sha256()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)

    for path in _checkout_files():
        add(path, (ROOT / path).read_bytes())
    add("\0".join(command), json.dumps(env, sort_keys=True), sys.version, sys.base_prefix)
    for dist in sorted(importlib.metadata.distributions(), key=lambda d: (d.metadata["Name"] or "", d.version)):
        add(f"{dist.metadata['Name']}=={dist.version}", dist.read_text("RECORD") or "")
    if shutil.which("dpkg-query"):
        add(subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version} ${Architecture}\n"],
                           capture_output=True, check=True).stdout)
    if LD_CACHE.is_file():
        add(LD_CACHE.read_bytes())
    return digest.hexdigest()[:24]


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _toc_sources(toc: object) -> Iterator[str]:
    """The source paths in a PyInstaller table of contents: (name, source, kind) entries, nested."""
    if isinstance(toc, tuple) and len(toc) == 3 and all(isinstance(x, str) for x in toc) and toc[2].isupper():
        yield toc[1]
    elif isinstance(toc, list | tuple):
        for entry in toc:
            yield from _toc_sources(entry)


def _anchors() -> dict[str, str]:
    """The folders a source path is written relative to, so that a clone elsewhere (with its own
    virtual environment) checks its own files: the frozen app names its files relative to them."""
    return {"checkout": str(ROOT), "venv": sys.prefix, "python": sys.base_prefix, "root": "/"}


def _relative(path: str) -> tuple[str, str]:
    name, base = max(((n, b) for n, b in _anchors().items() if path.startswith(b.rstrip("/") + "/")),
                     key=lambda anchor: len(anchor[1]))
    return name, os.path.relpath(path, base)


def _sources(work: Path, out: Path) -> list[tuple[str, str, str]]:
    """Every file outside the build's own folders that went into the frozen app: (anchor, path
    relative to it, hash)."""
    found: set[str] = set()
    for toc in sorted((work / "pyinstaller").rglob("*.toc")):
        found.update(_toc_sources(ast.literal_eval(toc.read_text(encoding="utf-8"))))
    own = (str(work.resolve()) + os.sep, str(out.resolve()) + os.sep)
    return [(*_relative(path), _sha256(Path(path))) for path in sorted(found)
            if os.path.isabs(path) and not path.startswith(own) and os.path.isfile(path)]


def _unchanged(done: Path) -> bool:
    """Whether every source of the kept build has, where this checkout would read it, the content it had."""
    anchors = _anchors()
    try:
        sources: list[list[str]] = json.loads((done / SOURCES).read_text(encoding="utf-8"))
        return bool(sources) and all(_sha256(Path(anchors[anchor]) / path) == digest
                                     for anchor, path, digest in sources)
    except (OSError, ValueError, KeyError):
        return False


def cached_build(arguments: Sequence[str]) -> Path:
    """The ``--out`` folder of ``installer/build ARGUMENTS`` (made now, or kept from an earlier run
    with the same inputs). Parallel test processes may call it at once: each builds into its own
    folder and the first finished one is kept."""
    command = ["installer/build", *arguments]  # run in the checkout: where it is enters no output
    env = build_env()
    key = inputs_key(command, env)
    cache = _cache()
    done = cache / key
    if (done / "complete").is_file() and _unchanged(done):
        return done
    cache.mkdir(parents=True, exist_ok=True)
    part = cache / f"{key}.part-{os.getpid()}"
    shutil.rmtree(part, ignore_errors=True)
    work = ROOT / "build" / f"installer-test-{os.getpid()}"  # PyInstaller's scratch folder
    try:
        subprocess.run([*command, "--out", str(part), "--work", str(work)], check=True, cwd=ROOT, env=env,
                       timeout=600)
        (part / SOURCES).write_text(json.dumps(_sources(work, part), indent=0), encoding="utf-8")
        (part / "complete").write_text(key + "\n", encoding="utf-8")
        shutil.rmtree(done, ignore_errors=True)  # an older build with the same key whose sources changed
        try:
            os.rename(part, done)
        except OSError:  # another process kept its build first (or a half-made folder is in the way)
            if not (done / "complete").is_file():
                shutil.rmtree(done, ignore_errors=True)
                os.rename(part, done)
    finally:
        shutil.rmtree(part, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    for old in cache.iterdir():  # only the newest build is kept
        if old.name != done.name and ".part-" not in old.name:
            shutil.rmtree(old, ignore_errors=True)
    return done
