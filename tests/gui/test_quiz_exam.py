"""The quiz dialog and the exam window against a real content store (sealed quizzes and exam in a
signed manifest) and a real profile database: answering with the keyboard and the mouse, the
question left unanswered, the score and the mistakes, attempts used up, the exam's countdown
on a short real time limit, an exam closed and taken up again, and the signed records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from client.tasks import Lanes
from client.windows.assessment_window import AssessmentWindow
from client.windows.exam_window import ExamWindow
from client.windows.quiz_dialog import QuizDialog
from sync.protocol.assessment import PAPER_RECORD, REVEAL_NEVER, AttemptBody, PaperDrawn
from sync.protocol.records import V2, verify_chain
from sync.records.attempts import open_attempt
from tests.support.assessments import exam, quiz, right_answer
from tests.support.lesson_env import InstalledCourse, LessonSpec, LocalProfile, install_course


@pytest.fixture
def lanes(qtbot) -> Iterator[Lanes]:
    lanes = Lanes()
    yield lanes
    qtbot.waitUntil(lambda: not lanes.busy, timeout=10000)


def _course(tmp_path: Path, **exam_changes: Any) -> InstalledCourse:
    return install_course(tmp_path, "c-test", [LessonSpec("l1", "第一课", b"v1", 60.0)],
                          quizzes=(quiz("l1"),), exam=exam(**exam_changes))


def _quiz_dialog(qtbot, course: InstalledCourse, lanes: Lanes, profile: LocalProfile, course_of: Any = None,
                 **changes: Any) -> QuizDialog:
    dialog = QuizDialog("c-test", "l1", store=course.store, lanes=lanes, session=profile)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sitting_ready, timeout=10000):
        dialog.show()
    return dialog


def _answer(window: AssessmentWindow, qtbot, right: bool, skip: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Answer every question on the paper (right or wrong) through its widgets, one page after another."""
    paper = window.paper
    assert paper is not None
    for index, view in enumerate(paper.views):
        paper.go(index)
        qid = view.question.id
        if qid in skip:
            continue
        answer = right_answer(qid)
        if not right:
            answer = {bool: lambda a: not a, int: lambda a: (a + 1) % 3, list: lambda a: ["不对"]
                      if isinstance(a[0], str) else [2]}[type(answer)](answer)
        if view.lines:
            for line, text in zip(view.lines, answer, strict=True):
                qtbot.keyClicks(line, text)
        elif isinstance(answer, bool):
            view.buttons[0 if answer else 1].click()
        else:
            for index_ in answer if isinstance(answer, list) else [answer]:
                view.buttons[view.order.index(index_)].click()
        assert view.answer() == answer


def _records(profile: LocalProfile) -> list[Any]:
    """The signed attempt records (the ``paper`` records each attempt signs first left out: see
    ``_papers``)."""
    return [r for r in _all_records(profile) if r.type != PAPER_RECORD]


def _papers(profile: LocalProfile) -> list[PaperDrawn]:
    return [PaperDrawn.from_dict(r.body) for r in _all_records(profile) if r.type == PAPER_RECORD]


def _all_records(profile: LocalProfile) -> list[Any]:
    outbox = profile.outbox()
    try:
        records = outbox.records()
        verify_chain(records, profile.key.public)
        return records
    finally:
        outbox.conn.close()


def test_a_quiz_is_answered_submitted_and_signed(tmp_path: Path, qtbot, lanes: Lanes) -> None:
    course, profile = _course(tmp_path), LocalProfile(tmp_path / "p")
    dialog = _quiz_dialog(qtbot, course, lanes, profile)
    assert dialog.heading.text() == "Quiz: 第一课"
    assert dialog.subheading.text() == "Attempt 1 of 2 · Pass mark 60% · Questions: 3"
    assert dialog.paper is not None and dialog.paper.status.text() == "Answered 0 of 3"
    # the digit keys pick the choice with that number on the page
    first = dialog.paper.views[0]
    qtbot.keyClick(first, Qt.Key.Key_1)
    assert first.buttons[0].isChecked()
    first.buttons[0].click() if first.question.kind == "multiple" else first.set_answer(None)
    _answer(dialog, qtbot, right=True)
    assert dialog.paper.status.text() == "Answered 3 of 3"
    with qtbot.waitSignal(dialog.submitted, timeout=10000) as done:
        dialog.paper.submit_button.click()  # every question answered: no question asked
    outcome = done.args[0]
    assert outcome.grade.passed and outcome.grade.score == outcome.grade.max_score == 3
    view = dialog.result_view
    assert view.verdict.text() == "Passed"
    assert view.score.text() == "Your score: 3 of 3 (100%). The pass mark is 60%."
    assert view.mistakes_title.text() == "Every answer is right." and not view.retake_button.isVisible()
    (record,) = _records(profile)
    body = AttemptBody.from_dict(record.body)
    assert (record.type, record.course_id, record.lesson_id, record.v) == ("quiz", "c-test", "l1", V2)
    assert body.quiz_id == "l1" and body.attempt == 1 and body.passed and body.score == 3
    assert body.seed == dialog.sitting.paper.seed if dialog.sitting else False
    assert set(body.answers) == {"q1", "q2", "q3"}
    # the paper was signed when it was drawn, before it was shown
    assert _papers(profile) == [PaperDrawn("l1", 1, 1, body.seed)]


