"""The course page against a real content store and a real profile database: lessons with
coverage and status, playable or not, documents opened through the system URL handler, rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from client.durations import format_duration
from client.tasks import Lanes
from client.windows.course_page import CoursePage
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
    assert format_duration(3725) == "1:02:05" and format_duration(65) == "1 min 5 s"


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


def test_no_viewer_for_a_document_says_what_to_do_and_offers_its_folder(tmp_path: Path, qtbot, lanes: Lanes) -> None:
    course = install_course(tmp_path, "c-doc", [LessonSpec("l1", "第一课", b"v", 10.0)],
                            [DocSpec("d1", "学习资料", PDF, filename="学习资料.pdf")])
    page = CoursePage("c-doc", store=course.store, lanes=lanes, session=LocalProfile(tmp_path / "p"))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    document = tmp_path / "copies" / "学习资料.pdf"
    box = page.no_viewer(document)
    assert box.text().startswith("No program on this PC can open PDF files. Ask your administrator to install "
                                 "a reader for PDF files, or copy the file to a PC that has one.")
    assert str(document) in box.text()
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        next(b for b in box.buttons() if b.text() == "Show the folder").click()
        qtbot.waitUntil(lambda: len(catcher.urls) == 1, timeout=2000)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert catcher.urls[0].toLocalFile() == str(document.parent)
    box.close()


def test_a_course_not_on_this_pc_downloads_on_its_page_and_each_lesson_plays_once_verified(qtbot, tmp_path):
    from tests.support.shell_env import DEMO_COURSE_ID, close, signed_in_window, zhangsan_server

    with zhangsan_server(tmp_path) as env:
        env.assign(DEMO_COURSE_ID, "zhangsan", required=True)
        ctx, window, shell = signed_in_window(qtbot, env, "\n[bandwidth]\ncap_kbps = 400\n")
        try:
            downloads = window.session.downloads
            window.open_course(DEMO_COURSE_ID)
            page = window.course_page
            qtbot.waitUntil(lambda: page.data is not None, timeout=10000)
            assert page._title.text() == "学习贯彻党的基本理论专题"  # the assignment's title, before any download
            assert page._info.text().startswith("Required · 1.5 credit hours\nThis course is not on this PC yet.")
            assert page.download_controls.label.text() == "Not downloaded · 447.3 KB to download"
            page.download_button.click()
            assert not page.download_button.isVisibleTo(page)
            # the manifest comes first: the lessons show, each with its own share of the download
            qtbot.waitUntil(lambda: page.data.manifest is not None and "lesson-1" in page.lesson_status, timeout=20000)
            qtbot.waitUntil(lambda: any(s.text().startswith("Not started · Downloading ")
                                        for s in page.lesson_status.values()), timeout=20000)
            # the whole download: bytes, speed and time left
            qtbot.waitUntil(lambda: page.download_controls is not None
                            and "/s" in page.download_controls.label.text(), timeout=20000)
            text = page.download_controls.label.text()
            assert text.startswith("Downloading · ") and " / 447.3 KB" in text and text.endswith("left")
            # a lesson plays the moment its file is verified, while the rest still downloads
            qtbot.waitUntil(lambda: any(b.isEnabled() for b in page.lesson_buttons.values()), timeout=20000)
            assert downloads.state(DEMO_COURSE_ID) == "running"
            ready = [lesson for lesson, b in page.lesson_buttons.items() if b.isEnabled()]
            assert ready and all(page.lesson_status[lesson].text() == "Not started · Ready to play" for lesson in ready)
            qtbot.waitUntil(lambda: downloads.state(DEMO_COURSE_ID) == "done", timeout=30000)
            qtbot.waitUntil(lambda: page.download_controls is None
                            and all(b.isEnabled() for b in page.lesson_buttons.values()), timeout=10000)
            # the demo course's quiz and exam show, not passed
            assert page.assessment_status["quiz:lesson-1"].text() == "Not done yet"
            assert page.assessment_status["exam"].text() == "Not done yet"
        finally:
            close(qtbot, ctx, window, shell)
