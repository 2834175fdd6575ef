"""The one course import dialog: the bytes checked so far, Cancel stops the work on its lane, and
the outcome is reported in the window's status bar and to the caller. Real task lanes and a real
progress dialog; real imports through it are in test_my_courses and test_installer_first_run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QMainWindow, QProgressDialog, QPushButton

from client.tasks import Lanes, TaskContext
from client.usb_import import ImportOutcome, import_with_progress
from sync.content.downloader import DownloadProgress
from sync.protocol.manifest import Manifest


@pytest.fixture
def lanes(qtbot) -> Iterator[Lanes]:
    lanes = Lanes()
    yield lanes
    qtbot.waitUntil(lambda: not lanes.busy, timeout=10000)


def _until_cancelled(ctx: TaskContext) -> list[Manifest]:
    ctx.progress(DownloadProgress(512, 2048, 0.0, None, 0, 1))
    ctx.cancel.wait(10)
    ctx.check()  # raises CancelledError once Cancel was pressed
    return []


def test_cancel_stops_the_import_and_says_so(qtbot, lanes: Lanes) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    outcomes: list[ImportOutcome] = []
    handle = import_with_progress(lanes, window, _until_cancelled, outcomes.append)
    dialog = window.findChild(QProgressDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.value() == 250, timeout=10000)
    assert dialog.labelText() == "Importing and checking courses…\n512 B / 2.0 KB"
    [cancel] = dialog.findChildren(QPushButton)
    assert cancel.text() == "Cancel"
    cancel.click()
    qtbot.waitUntil(lambda: bool(outcomes), timeout=10000)
    [outcome] = outcomes
    assert handle.cancelled and not outcome.ok and outcome.manifests == []
    assert outcome.message == "The import did not finish: Cancelled."
    assert window.statusBar().currentMessage() == outcome.message
    qtbot.waitUntil(lambda: window.findChild(QProgressDialog) is None, timeout=10000)  # closed and deleted

