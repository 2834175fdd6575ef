"""The offline site kit: a folder for a USB stick with the installers, the site file, courses and a guide.

    installer/build-site-kit --courses REPO --site SITE_FILE --out DIR [--course ID ...] [--installers DIST]

REPO is a course repository folder (a server's data/repo, or an exported package folder).
Only the chosen courses' latest manifests and the blobs they name are copied, each verified
on the way: the manifest's signature against the keys pinned in SITE_FILE (and its sha256
against the signed catalog when there is one), every blob's size and sha256 while it is
copied; a file is renamed into place only after it checked out. The signed catalog.json is
copied only when the kit holds every course it lists (it cannot be re-signed here; the app
imports package folders without it). Layout of DIR:

    installers/  site.toml (+ its CA file)  courses/  studydesk-kit.json  安装说明.txt
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sync.content.package_io import package_versions  # noqa: E402
from sync.protocol.catalog import Catalog, blob_path, manifest_path  # noqa: E402
from sync.protocol.errors import IntegrityError, SyncError  # noqa: E402
from sync.protocol.keys import PublicKey  # noqa: E402
from sync.protocol.manifest import Manifest  # noqa: E402
from sync.site.config import SiteConfig, parse_site  # noqa: E402
from sync.storage.files import atomic_copy_verified, atomic_write_bytes, file_sha256  # noqa: E402

MARKER = "studydesk-kit.json"
GUIDE = "安装说明.txt"


class KitError(Exception):
    pass


def copy_verified(src: Path, dest: Path, digest: str, size: int | None = None) -> None:
    """Copy ``src`` to ``dest`` through a temporary file, checking sha256 (and size) before the rename."""
    if dest.is_file() and file_sha256(dest) == digest:
        return
    damaged = IntegrityError("hash_mismatch",
                             f"{src} is damaged: its checksum or size does not match the signed manifest")
    if size is not None and src.stat().st_size != size:
        raise damaged
    atomic_copy_verified(src, dest, digest, damaged)


def copy_file(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` through a temporary file, so a kit never holds half a file."""
    atomic_copy_verified(src, dest, file_sha256(src), IntegrityError("changed", f"{src} changed while it was copied"))


def choose_courses(repo: Path, keys: dict[str, PublicKey], wanted: list[str]) -> tuple[dict[str, int], Catalog | None]:
    """course id -> version to copy (the catalog's, else the newest manifest), and the verified catalog."""
    catalog = None
    if (repo / "catalog.json").is_file():
        catalog = Catalog.parse_verified((repo / "catalog.json").read_bytes(), keys)
        available = {c.id: c.version for c in catalog.courses}
    else:
        available = {cid: versions[-1] for cid, versions in package_versions(repo).items()}
    unknown = [c for c in wanted if c not in available]
    if unknown:
        raise KitError(f"not in the repository: {', '.join(unknown)} (it has: {', '.join(sorted(available))})")
    chosen = {c: available[c] for c in (wanted or sorted(available))}
    if not chosen:
        raise KitError(f"{repo} holds no course")
    return chosen, catalog


def copy_course(repo: Path, dest: Path, course_id: str, version: int, keys: dict[str, PublicKey],
                catalog: Catalog | None) -> Manifest:
    rel = manifest_path(course_id, version)
    data = (repo / rel).read_bytes()
    entry = catalog.entry(course_id) if catalog else None
    if entry is not None and hashlib.sha256(data).hexdigest() != entry.sha256:
        raise KitError(f"{rel} does not match the signed catalog")
    manifest = Manifest.parse_verified(data, keys)
    if manifest.course_id != course_id or manifest.version != version:
        raise KitError(f"{rel} names course {manifest.course_id} version {manifest.version}")
    for digest, size in sorted(manifest.blobs().items()):
        copy_verified(repo / blob_path(digest), dest / blob_path(digest), digest, size)
    atomic_write_bytes(dest / rel, data)
    return manifest