def test_unanswered_questions_ask_first_then_mistakes_and_attempts_run_out(tmp_path: Path, qtbot,
                                                                          lanes: Lanes) -> None:
    course, profile = _course(tmp_path), LocalProfile(tmp_path / "p")
    dialog = _quiz_dialog(qtbot, course, lanes, profile)
    assert dialog.paper is not None
    skipped = dialog.paper.views[1].question.id
    _answer(dialog, qtbot, right=False, skip={skipped})
    dialog.paper.submit_button.click()
    box = dialog.paper.confirm_box
    assert box is not None and "Not answered yet: question 2." in box.text()
    box.button(QMessageBox.StandardButton.No).click()  # go back: the unanswered question shows
    assert dialog.paper.current == 1 and dialog.outcome is None
    dialog.paper.submit_button.click()
    box = dialog.paper.confirm_box
    assert box is not None
    with qtbot.waitSignal(dialog.submitted, timeout=10000):
        box.button(QMessageBox.StandardButton.Yes).click()
    view = dialog.result_view
    assert view.verdict.text() == "Not passed" and view.attempts.text() == "Attempts left: 1"
    assert view.revealed and view.mistakes_title.text() == "Your mistakes" and len(view.mistake_labels) == 3
    unanswered = next(label.text() for label in view.mistake_labels if label.text().startswith("2. "))
    assert "Your answer: (no answer)" in unanswered and "Right answer: " in unanswered
    q1 = next(label.text() for label in view.mistake_labels if "理论学习最重要" in label.text())
    q1_view = next(v for v in dialog.paper.views if v.question.id == "q1")
    assert q1.endswith(f"Right answer: {'ABC'[q1_view.order.index(0)]}. 联系实际")  # as this paper showed it
    first_seed = dialog.sitting.paper.seed if dialog.sitting else None
    # the second and last attempt: a new paper, then no attempt is left
    with qtbot.waitSignal(dialog.sitting_ready, timeout=10000):
        view.retake_button.click()
    assert dialog.subheading.text().startswith("Attempt 2 of 2")
    assert dialog.sitting is not None and dialog.sitting.paper.seed != first_seed
    _answer(dialog, qtbot, right=False)
    with qtbot.waitSignal(dialog.submitted, timeout=10000):
        dialog.paper.submit_button.click()
    assert view.attempts.text() == "No attempts left." and not view.retake_button.isVisible()
    records = _records(profile)
    assert [AttemptBody.from_dict(r.body).attempt for r in records] == [1, 2]
    assert [AttemptBody.from_dict(r.body).passed for r in records] == [False, False]
    assert [(p.attempt, p.seed) for p in _papers(profile)] == [(1, first_seed), (2, dialog.sitting.paper.seed)]
    # opened again: it says so and draws nothing
    again = QuizDialog("c-test", "l1", store=course.store, lanes=lanes, session=profile)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.failed, timeout=10000):
        again.show()
    assert "used every attempt" in again.message.text() and again.paper is None
    assert len(_records(profile)) == 2 and len(_papers(profile)) == 2


