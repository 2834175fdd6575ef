"""The Debian package (Debian 12 and Debian-based UOS/Kylin): stage a tree, compute Depends, dpkg-deb.

Layout: the frozen app in /opt/studydesk, a /usr/bin/studydesk launcher, a desktop entry with a
Chinese name, hicolor icons, and /etc/studydesk/site.toml as a conffile. Depends lists the
packages of every system library that the bundle's ELF files (PyInstaller's libraries and the
VLC plugins) load from outside the bundle, found with ldd and ``dpkg -S`` on the build machine,
plus a CJK font. Maintainer scripts only refresh the desktop and icon caches: they never touch
anyone's data folder. Used by installer/build.py; imports nothing from the app.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "deb"
FONT_DEPENDS = "fonts-wqy-microhei | fonts-noto-cjk"
_LDD_LINE = re.compile(r"^\s*(\S+) => (not found|\S+)")
_DYNAMIC = re.compile(r"\((NEEDED|RUNPATH|RPATH)\)\s+[^\[]*\[([^\]]+)\]")


def tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def dynamic_sections(elves: list[Path]) -> dict[Path, tuple[str, ...]]:
    """Each ELF file's dynamic-section entries that decide what the loader loads for it, in order:
    its NEEDED, RUNPATH and RPATH entries as ``readelf -d`` prints them (kind and value)."""
    sections: dict[Path, list[str]] = {p: [] for p in elves}
    by_name = {str(p): p for p in elves}
    for chunk in range(0, len(elves), 200):
        out = subprocess.run(["readelf", "-d", *map(str, elves[chunk : chunk + 200])], capture_output=True,
                             text=True).stdout
        current: list[str] | None = None
        if len(elves[chunk : chunk + 200]) == 1:  # one file: readelf prints no "File:" header
            current = sections[elves[chunk]]
        for line in out.splitlines():
            if line.startswith("File: "):
                current = sections.get(by_name.get(line[6:], Path()))
            elif current is not None and (m := _DYNAMIC.search(line)):
                current.append(f"{m[1]} {m[2]}")
    return {p: tuple(entries) for p, entries in sections.items()}


def direct_needs(sections: dict[Path, tuple[str, ...]]) -> set[str]:
    """Every library name a bundle file names itself (DT_NEEDED); what those need in turn comes with
    their own packages' Depends, so it is not listed again (and differs between releases)."""
    return {entry.split(" ", 1)[1] for entries in sections.values() for entry in entries
            if entry.startswith("NEEDED ")}


def _load_alike(sections: dict[Path, tuple[str, ...]]) -> list[Path]:
    """One file of each group that the loader resolves alike: the same NEEDED names in the same order,
    RUNPATH and RPATH (and the same folder where a path says $ORIGIN). ldd prints the same for every
    file of a group: about 150 of the bundle's 360 ELF files, each ldd a run of the dynamic loader."""
    chosen: dict[tuple[str, ...], Path] = {}
    for path, entries in sections.items():
        key = entries + ((str(path.parent),) if any("ORIGIN" in e for e in entries) else ())
        chosen.setdefault(key, path)
    return sorted(chosen.values())


