"""The quiz and the exam on the small office screens they are used on (1366x768 and 1024x768), in
zh_CN at 标准 and 特大, under a real X server (Xvfb).

One child process per screen, at each text size in turn (new windows for each, made after the
text size is applied), opens a lesson's quiz, answers and grabs the question
page, submits wrong answers and grabs the result with the mistakes and the right answers, then
starts the final exam and grabs it with its countdown. It checks that each window fits the
screen and that no button's text is cut. Screenshots go to artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.qt_child import run_child
from tests.support.xvfb import TEXT_SIZES, app_env, screen_fixture  # noqa: F401  (the fixture screen)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"

pytestmark = [pytest.mark.xvfb]


def child(work: str, screen_name: str, text_size: str) -> None:  # noqa: C901 (one scenario, step by step)
    """Runs in the child process (QT_QPA_PLATFORM=xcb): the scenario, then one RESULT line."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMessageBox, QScrollArea, QWidget

    from client.i18n import Translator, ensure_built
    from client.tasks import Lanes
    from client.theme import Theme
    from client.windows.course_page import CoursePage
    from client.windows.exam_window import ExamWindow
    from client.windows.quiz_dialog import QuizDialog
    from client.workers.assessments import Outcome
    from client.workers.script_driver import save_screenshot
    from sync.records.attempts import store_server_grades
    from sync.records.outbox import Delivery
    from tests.support.assessments import exam, quiz, right_answer
    from tests.support.lesson_env import LessonSpec, LocalProfile, install_course

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    Theme(app).apply(text_size)
    ensure_built()
    Translator(app).set_language("zh_CN")
    root = Path(work)
    tag = f"zh_CN_{screen_name}_{text_size}"
    course = install_course(root / "data", "c-screens", [LessonSpec("l1", "第一课 理论学习的意义", b"v1", 600.0)],
                            quizzes=(quiz("l1", title="第一课 随堂测验"),), exam=exam(time_limit_s=1200),
                            title="学习贯彻党的基本理论专题")
    profile = LocalProfile(root / "profile")
    lanes = Lanes()
    result: dict[str, object] = {"cut": [], "fits": True, "texts": {}}
    area = app.primaryScreen().availableGeometry()

    def place(window: QWidget) -> None:
        window.resize(min(window.width(), area.width()), min(window.height(), area.height() - 40))
        window.move(area.x() + (area.width() - window.width()) // 2, area.y())
        window.show()

    def check(window: QWidget, name: str) -> None:
        geo = window.frameGeometry()
        if geo.width() > area.width() or geo.height() > area.height() + 40:
            result["fits"] = False
        for button in window.findChildren(QAbstractButton):
            if button.isVisible() and button.text() and button.sizeHint().width() > button.width() + 1:
                result["cut"].append(f"{name}: {button.text()}")  # type: ignore[union-attr]
        texts = [w.text() for w in window.findChildren(QLabel) if w.isVisible() and w.text()]
        texts += [b.text() for b in window.findChildren(QAbstractButton) if b.isVisible() and b.text()]
        result["texts"][name] = texts  # type: ignore[index]

    def shot(window: QWidget, name: str) -> None:
        check(window, name)
        geo = window.frameGeometry()
        save_screenshot(app.primaryScreen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height()),
                        SHOTS / f"{name}_{tag}.png")

    quiz_dialog = QuizDialog("c-screens", "l1", store=course.store, lanes=lanes, session=profile)
    exam_window = ExamWindow("c-screens", store=course.store, lanes=lanes, session=profile)
    exam_window.hide()

    def quiz_ready() -> None:
        place(quiz_dialog)
        paper = quiz_dialog.paper
        assert paper is not None
        paper.go(0)
        view = paper.views[0]
        answer = right_answer(view.question.id)
        if isinstance(answer, bool):
            view.buttons[0 if answer else 1].click()
        else:
            view.buttons[view.order.index(answer[0] if isinstance(answer, list) else answer)].click()
        QTimer.singleShot(600, quiz_question_shot)

    def quiz_question_shot() -> None:
        shot(quiz_dialog, "quiz-1-question")
        paper = quiz_dialog.paper
        assert paper is not None
        for index, view in enumerate(paper.views[1:], start=1):  # the rest wrong: mistakes to show
            paper.go(index)
            right = right_answer(view.question.id)
            if isinstance(right, bool):
                view.buttons[1 if right else 0].click()
            elif isinstance(right, list):  # a multiple choice: only one of its right options
                view.buttons[view.order.index(right[0])].click()
            else:
                view.buttons[view.order.index((right + 1) % len(view.order))].click()
        quiz_dialog.submitted.connect(lambda _o: QTimer.singleShot(600, quiz_result_shot))
        paper.request_submit()

    def quiz_result_shot() -> None:
        shot(quiz_dialog, "quiz-2-result-mistakes")
        quiz_dialog.close()
        place(exam_window)
        QTimer.singleShot(800, exam_intro_shot)

    def exam_intro_shot() -> None:
        shot(exam_window, "exam-1-start")
        exam_window.sitting_ready.connect(lambda: QTimer.singleShot(1600, exam_shot))
        exam_window.start_button.click()

    def exam_shot() -> None:
        paper = exam_window.paper
        assert paper is not None
        view = paper.views[0]
        view.lines[0].setText("3") if view.lines else view.buttons[0].click()
        app.processEvents()
        shot(exam_window, "exam-2-countdown")
        result["countdown"] = exam_window.countdown.text()
        exam_window.close()  # mid-exam: it asks first
        QTimer.singleShot(600, exam_close_shot)

    def exam_close_shot() -> None:
        box = exam_window.close_box
        assert box is not None
        app.processEvents()
        geo = exam_window.frameGeometry()
        save_screenshot(app.primaryScreen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height()),
                        SHOTS / f"exam-3-close-asks_{tag}.png")
        result["close_box"] = [box.text(), box.informativeText()] + [b.text() for b in box.buttons()]
        next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole).click()
        QTimer.singleShot(500, exam_again)

    resumed: list[ExamWindow] = []
    kept: list[QWidget] = []

    def exam_again() -> None:  # taken up again and submitted with every answer right
        again = ExamWindow("c-screens", store=course.store, lanes=lanes, session=profile)
        resumed.append(again)
        place(again)

        def ready() -> None:
            paper = again.paper
            assert paper is not None
            for index, view in enumerate(paper.views):
                paper.go(index)
                answer = right_answer(view.question.id)
                if view.lines:
                    for line, text in zip(view.lines, answer, strict=True):
                        line.setText(text)
                elif isinstance(answer, bool):
                    view.buttons[0 if answer else 1].click()
                else:
                    for option in answer if isinstance(answer, list) else [answer]:
                        if not view.buttons[view.order.index(option)].isChecked():
                            view.buttons[view.order.index(option)].click()
            again.submitted.connect(lambda outcome: QTimer.singleShot(600, lambda: exam_result_shot(outcome)))
            paper.request_submit()

        def intro() -> None:
            again.sitting_ready.connect(lambda: QTimer.singleShot(300, ready))
            again.start_button.click()

        QTimer.singleShot(800, intro)

    def exam_result_shot(outcome: Outcome) -> None:
        again = resumed[0]
        shot(again, "exam-4-result")
        again.close()
        # synced: the server acknowledged the record and graded it lower; its grade stands
        outbox = profile.outbox()
        try:
            outbox.mark([Delivery(outcome.record.id, "acked")])
            store_server_grades(outbox.conn, {"courses": [{"course_id": "c-screens", "exams": [
                {"record_id": outcome.record.id, "graded": True, "score": 1, "max_score": outcome.grade.max_score,
                 "passed": False}]}]})
        finally:
            outbox.conn.close()
        page = CoursePage("c-screens", store=course.store, lanes=lanes, session=profile,
                          open_assessment=lambda *_: None)
        kept.append(page)
        page.loaded.connect(lambda: QTimer.singleShot(800, lambda: course_page_shot(page)))
        place(page)

    def course_page_shot(page: CoursePage) -> None:
        note = page.server_grade_notes["exam"]
        scroll = page.findChild(QScrollArea)
        assert scroll is not None
        scroll.ensureWidgetVisible(note)
        app.processEvents()
        shot(page, "exam-5-server-grade-stands")
        result["server_note"] = note.text()
        result["server_note_visible"] = note.isVisible() and not note.visibleRegion().isEmpty()
        page.close()
        QTimer.singleShot(300, finish)

    def finish() -> None:
        watchdog.stop()
        print(f"RESULT {text_size} " + json.dumps(result, ensure_ascii=False), flush=True)
        lanes.shutdown(app.quit)

    quiz_dialog.sitting_ready.connect(lambda: QTimer.singleShot(300, quiz_ready))
    watchdog = QTimer()  # this text size's: it goes with the scenario
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(lambda: (print(f"RESULT {text_size} " + json.dumps({"timed_out": True})), app.quit()))
    watchdog.start(60_000)
    app.exec()