def test_a_quiz_that_never_reveals_keeps_the_right_answers(tmp_path: Path, qtbot, lanes: Lanes) -> None:
    course = install_course(tmp_path, "c-test", [LessonSpec("l1", "第一课", b"v1", 60.0)],
                            quizzes=(quiz("l1", reveal=REVEAL_NEVER),))
    profile = LocalProfile(tmp_path / "p")
    dialog = _quiz_dialog(qtbot, course, lanes, profile)
    _answer(dialog, qtbot, right=False)
    with qtbot.waitSignal(dialog.submitted, timeout=10000):
        dialog.paper.submit_button.click()  # type: ignore[union-attr]
    view = dialog.result_view
    assert not view.revealed and view.mistake_labels == []
    assert view.mistakes_title.text() == "Answers not right: 3"


def _exam_window(qtbot, course: InstalledCourse, lanes: Lanes, profile: LocalProfile, *,
                 closed_by_test: bool = False) -> ExamWindow:
    window = ExamWindow("c-test", store=course.store, lanes=lanes, session=profile)
    if not closed_by_test:  # a window the test closes deletes itself
        qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.info is not None, timeout=10000)
    return window


def test_the_exam_asks_first_counts_down_and_submits_itself_when_time_is_up(tmp_path: Path, qtbot,
                                                                           lanes: Lanes) -> None:
    course, profile = _course(tmp_path, time_limit_s=3), LocalProfile(tmp_path / "p")
    window = _exam_window(qtbot, course, lanes, profile)
    assert window.pages.currentWidget() is window.intro
    assert window.subheading.text() == "Questions: 4 · Pass mark 60% · Time allowed: 1 min"
    assert window.intro_text.text() == "Ready to start? Attempts left: 2"
    assert "time while the exam is closed does not count" in window.rules_text.text()
    with qtbot.waitSignal(window.sitting_ready, timeout=10000):
        window.start_button.click()
    assert window.countdown.isVisible() and window.countdown.text() in ("Time left 00:03", "Time left 00:02")
    _answer(window, qtbot, right=True, skip={window.paper.views[0].question.id} if window.paper else set())
    with qtbot.waitSignal(window.submitted, timeout=10000) as done:
        pass  # nobody submits: the time runs out
    assert window.timed_out and done.args[0].grade.score < done.args[0].grade.max_score
    assert "submitted automatically" in window.result_view.note.text()
    assert "the server's grade counts" in window.result_view.note.text()
    (record,) = _records(profile)
    body = AttemptBody.from_dict(record.body)
    assert record.type == "exam" and record.lesson_id is None and body.quiz_id == "exam"
    assert body.elapsed_ms == 3000 and len(body.answers) == 3


def test_an_exam_closed_midway_goes_on_with_its_paper_answers_and_time_left(tmp_path: Path, qtbot,
                                                                             lanes: Lanes) -> None:
    course, profile = _course(tmp_path, time_limit_s=600), LocalProfile(tmp_path / "p")
    window = _exam_window(qtbot, course, lanes, profile, closed_by_test=True)
    with qtbot.waitSignal(window.sitting_ready, timeout=10000):
        window.start_button.click()
    assert window.sitting is not None and window.paper is not None
    seed, first = window.sitting.paper.seed, window.paper.views[0]
    qtbot.wait(1200)
    with qtbot.waitSignal(window.saved, timeout=10000):
        first.lines[0].setText("3") if first.lines else first.buttons[0].click()
    first_id, first_answer = first.question.id, first.answer()
    window.close()  # mid-exam: it asks first, and "Keep answering" keeps it open
    box = window.close_box
    assert box is not None and window.isVisible()
    assert box.text() == "Close the exam now? Your answers are not submitted."
    assert box.informativeText().startswith(
        "Your answers so far are saved. The clock pauses while this window is closed: the time away does not count.")
    assert "the 09:5" in box.informativeText() and "Closing does not use another attempt." in box.informativeText()
    stay = box.defaultButton()
    assert stay is not None and stay.text() == "Keep answering"
    stay.click()
    qtbot.waitUntil(lambda: window.close_box is None, timeout=5000)
    assert window.isVisible() and window.attempt is not None and window.clock is not None and window.clock.running
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # Escape asks too; this time the learner closes
    box = window.close_box
    assert box is not None
    next(b for b in box.buttons() if b.text() == "Close, continue later").click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: not lanes.busy, timeout=10000)
    conn = profile.db()
    try:
        stored = open_attempt(conn, "c-test", "exam")
    finally:
        conn.close()
    assert stored is not None and stored.seed == seed and 1000 <= stored.used_ms < 10_000
    assert stored.answers == {first_id: first_answer}

    again = _exam_window(qtbot, course, lanes, profile)
    assert again.start_button.text() == "Continue the exam"
    assert again.intro_text.text().startswith("Your exam was interrupted.")
    with qtbot.waitSignal(again.sitting_ready, timeout=10000):
        again.start_button.click()
    assert again.sitting is not None and again.paper is not None
    assert again.sitting.paper.seed == seed and again.sitting.attempt.resumes == 1
    assert again.paper.views[0].answer() == first_answer
    assert again.clock is not None and again.clock.remaining_s is not None
    assert 590 <= again.clock.remaining_s <= 600 - stored.used_ms / 1000


