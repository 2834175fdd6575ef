"""File dialogs: Qt's own widgets speak Chinese (qtbase_zh_CN plus the few labels it lacks), and
they open at a mounted USB stick when there is one, else in the home folder, never in the
program's folder. The export dialog is the real one, opened by 导出学习记录's own function."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QLibraryInfo, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QWidget

from client.file_dialogs import start_folder, start_path, usb_folders
from client.i18n import Translator, ensure_built, qt_translation_dirs


def test_qt_ships_its_chinese_catalogue() -> None:
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    assert (folder / "qtbase_zh_CN.qm").is_file()  # in the pyside6-essentials wheel
    assert folder in qt_translation_dirs()


def test_a_usb_stick_is_preferred_to_the_home_folder(tmp_path: Path) -> None:
    media, home = tmp_path / "media", tmp_path / "home"
    stick = media / "zhangsan" / "KINGSTON"
    other = media / "lisi-disk"
    deep = tmp_path / "mnt" / "tools" / "env" / "python"
    for folder in (stick, other, deep, home):
        folder.mkdir(parents=True)
    prefixes = (f"{media}/zhangsan/", f"{media}/", f"{tmp_path}/mnt/")
    volumes = [("/", "/dev/vda"), (str(deep), "/dev/sdc1"), (str(other), "/dev/sdb1"), (str(stick), "/dev/sdd1")]
    # the person's own mount folder first, then the shared one; a program's deep mount is no stick
    assert usb_folders(volumes, platform="linux", prefixes=prefixes) == [str(stick), str(other)]
    assert start_folder(volumes, platform="linux", prefixes=prefixes, home=home) == str(stick)
    # a memory file system under /media is not a disk; a stick that is gone is not offered
    assert start_folder([(str(other), "tmpfs"), (str(media / "gone"), "/dev/sde1")], platform="linux",
                        prefixes=prefixes, home=home) == str(home)
    assert start_folder([], platform="linux", prefixes=prefixes, home=home) == str(home)


def test_without_a_stick_dialogs_start_in_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert start_folder([("/", "/dev/vda")], platform="linux") == str(tmp_path)
    if usb_folders():
        pytest.skip("a USB stick is mounted on this machine")
    assert start_path("studydesk-records.json") == str(tmp_path / "studydesk-records.json")


def test_the_export_dialog_speaks_chinese_and_opens_at_home(qapp, qtbot, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from client.windows.rejected_records import export_records_interactively

    if usb_folders():
        pytest.skip("a USB stick is mounted on this machine: the dialog rightly opens there")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(Path(__file__).parent)  # the program's folder must not be where it opens
    ensure_built()
    translator = Translator(qapp)
    assert translator.set_language("zh_CN")
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, object] = {}

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(50, look)
            return
        seen["folder"] = dialog.directory().absolutePath()
        seen["file"] = dialog.selectedFiles()
        seen["labels"] = [label.text() for label in dialog.findChildren(QLabel) if label.isVisible()]
        dialog.reject()

    QTimer.singleShot(50, look)
    try:
        export_records_interactively(None, None, parent)  # type: ignore[arg-type]  (cancelled before use)
    finally:
        translator.uninstall()
    assert Path(str(seen["folder"])) == tmp_path
    assert seen["file"] == [str(tmp_path / "studydesk-records.json")]
    labels = " ".join(map(str, seen["labels"]))
    assert "查找范围" in labels and "文件类型" in labels and "文件名称" in labels, labels
    assert "Look in" not in labels and "Files of type" not in labels