def children(work: str, screen_name: str, text_sizes: str) -> None:
    """Runs in the child process: the scenario at each of the comma-separated ``text_sizes`` in turn,
    each in its own folder (course, profile) with new windows."""
    for text_size in text_sizes.split(","):
        folder = Path(work) / text_size
        folder.mkdir(parents=True, exist_ok=True)
        child(str(folder), screen_name, text_size)




def test_quiz_and_exam_on_small_screens_in_chinese(screen: tuple[str, str], tmp_path: Path) -> None:
    name, display = screen
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = app_env(display, HOME=str(tmp_path))
    proc = run_child(children, str(tmp_path), name, ",".join(TEXT_SIZES), env=env, timeout=300)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr
    results = dict(line[len("RESULT "):].split(" ", 1) for line in lines)
    assert sorted(results) == sorted(TEXT_SIZES), proc.stdout
    for text_size in TEXT_SIZES:
        check_screen(name, text_size, json.loads(results[text_size]))


def check_screen(name: str, text_size: str, result: dict[str, Any]) -> None:
    """What one text size's scenario saw on the screen ``name``."""
    assert "timed_out" not in result, result
    assert result["fits"] is True and result["cut"] == [], result
    texts = result["texts"]
    assert "随堂测验：第一课 理论学习的意义" in texts["quiz-1-question"]
    assert "第 1 题，共 3 题" in texts["quiz-1-question"]
    assert "未通过" in texts["quiz-2-result-mistakes"] and "答错的题目" in texts["quiz-2-result-mistakes"]
    assert any("正确答案：" in t for t in texts["quiz-2-result-mistakes"])
    assert "开始考试" in texts["exam-1-start"]
    assert str(result["countdown"]).startswith("剩余时间 19:5")
    # closing mid-exam asks first, in Chinese, and says the clock pauses while it is closed
    question, consequences, *buttons = result["close_box"]
    assert question == "现在关闭考试吗？答案不会提交。"
    assert "关闭期间考试计时暂停，离开的时间不计入用时" in consequences and "剩余的 19:5" in consequences
    assert sorted(buttons) == sorted(["关闭，稍后继续", "继续答题"])
    # the result at once (this PC's score, the server's to come), then the server's lower grade standing
    assert any("以服务器" in text for text in texts["exam-4-result"]), texts["exam-4-result"]
    assert "已通过" in texts["exam-4-result"]
    assert result["server_note"].startswith("服务器对您最近一次作答的评分为 1 / 4，未通过。"), result["server_note"]
    assert result["server_note"].endswith("以服务器成绩为准。") and result["server_note_visible"], result
    assert "尚未通过 · 还可作答 1 次" in texts["exam-5-server-grade-stands"]
    for shot in ("quiz-1-question", "quiz-2-result-mistakes", "exam-1-start", "exam-2-countdown",
                 "exam-3-close-asks", "exam-4-result", "exam-5-server-grade-stands"):
        assert (SHOTS / f"{shot}_zh_CN_{name}_{text_size}.png").stat().st_size > 5000, shot
    # no English left on the Chinese screens (ids and digits aside)
    for shot_texts in texts.values():
        for text in shot_texts:
            assert not any(word in text for word in ("Quiz", "Exam", "Submit", "Question", "Time left", "Passed",
                                                     "Not passed", "Attempts")), text
