"""Installer figures: ``./run bench installer`` (``--reuse`` skips the build if dist/ has one).

Prints, from one run on this machine:
- the build time of ``installer/build`` (PyInstaller + .deb),
- the size of the .deb (target <= 90 MB) and of the frozen folder, and the largest parts of it,
- start to the first shown window of the frozen app next to the source app (``python -m
  client.cli``), both in this run, interleaved: the first (cold) start of each and the median of
  the next runs,
- the time of ``studydesk --self-check`` (frozen and source).
Runs under Xvfb when it is installed, else offscreen (bench/startup.py's set-up).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.startup import _display, _time_to_first_window

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "dist"
RUNS = int(os.environ.get("INSTALLER_RUNS", "3"))
DEB_TARGET_MB = 90


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _build() -> float:
    t0 = time.perf_counter()
    subprocess.run([str(REPO / "installer" / "build"), "--out", str(DIST)], check=True, cwd=REPO,
                   env={**os.environ, "PYTHON": sys.executable}, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _self_check(cmd: list[str], site: Path) -> float:
    t0 = time.perf_counter()
    done = subprocess.run([*cmd, "--self-check", "--site", str(site)], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"self-check failed:\n{done.stdout}{done.stderr}")
    return elapsed


def _starts(frozen: list[str], source: list[str], env: dict[str, str], tmp: Path, site: Path) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"frozen": [], "source": []}
    for i in range(RUNS + 1):  # run 0 is the cold start of each; interleaved so noise hits both alike
        for name, cmd in (("frozen", frozen), ("source", source)):
            args = [*cmd, "--data", str(tmp / f"data-{name}-{i}"), "--site", str(site)]
            times[name].append(_time_to_first_window(args, env)[0])
    return times


def _row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<48} {value:>13}  {note}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    debs = sorted(DIST.glob("studydesk_*_amd64.deb"))
    build_s = None
    if "--reuse" not in args or not debs or not (DIST / "studydesk").is_dir():
        build_s = _build()
        debs = sorted(DIST.glob("studydesk_*_amd64.deb"))
    deb, frozen_dir = debs[-1], DIST / "studydesk"
    internal = frozen_dir / "_internal"
    site = REPO / "installer" / "site.example.toml"
    env, xvfb = _display()
    try:
        with tempfile.TemporaryDirectory() as tmp_text:
            frozen_cmd, source_cmd = [str(frozen_dir / "studydesk")], [sys.executable, "-m", "client.cli"]
            starts = _starts(frozen_cmd, source_cmd, env, Path(tmp_text), site)
        checks = {name: _self_check(cmd, site) for name, cmd in (("frozen", frozen_cmd), ("source", source_cmd))}
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)
    deb_mb = _size(deb) / 1e6
    print(f"bench/installer ({'Xvfb' if xvfb else 'offscreen'}, {RUNS} warm runs after one cold start each)")
    if build_s is not None:
        _row("installer/build (PyInstaller + .deb)", f"{build_s:.0f} s")
    _row(f".deb size ({deb.name})", f"{deb_mb:.1f} MB",
         f"target <= {DEB_TARGET_MB} MB: {'met' if deb_mb <= DEB_TARGET_MB else 'NOT met'}")
    _row("frozen folder (dist/studydesk)", f"{_size(frozen_dir) / 1e6:.1f} MB")
    for part in ("PySide6", "vlc", "cryptography"):
        if (internal / part).exists():
            _row(f"  of which _internal/{part}", f"{_size(internal / part) / 1e6:.1f} MB")
    for name in ("frozen", "source"):
        cold, warm = starts[name][0], statistics.median(starts[name][1:])
        _row(f"first window, {name} app: cold / median warm", f"{cold:.2f} / {warm:.2f} s")
    ratio = statistics.median(starts["frozen"][1:]) / statistics.median(starts["source"][1:])
    _row("frozen / source (median warm)", f"{ratio:.2f}x")
    for name in ("frozen", "source"):
        _row(f"--self-check, {name}", f"{checks[name]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
