"""Importing courses from a folder (a USB stick, an offline site kit), the one way the app does it.

``import_with_progress`` runs the import on the network lane, with sync.content.package_io's
usual signature and checksum verification, behind a progress dialog that shows the bytes
checked so far and has a Cancel button. It always says what happened: the titles of the
imported courses, or why the import did not finish (cancelled included), in the window's
status bar and to the caller's ``on_finished``. ``import_folder`` is the work for a folder
the person picked. GUI thread only, except the work functions (network lane).
Must not import windows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMainWindow, QProgressDialog, QWidget

from client.messages import describe
from client.tasks import Lanes, TaskContext, TaskHandle, run_task
from client.widgets.download_controls import format_bytes

if TYPE_CHECKING:
    from sync.content.downloader import DownloadProgress
    from sync.content.store import ContentStore
    from sync.protocol.keys import PublicKey
    from sync.protocol.manifest import Manifest

STATUS_MS = 15000  # how long the outcome stays in the status bar


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: the courses it stored, or the error that stopped it, and the sentence shown."""

    message: str
    manifests: list[Manifest] = field(default_factory=list)
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def import_folder(folder: Path, store: ContentStore, keys: Mapping[str, PublicKey], ctx: TaskContext) -> list[Manifest]:
    """Network lane: every course of the package at ``folder`` (its latest version), verified."""
    from sync.content.package_io import import_package

    return import_package(folder, store, keys, on_progress=ctx.progress, cancel=ctx.cancel)


def import_with_progress(
    lanes: Lanes,
    parent: QWidget,
    work: Callable[[TaskContext], list[Manifest]],
    on_finished: Callable[[ImportOutcome], None] | None = None,
    *,
    name: str = "import",
) -> TaskHandle:
    """Run ``work`` on the network lane behind a progress dialog; report the outcome when it returns."""
    label = QCoreApplication.translate("CourseImport", "Importing and checking courses…")
    dialog = QProgressDialog(label, QCoreApplication.translate("CourseImport", "Cancel"), 0, 1000, parent)
    dialog.setWindowTitle(QCoreApplication.translate("CourseImport", "Import courses"))
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def progress(p: DownloadProgress) -> None:
        dialog.setValue(int(1000 * p.bytes_done / p.bytes_total) if p.bytes_total else 0)
        dialog.setLabelText(f"{label}\n{format_bytes(p.bytes_done)} / {format_bytes(p.bytes_total)}")

    def finish(outcome: ImportOutcome) -> None:
        with contextlib.suppress(RuntimeError):  # the window (and its dialog) may be gone
            dialog.close()
            dialog.deleteLater()
            window = parent.window()
            if isinstance(window, QMainWindow):
                window.statusBar().showMessage(outcome.message, STATUS_MS)
        if on_finished is not None:
            on_finished(outcome)

    def done(manifests: list[Manifest]) -> None:
        names = "、".join(m.title for m in manifests)
        text = QCoreApplication.translate("CourseImport", "Imported: %1")
        finish(ImportOutcome(text.replace("%1", names), list(manifests)))

    def failed(error: BaseException) -> None:
        text = QCoreApplication.translate("CourseImport", "The import did not finish: %1")
        finish(ImportOutcome(text.replace("%1", describe(error)), error=error))

    handle = run_task(lanes.net, work, done, failed, progress, name=name)
    dialog.canceled.connect(handle.cancel)
    dialog.show()
    return handle
