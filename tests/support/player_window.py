"""The player window's tests against the real engines: a real clip (``video``), the course
"c-player" installed with it (a lesson to play, one not downloaded, one damaged), a real profile
database and lanes (``env``), a window opened on a lesson and what it saved.

A test module imports the fixtures ``env`` and ``video`` as ``env_fixture`` and ``video_fixture`` (the
names its test functions do not take as arguments), with the helpers it calls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6

from client.tasks import Lanes
from client.windows.player_window import PlayerWindow
from player.policy import PlayerPolicy
from tests.support.lesson_env import InstalledCourse, LessonSpec, LocalProfile, install_course
from tests.support.media import MediaFactory


@pytest.fixture(scope="module", name="video")
def video_fixture(media: MediaFactory) -> bytes:
    return media.clip(8.0, "320x180").read_bytes()  # a real H.264/AAC clip, made once per session


def player_course(root: Path, video: bytes, policy: PlayerPolicy) -> InstalledCourse:
    return install_course(root, "c-player", [
        LessonSpec("l1", "第一课 新时代新征程", video, 8.0),
        LessonSpec("l2", "第二课 没有下载", video[:1000] + b"x", 8.0, present=False),
        LessonSpec("l3", "第三课 文件损坏", bytes(range(256)) * 400, 8.0),
    ], policy=policy)


@pytest.fixture(name="env")
def env_fixture(tmp_path: Path, qtbot: Any, video: bytes) -> Iterator[dict[str, Any]]:
    lanes = Lanes()
    state: dict[str, Any] = {"lanes": lanes, "profile": LocalProfile(tmp_path / "profile"), "root": tmp_path,
                             "video": video, "windows": []}
    yield state
    for window in state["windows"]:
        if shiboken6.isValid(window):  # a closed window deletes itself once its last save is done
            window.close()
    qtbot.waitUntil(lambda: not lanes.busy, timeout=15000)


def open_window(env: dict[str, Any], qtbot: Any, lesson: str = "l1", policy: PlayerPolicy | None = None,
                checkpoint_s: float = 1.0) -> PlayerWindow:
    if "course" not in env or policy is not None:
        env["course"] = player_course(env["root"] / f"c{len(env['windows'])}", env["video"], policy or PlayerPolicy())
    window = PlayerWindow("c-player", lesson, store=env["course"].store, lanes=env["lanes"],
                          session=env["profile"], checkpoint_interval_s=checkpoint_s)
    env["windows"].append(window)
    window.show()
    return window


def saved(env: dict[str, Any], lesson: str = "l1") -> tuple[Any, list[Any]]:
    """The lesson's progress row in the profile database and every outbox record, oldest first."""
    from sync.records.progress import load_progress

    conn = env["profile"].db()
    try:
        progress = load_progress(conn, "c-player").get(lesson)
        records = conn.execute("SELECT type, lesson_id, body FROM outbox_records ORDER BY seq").fetchall()
    finally:
        conn.close()
    return progress, records