def external_libraries(app_dir: Path) -> tuple[set[str], set[str]]:
    """(system library paths, names not found) that the bundle's ELF files load directly from outside it."""
    internal = app_dir / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}
    found: set[str] = set()
    missing: set[str] = set()
    elves = [p for p in app_dir.rglob("*") if p.is_file() and not p.is_symlink() and _is_elf(p)]
    sections = dynamic_sections(elves)
    needed = direct_needs(sections)
    asked = _load_alike(sections)
    for chunk in range(0, len(asked), 200):
        batch = [str(p) for p in asked[chunk : chunk + 200]]
        out = subprocess.run(["ldd", *batch], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            m = _LDD_LINE.match(line)
            if not m:
                continue
            name, where = m.groups()
            if name not in needed:
                continue
            if where == "not found":
                missing.add(name)
            elif not Path(where).resolve().is_relative_to(app_dir.resolve()):
                found.add(where)
    # a library the bundle carries itself is not missing, whatever one plugin's RUNPATH says
    missing -= {p.name for p in internal.rglob("*.so*")}
    return found, missing


def _path_variants(path: str) -> list[str]:
    """dpkg records /usr/lib/... or /lib/... (merged /usr): ask for both, and for the symlink target."""
    real = str(Path(path).resolve())
    out = []
    for p in (path, real):
        out.append(p)
        out.append(p[4:] if p.startswith("/usr/") else "/usr" + p)
    return list(dict.fromkeys(out))


def packages_for(paths: set[str]) -> dict[str, str]:
    """System library path -> the Debian package that ships it."""
    queries = sorted({v for p in paths for v in _path_variants(p)})
    if not queries:
        return {}
    out = subprocess.run(["dpkg", "-S", *queries], capture_output=True, text=True).stdout
    owner: dict[str, str] = {}
    for line in out.splitlines():
        pkgs, _, where = line.partition(": ")
        if where and "," not in pkgs and " " not in pkgs:
            owner[where.strip()] = pkgs.split(":")[0]
    return {p: next((owner[v] for v in _path_variants(p) if v in owner), "") for p in paths}


def compute_depends(app_dir: Path) -> tuple[list[str], set[str]]:
    libs, missing = external_libraries(app_dir)
    owners = packages_for(libs)
    unowned = {p for p, pkg in owners.items() if not pkg}
    if unowned:
        print(f"    warning: no package ships {', '.join(sorted(unowned))}")
    packages = sorted({pkg for pkg in owners.values() if pkg})
    return [*packages, FONT_DEPENDS], missing


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def _template(name: str, **values: str) -> str:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("@" + key + "@", value)
    return text


def _link_or_copy(source: str, target: str) -> None:
    """The staged app's files are the frozen app's (nothing changes them before dpkg-deb reads them):
    a hard link where both are on one file system, else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def stage_tree(frozen: Path, icons: Path, site_file: Path, stage: Path) -> None:
    if stage.exists():
        shutil.rmtree(stage)
    shutil.copytree(frozen, stage / "opt" / "studydesk", symlinks=True, copy_function=_link_or_copy)
    _write(stage / "usr" / "bin" / "studydesk", _template("studydesk.sh"), 0o755)
    _write(stage / "usr" / "share" / "applications" / "studydesk.desktop", _template("studydesk.desktop"))
    hicolor = stage / "usr" / "share" / "icons" / "hicolor"
    for png in sorted(icons.glob("studydesk-*.png")):
        size = png.stem.split("-")[1]
        target = hicolor / f"{size}x{size}" / "apps" / "studydesk.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, target)
    (hicolor / "scalable" / "apps").mkdir(parents=True, exist_ok=True)
    shutil.copy(icons / "studydesk.svg", hicolor / "scalable" / "apps" / "studydesk.svg")
    site = stage / "etc" / "studydesk" / "site.toml"
    site.parent.mkdir(parents=True)
    shutil.copy(site_file, site)
    site.chmod(0o644)
    doc = stage / "usr" / "share" / "doc" / "studydesk"
    _write(doc / "copyright", _template("copyright"))


def build_deb(frozen: Path, icons: Path, site_file: Path, version: str, out: Path, stage: Path,
              compression: str = "xz") -> Path:
    """Stage, write DEBIAN/, and run dpkg-deb; returns the .deb path. ``compression``: xz (small, for
    release), gzip (several times faster) or none (the same files uncompressed, at the speed of a copy:
    for tests); all are read by every dpkg (not zstd: UOS/Kylin)."""
    stage_tree(frozen, icons, site_file, stage)
    depends, missing = compute_depends(stage / "opt" / "studydesk")
    if missing:
        print(f"    warning: libraries found nowhere: {', '.join(sorted(missing))}")
    control = stage / "DEBIAN"
    installed_kb = (tree_size(stage) + 1023) // 1024
    _write(control / "control", _template("control", VERSION=version, DEPENDS=", ".join(depends),
                                          INSTALLED_SIZE=str(installed_kb)))
    _write(control / "conffiles", "/etc/studydesk/site.toml\n")
    for script in ("postinst", "postrm"):
        _write(control / script, _template(script), 0o755)
    target = out / f"studydesk_{version}_amd64.deb"
    level = {"xz": ["-z6"], "gzip": ["-z5"], "none": []}[compression]
    cmd = ["dpkg-deb", "--root-owner-group", f"-Z{compression}", *level, "--threads-max=2", "--build", str(stage),
           str(target)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(stage)  # links to (or a second copy of) the whole app: not worth keeping
    return target