def test_the_course_page_opens_the_quiz_and_unlocks_the_exam_once_lessons_and_quizzes_are_done(
        tmp_path: Path, qtbot, lanes: Lanes) -> None:
    from client.windows.course_page import CoursePage
    from sync.records.progress import LessonProgress, save_checkpoint

    course = install_course(tmp_path, "c-test", [LessonSpec("l1", "第一课", b"v1", 60.0),
                                                 LessonSpec("l2", "第二课", b"v2", 60.0)],
                            quizzes=(quiz("l1"),), exam=exam())
    profile = LocalProfile(tmp_path / "p")
    opened: list[tuple[str, str]] = []
    page = CoursePage("c-test", store=course.store, lanes=lanes, session=profile,
                      open_assessment=lambda c, name: opened.append((c, name)))
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    assert page.assessment_status["quiz:l1"].text() == "Not done yet"
    assert page.assessment_buttons["quiz:l1"].text() == "Take the quiz"
    assert page.assessment_buttons["quiz:l1"].isEnabled()
    exam_button = page.assessment_buttons["exam"]
    assert exam_button.text() == "Start the exam" and not exam_button.isEnabled()
    assert page.exam_locked_note is not None and page.exam_locked_note.text() == (
        "The final exam opens once you finish watching: 第一课、第二课; and pass the quiz after: 第一课.")
    page.assessment_buttons["quiz:l1"].click()
    assert opened == [("c-test", "l1")]

    # both lessons watched to the end, the quiz failed once: the exam still waits for the quiz
    outbox = profile.outbox()
    for lesson in ("l1", "l2"):
        save_checkpoint(outbox, "c-test", lesson, {"segments": [[0, 60]]},
                        LessonProgress(position_s=60, covered_segments=[(0, 60)], covered_s=60, duration_s=60,
                                       completed=True))
    outbox.conn.close()
    dialog = _quiz_dialog(qtbot, course, lanes, profile)
    _answer(dialog, qtbot, right=False)
    with qtbot.waitSignal(dialog.submitted, timeout=10000):
        dialog.paper.submit_button.click()  # type: ignore[union-attr]
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.refresh()
    assert page.assessment_status["quiz:l1"].text() == "Not passed yet · Attempts left: 1"
    assert page.assessment_buttons["quiz:l1"].text() == "Take it again"
    assert page.exam_locked_note is not None and page.exam_locked_note.text() == (
        "The final exam opens once you pass the quiz after: 第一课.")
    with qtbot.waitSignal(dialog.sitting_ready, timeout=10000):
        dialog.result_view.retake_button.click()
    _answer(dialog, qtbot, right=True)
    with qtbot.waitSignal(dialog.submitted, timeout=10000):
        dialog.paper.submit_button.click()  # type: ignore[union-attr]
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.refresh()
    assert page.assessment_status["quiz:l1"].text() == "Passed"
    assert page.exam_locked_note is None and page.assessment_buttons["exam"].isEnabled()
    page.assessment_buttons["exam"].click()
    assert opened[-1] == ("c-test", "exam")


def test_the_quiz_after_a_completed_lesson_is_offered_until_passed_or_out_of_attempts(tmp_path: Path, qtbot,
                                                                                      lanes: Lanes) -> None:
    from client.workers.assessments import AttemptHolder, quiz_after_lesson

    course = install_course(tmp_path, "c-test", [LessonSpec("l1", "第一课", b"v1", 60.0),
                                                 LessonSpec("l2", "第二课", b"v2", 60.0)], quizzes=(quiz("l1"),))
    profile = LocalProfile(tmp_path / "p")

    def offered(lesson: str) -> str | None:
        holder = AttemptHolder(profile)
        try:
            return quiz_after_lesson(course.store, holder, "c-test", lesson)
        finally:
            holder.close()

    assert offered("l1") == "l1" and offered("l2") is None
    dialog = _quiz_dialog(qtbot, course, lanes, profile)
    _answer(dialog, qtbot, right=True)
    with qtbot.waitSignal(dialog.submitted, timeout=10000):
        dialog.paper.submit_button.click()  # type: ignore[union-attr]
    assert offered("l1") is None  # passed: it does not open again by itself


