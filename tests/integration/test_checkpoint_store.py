"""Checkpoints land in a real profile database: one watch record and the progress row together."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from player.accounting import WatchAccounting
from player.clock import FakeClock
from player.policy import PlayerPolicy
from sync.account.profile_db import open_profile_db
from sync.protocol.errors import FormatError
from sync.protocol.keys import PrivateKey
from sync.protocol.records import DeviceSigner, verify_chain
from sync.protocol.watch import seconds_view
from sync.records.outbox import Outbox
from sync.records.progress import LessonProgress, load_progress, save_checkpoint

COURSE, LESSON = "party-history", "lesson-1"


def _progress(acc: WatchAccounting) -> LessonProgress:
    return LessonProgress(position_s=acc.position_s, covered_segments=acc.segments(), covered_s=acc.covered_s,
                          duration_s=acc.duration_s, study_s=acc.study_s, completed=acc.completed)


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    conn = open_profile_db(tmp_path)
    box = Outbox(conn, DeviceSigner("dev-1", "user-1", PrivateKey.generate()))
    yield box
    conn.close()


def _play(acc: WatchAccounting, clock: FakeClock, start: float, seconds: float) -> None:
    acc.tick(start, True)
    for i in range(int(seconds * 4)):
        clock.advance(0.25)
        acc.tick(start + (i + 1) * 0.25, True)


def test_record_and_progress_saved_together_and_resumed(outbox: Outbox, tmp_path: Path) -> None:
    clock = FakeClock()
    acc = WatchAccounting(PlayerPolicy(completion_ratio=0.5), 20, clock)
    _play(acc, clock, 0, 6)
    cp = acc.checkpoint()
    assert cp is not None
    record = save_checkpoint(outbox, COURSE, LESSON, cp.to_body(), _progress(acc))
    assert record.type == "watch" and record.seq == 1 and record.v == 2
    assert seconds_view(record.body, record.v)["segments"] == [[0, 6]] and record.body["segments_ms"] == [[0, 6000]]
    _play(acc, clock, 6, 5)
    cp2 = acc.checkpoint()
    assert cp2 is not None
    save_checkpoint(outbox, COURSE, LESSON, cp2.to_body(), _progress(acc))

    conn = open_profile_db(tmp_path)  # a second connection sees both, as another process would
    try:
        saved = load_progress(conn, COURSE)[LESSON]
    finally:
        conn.close()
    assert saved.position_s == 11 and saved.covered_segments == [(0, 11)] and saved.covered_s == 11
    assert saved.study_s == 11 and saved.completed and saved.completed_at is not None
    verify_chain(outbox.records(), outbox.signer.key.public)  # type: ignore[attr-defined]

    resumed = WatchAccounting(PlayerPolicy(), saved.duration_s, clock, covered=saved.covered_segments,
                              position_s=saved.position_s, study_s=saved.study_s)
    assert resumed.position_s == 11 and resumed.covered_s == 11 and resumed.seek_limit_s == 11.5


def test_progress_never_goes_back(outbox: Outbox) -> None:
    body = {"segments": [[0, 10]], "position_s": 10}
    save_checkpoint(outbox, COURSE, LESSON, body, LessonProgress(10, [(0, 10)], 10, 60, 12, True))
    # A stale writer (say a second window opened earlier) saves less: coverage is merged, study
    # time and completion are kept; the position is the latest checkpoint's.
    save_checkpoint(outbox, COURSE, LESSON, {"segments": [[30, 35]]}, LessonProgress(35, [(30, 35)], 5, 60, 5, False))
    saved = load_progress(outbox.conn, COURSE)[LESSON]
    assert saved.covered_segments == [(0, 10), (30, 35)] and saved.covered_s == 15
    assert saved.study_s == 12 and saved.completed and saved.position_s == 35


@pytest.mark.parametrize(
    ("body", "progress"),
    [
        ({"segments": [[0, float("nan")]]}, LessonProgress(1.0)),
        ({"segments": [[0]]}, LessonProgress(1.0)),
        ({"segments": []}, LessonProgress(-1.0)),
        ({"segments": []}, LessonProgress(1.0, [(0, float("inf"))])),
        ({"segments": []}, LessonProgress(1.0, study_s=-3)),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(outbox: Outbox, body: dict, progress: LessonProgress) -> None:
    save_checkpoint(outbox, COURSE, LESSON, {"segments": [[0, 4]]}, LessonProgress(4, [(0, 4)], 4, 60, 4))
    with pytest.raises(FormatError):
        save_checkpoint(outbox, COURSE, LESSON, body, progress)
    assert outbox.count() == 1
    assert load_progress(outbox.conn, COURSE)[LESSON].position_s == 4


def test_a_failing_progress_update_rolls_back_the_record(outbox: Outbox) -> None:
    save_checkpoint(outbox, COURSE, LESSON, {"segments": [[0, 4]]}, LessonProgress(4, [(0, 4)], 4, 60, 4))
    # Make the progress update itself fail inside the transaction (a CHECK constraint the
    # Python-side checks do not cover): the record appended before it must vanish too.
    outbox.conn.execute("CREATE TRIGGER refuse BEFORE UPDATE ON lesson_progress BEGIN SELECT RAISE(ABORT, 'no'); END")
    with pytest.raises(sqlite3.IntegrityError):
        save_checkpoint(outbox, COURSE, LESSON, {"segments": [[4, 8]]}, LessonProgress(8, [(0, 8)], 8, 60, 8))
    assert outbox.count() == 1
    assert load_progress(outbox.conn, COURSE)[LESSON].position_s == 4
