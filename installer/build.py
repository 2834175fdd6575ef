"""Build StudyDesk for installation: translations, icons, the frozen app, the .deb (and the Windows setup).

    installer/build [--out DIR] [--site FILE] [--no-deb] [--nsis] [--skip-freeze]

Steps: compile resources/translations/*.ts into .qm; render the app icon (PNG sizes, .ico);
run PyInstaller over installer/studydesk.spec (onedir); refresh the bundled VLC plugin cache;
then on Linux build ``<out>/studydesk_<version>_amd64.deb`` (installer/deb.py); with --nsis
(the default on Windows) compile installer/windows/studydesk.nsi with makensis into
``<out>/studydesk_<version>_setup.exe``. Prints where everything went. Imports nothing from the app
at module level (the icon step runs Qt in a child process).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import deb  # noqa: E402  (installer/deb.py)
import nsis  # noqa: E402  (installer/nsis.py)

ICON_SIZES = (16, 32, 48, 64, 128, 256)
CACHE_GEN = Path("/usr/lib/x86_64-linux-gnu/vlc/vlc-cache-gen")


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def step(name: str) -> float:
    print(f"==> {name}", flush=True)
    return time.monotonic()


def compile_translations(work: Path) -> Path:
    """.ts -> .qm with pyside6-lrelease (the same tool ``python -m client.i18n build`` runs)."""
    ts_dir = Path(os.environ.get("STUDYDESK_TS_DIR", ROOT / "resources" / "translations"))
    out = work / "translations"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    ts_files = sorted(ts_dir.glob("studydesk_*.ts"))
    if not ts_files:
        raise SystemExit(f"no translations (studydesk_*.ts) in {ts_dir}")
    tool = Path(sys.executable).parent / ("pyside6-lrelease.exe" if sys.platform == "win32" else "pyside6-lrelease")
    lrelease = str(tool) if tool.exists() else (shutil.which("pyside6-lrelease") or "pyside6-lrelease")
    for ts in ts_files:
        subprocess.run([lrelease, "-silent", str(ts), "-qm", str(out / f"{ts.stem}.qm")], check=True)
    return out


_ICON_SCRIPT = r"""
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
app = QGuiApplication(["icons"])
svg, out = sys.argv[1], sys.argv[2]
renderer = QSvgRenderer(svg)
for size in [int(s) for s in sys.argv[3:]]:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img); renderer.render(p); p.end()
    assert img.save(f"{out}/studydesk-{size}.png"), size
    if size == 256:
        img.save(f"{out}/studydesk.ico")
"""


def render_icons(work: Path) -> Path:
    out = work / "icons"
    out.mkdir(parents=True, exist_ok=True)
    svg = ROOT / "resources" / "icons" / "studydesk.svg"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, "-c", _ICON_SCRIPT, str(svg), str(out), *map(str, ICON_SIZES)],
                   check=True, env=env, stderr=subprocess.DEVNULL)
    shutil.copy(svg, out / "studydesk.svg")
    return out


def freeze(work: Path, qm_dir: Path, dist: Path) -> Path:
    env = {**os.environ, "STUDYDESK_QM_DIR": str(qm_dir)}
    cmd = [sys.executable, "-m", "PyInstaller", str(HERE / "studydesk.spec"), "--noconfirm", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work / "pyinstaller")]
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    frozen = dist / "studydesk"
    plugins = frozen / "_internal" / "vlc" / "plugins"
    if CACHE_GEN.exists() and plugins.is_dir():
        subprocess.run([str(CACHE_GEN), str(plugins)], check=False, stderr=subprocess.DEVNULL)
    return frozen


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="installer/build", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "dist", help="where the results go (default: dist/)")
    p.add_argument("--work", type=Path, default=ROOT / "build" / "installer", help="scratch folder")
    p.add_argument("--site", type=Path, default=HERE / "site.example.toml",
                   help="site file to install as /etc/studydesk/site.toml (default: the commented example)")
    p.add_argument("--no-deb", action="store_true", help="do not build the .deb")
    p.add_argument("--compression", choices=("xz", "gzip", "none"), default="xz",
                   help="of the .deb: xz (default, smallest), gzip (faster) or none (fastest, for tests)")
    p.add_argument("--nsis", action="store_true", default=sys.platform == "win32",
                   help="also compile the Windows installer with makensis (default on Windows)")
    p.add_argument("--skip-freeze", action="store_true", help="reuse <out>/studydesk from an earlier build")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out, work = args.out.resolve(), args.work.resolve()
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    ver = version()
    started = step("translations")
    qm_dir = compile_translations(work)
    step("icons")
    icons = render_icons(work)
    frozen = out / "studydesk"
    if not args.skip_freeze:
        step("PyInstaller (onedir)")
        frozen = freeze(work, qm_dir, out)
    print(f"    frozen app: {frozen} ({deb.tree_size(frozen) / 1e6:.1f} MB)")
    if sys.platform.startswith("linux") and not args.no_deb:
        step(".deb")
        package = deb.build_deb(frozen, icons, args.site, ver, out, work / "deb", args.compression)
        print(f"    package: {package} ({package.stat().st_size / 1e6:.1f} MB)")
    if args.nsis:
        step("Windows installer (makensis)")
        # Off Windows the payload is this machine's (Linux) build: it only proves the script, so it
        # stays in the scratch folder where no site kit picks it up as a Windows installer.
        target = out if sys.platform == "win32" else work
        setup = nsis.compile_installer(frozen, ver, target, work / "nsis", icons)
        print(f"    installer: {setup}" + ("" if sys.platform == "win32" else " (script check only: Linux payload)"))
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
