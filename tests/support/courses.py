"""Course sources and published repositories for the package tests (real files, real publish code)."""

from __future__ import annotations

import shutil
import zipfile
import zlib
from pathlib import Path
from typing import Any

from server.config import ServerConfig
from server.publish import PublishResult, publish
from server.publisher_keys import ensure_key, load_private
from sync.account.auth import UserSession
from sync.protocol.assessment import Assessment, attempt_body, draw_paper
from sync.protocol.keys import PublicKey
from sync.protocol.manifest import Manifest
from sync.protocol.records import V2
from tests.support.watch import Timeline


def write_course_source(folder: Path, course_id: str, lessons: list[bytes], documents: list[bytes] | None = None,
                        title: str = "测试课程", version: int | str = "auto", assessments: str = "") -> Path:
    """A course folder: course.toml plus one file per lesson/document with the given bytes; its
    lessons are ``lesson-1``, ``lesson-2``, …; ``assessments`` is course.toml text for its
    ``[[quizzes]]`` and ``[exam]`` (``QUIZ_AND_EXAM`` is one of each, every question kind)."""
    folder.mkdir(parents=True, exist_ok=True)
    version_line = f"version = {version}" if isinstance(version, int) else f'version = "{version}"'
    lines = [f'id = "{course_id}"', version_line, f'title = "{title}"',
             'category = "测试"', "credit_hours = 1.0", "[policy]", "max_rate = 1.5"]
    for i, data in enumerate(lessons, start=1):
        (folder / f"lesson{i}.mp4").write_bytes(data)
        lines += ["[[lessons]]", f'id = "lesson-{i}"', f'file = "lesson{i}.mp4"', f'title = "第{i}课"',
                  "duration_s = 10.0"]
    for i, data in enumerate(documents or [], start=1):
        (folder / f"doc{i}.pdf").write_bytes(data)
        lines += ["[[documents]]", f'id = "doc-{i}"', f'file = "doc{i}.pdf"', f'title = "资料{i}"']
    (folder / "course.toml").write_text("\n".join(lines) + "\n" + assessments, encoding="utf-8")
    return folder


QUIZ_AND_EXAM = """
[[quizzes]]
lesson = "lesson-1"
attempts = 3
cost = 10
[[quizzes.questions]]
kind = "single"
text = "哪一项是正确的做法？"
options = ["应付检查", "联系实际", "照本宣科"]
answer = "B"
[[quizzes.questions]]
kind = "fill"
text = "遵义会议召开于____年，地点在____。"
answer = ["一九三五", ["贵州遵义", "遵义"]]
points = 2

[exam]
time_limit_min = 30
draw = 3
cost = 10
[[exam.questions]]
id = "e1"
kind = "multiple"
text = "以下哪些属于“四个意识”？"
options = ["政治意识", "大局意识", "享乐意识", "核心意识"]
answer = "ABD"
[[exam.questions]]
id = "e2"
kind = "true_false"
text = "学时以实际观看的时长为准。"
answer = true
[[exam.questions]]
id = "e3"
kind = "fill"
text = "实践是检验____的唯一标准。"
answer = "真理"
"""
"""One quiz (lesson-1) and an exam with every question kind, sealed at the lowest scrypt cost
(publishing and grading stay quick); the answers in clear are ``QUIZ_AND_EXAM_ANSWERS`` (the
fill-in ones appear nowhere else in the course)."""
QUIZ_AND_EXAM_ANSWERS = {"lesson-1": {"q1": 1, "q2": (("一九三五",), ("贵州遵义", "遵义"))},
                         "exam": {"e1": (0, 1, 3), "e2": True, "e3": (("真理",),)}}


def publish_source(server_data: Path, src: Path) -> PublishResult:
    """Publish with the server's own code into its data folder (creating the publisher key once)."""
    config = ServerConfig(server_data).ensure()
    ensure_key(config.keys_dir)
    return publish(src, config.repo_dir, load_private(config.keys_dir), config.answer_keys_dir)


