"""Offer to import the courses of an offline site kit when the app starts (first start, or a new kit).

Where a kit's courses can be: the site's ``[repository] url`` when it is a folder (e.g. the
mounted USB stick), a ``courses`` folder next to the site file, or a kit folder (one with
``studydesk-kit.json``, made by installer/build-site-kit) up to three levels below the usual
mount points (/media, /run/media, /mnt; drive letters on Windows). Only courses newer than
what this PC already stores are offered; once a person answered for a kit's set of courses
it is not asked again (``<data root>/kit-offers.json``). The import is sync.content.package_io's,
with the usual signature and checksum verification, behind the app's one import dialog
(client.usb_import). Scanning, the remembered answers and the import run on the task lanes,
never on the GUI thread.

Must not import windows; the main window is passed in.
"""

from __future__ import annotations

import json
import os
import string
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from client.tasks import TaskContext, run_task
from client.usb_import import ImportOutcome, import_with_progress
from sync.content.package_io import import_package, package_versions
from sync.protocol.errors import SyncError
from sync.site.config import SiteConfig
from sync.storage.files import atomic_write_bytes

KIT_MARKER = "studydesk-kit.json"
OFFERS_FILE = "kit-offers.json"


@dataclass(frozen=True, slots=True)
class KitOffer:
    folder: Path  # a package folder (manifests/, blobs/)
    courses: dict[str, int]  # course id -> version not yet on this PC

    @property
    def key(self) -> str:
        return f"{self.folder}|" + ",".join(f"{c}@{v}" for c, v in sorted(self.courses.items()))


def media_roots() -> list[Path]:
    if env := os.environ.get("STUDYDESK_KIT_SEARCH"):
        return [Path(p) for p in env.split(os.pathsep) if p]
    if sys.platform == "win32":
        return [Path(f"{d}:\\") for d in string.ascii_uppercase[3:]]
    return [Path("/media"), Path("/run/media"), Path("/mnt")]


def _kits_below(root: Path, depth: int = 3) -> Iterable[Path]:
    try:
        if (root / KIT_MARKER).is_file():
            yield root
        if depth == 0:
            return
        for child in sorted(root.iterdir()):
            if child.is_dir() and not child.name.startswith("."):
                yield from _kits_below(child, depth - 1)
    except OSError:  # an unreadable or vanished mount point: not a kit
        return


def candidate_folders(site: SiteConfig, roots: list[Path] | None = None) -> list[Path]:
    """Package folders worth looking at, most specific first, without duplicates."""
    found: list[Path] = []
    repo = site.repository
    if repo and urlsplit(repo).scheme not in ("http", "https"):
        folder = Path(repo).expanduser()
        if not folder.is_absolute() and site.source is not None:
            folder = site.source.parent / folder
        found.append(folder)
    if site.source is not None:
        found.append(site.source.parent / "courses")
    for root in roots if roots is not None else media_roots():
        found.extend(kit / "courses" for kit in _kits_below(root))
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return [p for p in unique if (p / "manifests").is_dir()]


def find_offer(site: SiteConfig, store: Any, data_root: Path, roots: list[Path] | None = None) -> KitOffer | None:
    """The first kit with courses newer than the store's that nobody answered yet (worker thread)."""
    answered = _load_answers(data_root)
    for folder in candidate_folders(site, roots):
        try:
            versions = package_versions(folder)
        except SyncError:
            continue
        newer = {c: max(vs) for c, vs in versions.items() if max(vs) > max(store.versions(c), default=0)}
        offer = KitOffer(folder, newer)
        if newer and offer.key not in answered:
            return offer
    return None


def _load_answers(data_root: Path) -> set[str]:
    try:
        return set(json.loads((data_root / OFFERS_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def remember_answer(data_root: Path, offer: KitOffer) -> None:
    answers = _load_answers(data_root) | {offer.key}
    atomic_write_bytes(data_root / OFFERS_FILE, json.dumps(sorted(answers), ensure_ascii=False).encode("utf-8"))


def import_offer(offer: KitOffer, store: Any, keys: dict[str, Any], ctx: TaskContext | None = None) -> list[Any]:
    """Import every offered course with the usual verification (worker thread)."""
    done = []
    for course_id in sorted(offer.courses):
        done += import_package(offer.folder, store, keys, course_id=course_id,
                               on_progress=ctx.progress if ctx else None, cancel=ctx.cancel if ctx else None)
    return done


class KitImportOffer(QObject):
    """Scans on the net lane, asks without blocking the window, imports with the progress dialog and
    reports the outcome (``result``, the status bar). GUI thread. A child of the window, which keeps it alive."""

    def __init__(self, app: Any, window: QWidget) -> None:
        super().__init__(window)
        self.app, self.window = app, window
        self.box: QMessageBox | None = None
        self.result: str = ""

    def start(self) -> None:
        app = self.app
        run_task(app.lanes.net, lambda _c: find_offer(app.site, app.store, app.data_root), self._ask,
                 lambda _e: None, name="kit-scan")

    def _ask(self, offer: KitOffer | None) -> None:
        if offer is None:
            return
        text = QCoreApplication.translate(
            "KitImport", "Courses for this site were found in %1 (%2 course(s)). Import them now? Every file is "
            "checked before it is used.").replace("%1", str(offer.folder)).replace("%2", str(len(offer.courses)))
        box = QMessageBox(QMessageBox.Icon.Question, QCoreApplication.translate("KitImport", "Import courses"), text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
        box.button(QMessageBox.StandardButton.Yes).setText(QCoreApplication.translate("KitImport", "Import"))
        box.button(QMessageBox.StandardButton.No).setText(QCoreApplication.translate("KitImport", "Not now"))
        box.finished.connect(lambda code: self._answered(offer, code == QMessageBox.StandardButton.Yes))
        self.box = box
        box.open()  # window-modal, does not block the event loop

    def _answered(self, offer: KitOffer, accepted: bool) -> None:
        data_root = self.app.data_root
        run_task(self.app.lanes.db, lambda _c: remember_answer(data_root, offer), name="kit-answer")
        if accepted:
            self._import(offer)

    def _import(self, offer: KitOffer) -> None:
        app = self.app
        keys = app.site.trusted_keys()
        import_with_progress(app.lanes, self.window, lambda c: import_offer(offer, app.store, keys, c),
                             self._imported, name="kit-import")

    def _imported(self, outcome: ImportOutcome) -> None:
        self.result = outcome.message
        courses = getattr(self.window, "courses", None)
        if courses is not None and hasattr(courses, "reload"):
            courses.reload()  # also after a failure: the courses before it are stored


def offer_kit_import(app: Any, window: QWidget) -> KitImportOffer:
    """The hook client/app.py calls once the main window is shown."""
    offer = KitImportOffer(app, window)
    offer.start()
    return offer
