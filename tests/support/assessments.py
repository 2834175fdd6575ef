"""Sealed quizzes and exams for the app's tests: built and sealed by the assessment model, the
way the publisher seals them (a cheap scrypt cost keeps fill-in grading fast), with their right
answers kept here so that a test can answer right or wrong on purpose."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sync.protocol.assessment import (
    EXAM,
    EXAM_ID,
    FILL,
    MIN_COST,
    MULTIPLE,
    QUIZ,
    REVEAL_ALWAYS,
    SINGLE,
    TRUE_FALSE,
    AnswerKey,
    Assessment,
    Question,
    attempt_body,
    draw_paper,
    seal,
)

SALT = bytes(range(32))

QUIZ_QUESTIONS = (
    Question("q1", SINGLE, "理论学习最重要的是什么？", ("联系实际", "死记硬背", "应付检查")),
    Question("q2", TRUE_FALSE, "理论学习只需要在集中培训时进行。"),
    Question("q3", MULTIPLE, "以下哪些是基层工作的好方法？", ("深入调查研究", "密切联系群众", "脱离实际空谈")),
)
QUIZ_RIGHT: dict[str, Any] = {"q1": 0, "q2": False, "q3": [0, 1]}

EXAM_QUESTIONS = (
    Question("e1", SINGLE, "本课程倍速播放最高允许多少？", ("1.0 倍", "1.5 倍", "2.0 倍")),
    Question("e2", TRUE_FALSE, "学时以实际观看的视频时长为准，快进跳过的部分不计入。"),
    Question("e3", FILL, "本课程共有____节视频课。", blanks=1),
    Question("e4", SINGLE, "学习记录在断网时保存在哪里？", ("本机", "不保存", "别人的电脑")),
)
EXAM_RIGHT: dict[str, Any] = {"e1": 1, "e2": True, "e3": [["3", "三"]], "e4": 0}


def quiz(lesson: str = "l1", **changes: Any) -> Assessment:
    """A sealed three-question quiz after ``lesson`` (right answers: ``QUIZ_RIGHT``)."""
    draft = Assessment(QUIZ, lesson, "随堂测验", QUIZ_QUESTIONS, lesson=lesson, attempts=2, reveal=REVEAL_ALWAYS,
                       cost=MIN_COST)
    return seal(replace(draft, **changes), QUIZ_RIGHT, SALT, cost=MIN_COST)


def exam(**changes: Any) -> Assessment:
    """A sealed four-question exam, 30 minutes unless changed (right answers: ``EXAM_RIGHT``)."""
    draft = Assessment(EXAM, EXAM_ID, "结业考试", EXAM_QUESTIONS, attempts=2, time_limit_s=1800, cost=MIN_COST)
    return seal(replace(draft, **changes), EXAM_RIGHT, SALT, cost=MIN_COST)


def right_answer(question_id: str) -> Any:
    """The answer a learner gives to be right (a fill-in: its first accepted text per blank)."""
    right = {**QUIZ_RIGHT, **EXAM_RIGHT}[question_id]
    if isinstance(right, list) and right and isinstance(right[0], list):
        return [texts[0] for texts in right]
    return right


def right_attempt(assessment: Assessment, key: AnswerKey, version: int, seed: int = 1) -> dict[str, Any]:
    """The record body of an attempt at a published ``assessment`` answered right from its clear
    ``key`` (the server's), as the app writes it."""
    paper = draw_paper(assessment, seed)
    answers: dict[str, Any] = {}
    for qid in paper.question_ids():
        right = key.for_assessment(assessment)[qid]
        if isinstance(right, tuple) and right and isinstance(right[0], tuple):
            answers[qid] = [texts[0] for texts in right]  # a fill-in: the first accepted text of each blank
        else:
            answers[qid] = list(right) if isinstance(right, tuple) else right
    body, _ = attempt_body(assessment, version, paper, answers, attempt=1, started_at="2026-03-01T08:00:00.000Z",
                           submitted_at="2026-03-01T08:02:00.000Z", elapsed_ms=60_000)
    return body.to_dict()