def copy_site(site_file: Path, out: Path) -> SiteConfig:
    site = parse_site(site_file.read_bytes(), source=site_file)
    if not site.publisher_keys:
        raise KitError(f"{site_file} pins no publisher key: the courses could not be verified on the PCs")
    copy_file(site_file, out / "site.toml")
    raw_ca = tomllib.loads(site_file.read_text(encoding="utf-8")).get("server", {}).get("ca_bundle")
    if site.ca_bundle is not None:
        if Path(raw_ca).is_absolute():
            print(f"warning: the site file names {raw_ca} by an absolute path: copy that CA file to each PC yourself")
        else:
            copy_file(site.ca_bundle, out / raw_ca)
    return site


def find_installers(dist: Path) -> dict[str, Path]:
    """The newest installer of each kind in ``dist`` ("deb", and "exe" where a Windows setup was built)."""
    found: dict[str, Path] = {}
    for kind, pattern in (("deb", "studydesk_*_amd64.deb"), ("exe", "studydesk_*_setup.exe")):
        files = sorted(dist.glob(pattern), key=lambda p: p.stat().st_mtime)
        if files:
            found[kind] = files[-1]
    if "deb" not in found:
        raise KitError(f"no studydesk_*_amd64.deb in {dist}: run installer/build first (or pass --installers DIR)")
    return found


def copy_installers(installers: dict[str, Path], out: Path) -> dict[str, str]:
    target = out / "installers"
    target.mkdir(exist_ok=True)
    for path in installers.values():
        copy_file(path, target / path.name)
    return {kind: path.name for kind, path in installers.items()}


def write_guide(out: Path, site: SiteConfig, manifests: list[Manifest], installers: dict[str, str]) -> None:
    version = installers["deb"].split("_")[1]
    courses = "\r\n".join(f"  - {m.title}（{m.course_id}，第 {m.version} 版）" for m in manifests)
    text = (HERE / GUIDE).read_text(encoding="utf-8").format(
        version=version, server=site.server_url, course_count=len(manifests), courses=courses,
        deb=installers["deb"], exe=installers.get("exe", f"studydesk_{version}_setup.exe"), kit_name=out.name)
    # Windows 7 Notepad needs CRLF and a BOM to show UTF-8 Chinese text
    atomic_write_bytes(out / GUIDE, "\ufeff".encode() + text.replace("\r\n", "\n").replace("\n", "\r\n").encode())


def build_kit(repo: Path, site_file: Path, out: Path, wanted: list[str], dist: Path) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    site = copy_site(site_file, out)
    keys = site.trusted_keys()
    found = find_installers(dist)
    chosen, catalog = choose_courses(repo, keys, wanted)
    courses = out / "courses"
    manifests = [copy_course(repo, courses, cid, ver, keys, catalog) for cid, ver in sorted(chosen.items())]
    if catalog is not None and {c.id for c in catalog.courses} == set(chosen):
        copy_file(repo / "catalog.json", courses / "catalog.json")
    # the installers (the largest files) only once every course checked out: a missing or damaged
    # course stops the kit before the stick is written full
    installers = copy_installers(found, out)
    write_guide(out, site, manifests, installers)
    marker = {"format": 1, "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "courses": [{"id": m.course_id, "version": m.version, "title": m.title} for m in manifests],
              "installers": sorted(installers.values())}
    atomic_write_bytes(out / MARKER, (json.dumps(marker, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return marker


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="installer/build-site-kit", description="Make an offline site kit folder.")
    p.add_argument("--courses", type=Path, required=True, help="course repository folder (catalog.json, ...)")
    p.add_argument("--site", type=Path, required=True, help="the site file for this site")
    p.add_argument("--out", type=Path, required=True, help="the kit folder to make (e.g. on the USB stick)")
    p.add_argument("--course", action="append", default=[], help="a course id to include (repeat; default all)")
    p.add_argument("--installers", type=Path, default=ROOT / "dist", help="where installer/build put its output")
    args = p.parse_args(argv)
    try:
        marker = build_kit(args.courses, args.site, args.out, args.course, args.installers)
    except (KitError, OSError, ValueError) as exc:
        print(f"build-site-kit: {exc}", file=sys.stderr)
        return 1
    except SyncError as exc:  # a bad signature, a tampered catalog, ...
        print(f"build-site-kit: {exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    titles = ", ".join(str(c["id"]) for c in marker["courses"])  # type: ignore[attr-defined]
    print(f"kit ready in {args.out}: {titles}; installers: {', '.join(marker['installers'])}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
