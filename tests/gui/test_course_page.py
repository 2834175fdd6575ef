"""The course page against a real content store and a real profile database: lessons with
coverage and status, playable or not, documents opened through the system URL handler, rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from client.tasks import Lanes
from client.windows.course_page import CoursePage, format_duration
from sync.records.progress import LessonProgress, save_checkpoint
from tests.support.lesson_env import DocSpec, LessonSpec, LocalProfile, install_course

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class UrlCatcher(QObject):
    """Receives file:// URLs instead of the desktop's viewer (Qt's own URL handler hook)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def lanes(qtbot) -> Iterator[Lanes]:
    lanes = Lanes()
    yield lanes
    qtbot.waitUntil(lambda: not lanes.busy, timeout=10000)


def test_lessons_status_coverage_documents_and_rules(tmp_path: Path, qtbot, lanes: Lanes) -> None:
    course = install_course(tmp_path, "c-page", [
        LessonSpec("l1", "第一课", b"video-one", 600.0),
        LessonSpec("l2", "第二课", b"video-two", 300.0),
        LessonSpec("l3", "第三课", b"video-three", 90.0, present=False),
    ], [DocSpec("d1", "学习资料", PDF, filename="学习资料.pdf")])
    profile = LocalProfile(tmp_path / "profile")
    outbox = profile.outbox()
    save_checkpoint(outbox, "c-page", "l1", {"segments": [[0, 120]]},
                    LessonProgress(position_s=120, covered_segments=[(0, 120)], covered_s=120, duration_s=600))
    save_checkpoint(outbox, "c-page", "l2", {"segments": [[0, 300]]},
                    LessonProgress(position_s=300, covered_segments=[(0, 300)], covered_s=300, duration_s=300,
                                   completed=True))
    outbox.conn.close()

    opened: list[tuple[str, str]] = []
    page = CoursePage("c-page", store=course.store, lanes=lanes, session=profile,
                      open_lesson=lambda c, lesson: opened.append((c, lesson)))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    assert page.windowTitle() == "学习贯彻党的二十大精神"
    assert page.lesson_status["l1"].text() == "In progress · Ready to play"
    assert page.lesson_status["l2"].text() == "Completed · Ready to play"
    assert page.lesson_status["l3"].text() == "Not started · Not downloaded"
    assert page.lesson_bars["l1"].covered_ratio == pytest.approx(0.2)
    assert page.lesson_bars["l2"].covered_ratio == pytest.approx(1.0)
    assert not page.lesson_buttons["l3"].isEnabled()
    assert page.lesson_buttons["l1"].text() == "Continue"
    page.lesson_buttons["l1"].click()
    assert opened == [("c-page", "l1")]
    with qtbot.waitSignal(page.download_requested, timeout=1000) as asked:
        next(b for b in page.findChildren(type(page.lesson_buttons["l1"]))
             if b.text() == "Download missing lessons").click()
    assert asked.args == ["c-page"]
    texts = [w.text() for w in page.findChildren(type(page._info))]
    assert any("Speed up to 1.5×, no skipping ahead" in t for t in texts)

    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        with qtbot.waitSignal(page.document_opened, timeout=10000) as doc:
            page.document_buttons["d1"].click()
        qtbot.waitUntil(lambda: len(catcher.urls) == 1, timeout=2000)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    path = Path(doc.args[0])
    assert path.name == "学习资料.pdf"
    assert path.read_bytes() == PDF
    assert catcher.urls[0].toLocalFile() == str(path)


def test_course_not_on_this_pc(tmp_path: Path, qtbot, lanes: Lanes) -> None:
    course = install_course(tmp_path, "c-other", [LessonSpec("l1", "第一课", b"v", 10.0)])
    page = CoursePage("c-missing", store=course.store, lanes=lanes, session=LocalProfile(tmp_path / "p"))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    assert "not on this PC" in page._info.text()
    assert format_duration(3725) == "1:02:05" and format_duration(65) == "1:05"


def test_title_follows_the_text_size(tmp_path: Path, qtbot, lanes: Lanes) -> None:
    from PySide6.QtGui import QFont

    course = install_course(tmp_path, "c-font", [LessonSpec("l1", "第一课", b"v", 10.0)])
    page = CoursePage("c-font", store=course.store, lanes=lanes, session=LocalProfile(tmp_path / "p"))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    before = page._title.font().pointSizeF()
    bigger = QFont(page.font())
    bigger.setPointSizeF(page.font().pointSizeF() * 1.5)
    page.setFont(bigger)  # what the app's text-size setting does to every window
    assert page._title.font().pointSizeF() == pytest.approx(before * 1.5)