def publish_lessons(server_data: Path, course_id: str, lessons: dict[str, float], max_rate: float = 1.5,
                    version: int | str = "auto") -> PublishResult:
    """Publish ``course_id`` with lessons of the given ids and durations (seconds) into a server's data folder."""
    src = server_data.parent / f"src-{course_id}-{version}"
    src.mkdir(parents=True, exist_ok=True)
    version_line = f"version = {version}" if isinstance(version, int) else f'version = "{version}"'
    lines = [f'id = "{course_id}"', version_line, 'title = "测试课程"', 'category = "测试"', "credit_hours = 1.0",
             "[policy]", f"max_rate = {max_rate}"]
    for i, (lesson_id, duration) in enumerate(lessons.items()):
        (src / f"{lesson_id}.mp4").write_bytes(random_bytes(256, zlib.crc32(f"{course_id}/{lesson_id}/{i}".encode())))
        lines += ["[[lessons]]", f'id = "{lesson_id}"', f'file = "{lesson_id}.mp4"', f'title = "{lesson_id}"',
                  f"duration_s = {float(duration)}"]
    (src / "course.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return publish_source(server_data, src)


def publisher_keys(server_data: Path) -> dict[str, PublicKey]:
    key = ensure_key(ServerConfig(server_data).ensure().keys_dir)
    return {key.key_id: key}


def random_bytes(n: int, seed: int) -> bytes:
    """Incompressible but reproducible bytes."""
    import random

    return random.Random(seed).randbytes(n)


def write_site(path: Path, server_url: str, keys: dict[str, PublicKey], repository: str | None = None) -> Path:
    pinned = ", ".join(f'"{k.to_text()}"' for k in keys.values())
    text = f'[server]\nurl = "{server_url}"\n\n[publisher]\nkeys = [{pinned}]\n'
    if repository:
        text += f'\n[repository]\nurl = "{repository}"\n'
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["QUIZ_AND_EXAM", "QUIZ_AND_EXAM_ANSWERS", "publish_lessons", "publish_source", "publisher_keys",
           "random_bytes", "write_course_source", "write_site"]


def course_zip(folder: Path, course_id: str, lessons: dict[str, bytes], title: str = "依法行政专题") -> Path:
    """A course source folder (course.toml and one file per lesson of 300 s) zipped as an admin uploads it."""
    src = folder / f"{course_id}-src"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    lines = [f'id = "{course_id}"', 'version = "auto"', f'title = "{title}"', 'category = "法治"', "credit_hours = 1.5"]
    for lesson_id, content in lessons.items():
        (src / f"{lesson_id}.mp4").write_bytes(content)
        lines += ["[[lessons]]", f'id = "{lesson_id}"', f'file = "{lesson_id}.mp4"', f'title = "第{lesson_id}讲"',
                  "duration_s = 300.0"]
    (src / "course.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    archive = folder / f"{course_id}.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(src.rglob("*")):
            z.write(path, f"{course_id}/{path.relative_to(src)}")
    return archive


def attempt_on_tested(a: Assessment, seed: int, right: bool, claim_full: bool = False) -> dict[str, Any]:
    """The record body of an attempt at one of QUIZ_AND_EXAM's assessments, every answer right or
    every answer wrong; ``claim_full`` adds the full score and "passed" a forged client would claim."""
    paper = draw_paper(a, seed)
    answers: dict[str, Any] = {}
    for qid in paper.question_ids():
        value: Any = QUIZ_AND_EXAM_ANSWERS[a.id][qid]
        if isinstance(value, tuple) and value and isinstance(value[0], tuple):
            answers[qid] = [texts[0] if right else "错" for texts in value]
        elif isinstance(value, bool):
            answers[qid] = value if right else not value
        elif isinstance(value, int):
            answers[qid] = value if right else (value + 1) % 3
        else:
            answers[qid] = list(value) if right else [2]
    body, _ = attempt_body(a, 1, paper, answers, attempt=1, started_at="2026-03-01T08:00:00.000Z",
                           submitted_at="2026-03-01T08:02:00.000Z", elapsed_ms=60_000)
    return {**body.to_dict(), **({"score": body.max_score, "passed": True} if claim_full else {})}


def study_tested(s: UserSession, manifest: Manifest, *, quiz_right: bool, claim_full: bool = False) -> None:
    """``s`` watches the tested course's first lesson for 10 s, takes its quiz (right or wrong, a forged
    full score claimed or not) and passes its exam, then syncs every record."""
    ob = s.outbox()
    ob.append("watch", "tested", "lesson-1", Timeline().body([[0.0, 10.0]], version=1), v=1)
    ob.append("quiz", "tested", "lesson-1", attempt_on_tested(manifest.quizzes[0], 7, quiz_right, claim_full), v=V2)
    assert manifest.exam is not None
    ob.append("exam", "tested", None, attempt_on_tested(manifest.exam, 8, True), v=V2)
    assert s.uploader().sync_once().errors == []
