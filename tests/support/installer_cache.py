"""One ``installer/build`` for the installer tests, kept until what goes into it changes.

The build (PyInstaller over the app, then the .deb) is the slowest step of the test suite and
gives the same result for the same inputs, so its output folder is kept in
``.venv/.cache/installer-test/<key>`` (git-ignored, next to the other tool caches). The key is a
hash of everything the build reads: the content of every file of the checkout outside the
folders it never reads (tests, docs, benchmarks, deployment files; changed and new files
included), the command line, the Python version, every installed Python distribution's
version and every installed Debian package's version (the system libraries PyInstaller bundles).
A change to any of them builds again; only the newest build is kept.

Tests only read the folder (they write into their own tmp_path).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".venv" / ".cache" / "installer-test"
NOT_READ = ("tests/", "docs/", "bench/", "deploy/", ".ci/")
"""Top folders of the checkout that the build never reads."""


def _checkout_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    return sorted(p for p in listed if p and not p.startswith(NOT_READ) and not p.endswith(".md")
                  and (ROOT / p).is_file())


def inputs_key(command: Sequence[str]) -> str:
    """The hash of everything the build with ``command`` reads (see the module text)."""
    digest = hashlib.sha256()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)

    for path in _checkout_files():
        add(path, (ROOT / path).read_bytes())
    add("\0".join(command), sys.version)
    add("\n".join(sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())))
    if shutil.which("dpkg-query"):
        add(subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version} ${Architecture}\n"],
                           capture_output=True, check=True).stdout)
    return digest.hexdigest()[:24]


def cached_build(arguments: Sequence[str], env: Mapping[str, str]) -> Path:
    """The ``--out`` folder of ``installer/build ARGUMENTS`` (made now, or kept from an earlier run
    with the same inputs). Parallel test processes may call it at once: each builds into its own
    folder and the first finished one is kept."""
    command = [str(ROOT / "installer" / "build"), *arguments]
    key = inputs_key(command)
    done = CACHE / key
    if (done / "complete").is_file():
        return done
    CACHE.mkdir(parents=True, exist_ok=True)
    part = CACHE / f"{key}.part-{os.getpid()}"
    shutil.rmtree(part, ignore_errors=True)
    work = ROOT / "build" / f"installer-test-{os.getpid()}"  # PyInstaller's scratch folder
    try:
        subprocess.run([*command, "--out", str(part), "--work", str(work)], check=True, cwd=ROOT, env=dict(env),
                       timeout=600)
        (part / "complete").write_text(key + "\n", encoding="utf-8")
        try:
            os.rename(part, done)
        except OSError:  # another process kept its build first (or a half-made folder is in the way)
            if not (done / "complete").is_file():
                shutil.rmtree(done, ignore_errors=True)
                os.rename(part, done)
    finally:
        shutil.rmtree(part, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    for old in CACHE.iterdir():  # only the newest build is kept
        if old.name != done.name and ".part-" not in old.name:
            shutil.rmtree(old, ignore_errors=True)
    return done