def test_the_course_page_says_when_the_servers_grade_differs_and_lets_it_stand(tmp_path: Path, qtbot,
                                                                              lanes: Lanes) -> None:
    from client.windows.course_page import CoursePage
    from sync.records.attempts import store_server_grades
    from sync.records.outbox import Delivery

    course, profile = _course(tmp_path), LocalProfile(tmp_path / "p")
    window = _exam_window(qtbot, course, lanes, profile)
    with qtbot.waitSignal(window.sitting_ready, timeout=10000):
        window.start_button.click()
    _answer(window, qtbot, right=True)
    with qtbot.waitSignal(window.submitted, timeout=10000) as done:
        window.paper.submit_button.click()  # type: ignore[union-attr]
    record = done.args[0].record
    assert record.body["passed"] is True and record.body["score"] == 4
    page = CoursePage("c-test", store=course.store, lanes=lanes, session=profile, open_assessment=lambda *_: None)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    assert page.assessment_status["exam"].text() == "Passed" and "exam" not in page.server_grade_notes

    # synced: the server acknowledged the record and graded it lower (its transcript's entry for it)
    outbox = profile.outbox()
    try:
        outbox.mark([Delivery(record.id, "acked")])
        store_server_grades(outbox.conn, {"courses": [{"course_id": "c-test", "exams": [
            {"record_id": record.id, "graded": True, "score": 1, "max_score": 4, "passed": False}]}]})
    finally:
        outbox.conn.close()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.refresh()
    assert page.assessment_status["exam"].text() == "Not passed yet · Attempts left: 1"
    assert page.server_grade_notes["exam"].text() == (
        "The server graded your last attempt 1 of 4, not passed. The score worked out on this PC was 4 of 4; "
        "the server's grade counts.")
    assert page.assessment_buttons["exam"].text() == "Take the exam again"


def test_a_quiz_with_a_time_limit_counts_down_and_submits_itself(tmp_path: Path, qtbot, lanes: Lanes) -> None:
    course = install_course(tmp_path, "c-test", [LessonSpec("l1", "第一课", b"v1", 60.0)],
                            quizzes=(quiz("l1", time_limit_s=2),), exam=exam())
    profile = LocalProfile(tmp_path / "p")
    dialog = _quiz_dialog(qtbot, course, lanes, profile)
    assert dialog.subheading.text() == "Attempt 1 of 2 · Pass mark 60% · Questions: 3 · Time allowed: 1 min"
    assert dialog.countdown.isVisible() and dialog.countdown.text() in ("Time left 00:02", "Time left 00:01")
    _answer(dialog, qtbot, right=True)
    with qtbot.waitSignal(dialog.submitted, timeout=10000) as done:
        pass  # nobody submits: the time runs out
    assert dialog.timed_out and done.args[0].grade.passed
    assert dialog.result_view.note.text() == "The time was up: your answers were submitted automatically."
    (record,) = _records(profile)
    assert AttemptBody.from_dict(record.body).elapsed_ms == 2000


def test_an_untimed_quiz_closed_midway_asks_and_keeps_its_answers(tmp_path: Path, qtbot, lanes: Lanes) -> None:
    course, profile = _course(tmp_path), LocalProfile(tmp_path / "p")
    dialog = QuizDialog("c-test", "l1", store=course.store, lanes=lanes, session=profile)
    with qtbot.waitSignal(dialog.sitting_ready, timeout=10000):
        dialog.show()
    assert not dialog.countdown.isVisible()
    dialog.close()
    box = dialog.close_box
    assert box is not None and box.text() == "Close the quiz now? Your answers are not submitted."
    assert box.informativeText() == ("Your answers so far are saved. When you open it again, it continues with the "
                                     "same questions and your answers. Closing does not use another attempt.")
    next(b for b in box.buttons() if b.text() == "Close, continue later").click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: not lanes.busy, timeout=10000)
    assert _records(profile) == [] and len(_papers(profile)) == 1
