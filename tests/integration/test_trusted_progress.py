"""The local progress row is not a trust anchor: coverage for the seek limit comes from the signed
records in a real profile database; edits of the row, of its pending delta or of the records
themselves (the append-only triggers dropped) unlock nothing beyond what one span can add."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from player.intervals import IntervalSet
from sync.account.profile_db import open_profile_db
from sync.protocol.keys import PrivateKey
from sync.protocol.records import DeviceSigner
from sync.records.outbox import Outbox
from sync.records.progress import (
    PENDING_REACH_S,
    PENDING_SLACK_S,
    LessonProgress,
    clip_pending,
    save_checkpoint,
    save_progress,
    sign_pending,
    trusted_progress,
)

COURSE, LESSON = "c1", "l1"
RATE = 1.5
SPAN_REACH = PENDING_REACH_S * RATE + PENDING_SLACK_S


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    conn = open_profile_db(tmp_path)
    box = Outbox(conn, DeviceSigner("dev-1", "user-1", PrivateKey.generate()))
    yield box
    conn.close()


def _watched(outbox: Outbox, start: float, end: float) -> None:
    body = {"segments": [[start, end]], "position_s": end, "elapsed_mono_s": end - start, "study_s": end - start}
    save_checkpoint(outbox, COURSE, LESSON, body, LessonProgress(end, [(0, end)], end, 3600, end), version=1)


def test_a_row_claiming_the_whole_lesson_changes_nothing(outbox: Outbox) -> None:
    _watched(outbox, 0, 60)
    outbox.conn.execute("UPDATE lesson_progress SET covered_segments = '[[0, 3600]]', covered_s = 3600, "
                        "position_s = 3500, completed = 1")
    trusted = trusted_progress(outbox, COURSE, LESSON, max_rate=RATE)
    assert trusted is not None and trusted.covered_segments == [(0, 60)] and trusted.covered_s == 60
    assert trusted.position_s == 3500  # the caller clips it to the coverage when seeking ahead is forbidden


def test_an_honest_pending_delta_counts_and_is_signed_after_a_crash(outbox: Outbox) -> None:
    _watched(outbox, 0, 60)
    save_progress(outbox.conn, COURSE, LESSON, {"segments": [[60, 100]], "study_s": 40, "elapsed_mono_s": 40},
                  LessonProgress(100, [(0, 100)], 100, 3600, 100), version=1)
    trusted = trusted_progress(outbox, COURSE, LESSON, max_rate=RATE)
    assert trusted is not None and trusted.covered_segments == [(0, 100)]
    [record] = sign_pending(outbox, lambda _c, _l: RATE)
    assert record.v == 2 and record.body["segments_ms"] == [[60000, 100000]] and record.body["version"] == 1
    assert outbox.conn.execute("SELECT pending FROM lesson_progress").fetchone()[0] is None
    assert sign_pending(outbox, lambda _c, _l: RATE) == []  # signed once
    assert trusted_progress(outbox, COURSE, LESSON, max_rate=RATE).covered_segments == [(0, 100)]  # type: ignore[union-attr]


def test_a_forged_pending_delta_adds_at_most_one_span_and_is_signed_clipped(outbox: Outbox) -> None:
    _watched(outbox, 0, 60)
    forged = {"segments": [[0, 3600]], "study_s": 3600, "elapsed_mono_s": 3600}
    save_progress(outbox.conn, COURSE, LESSON, forged, LessonProgress(3600, [(0, 3600)], 3600, 3600, 3600))
    trusted = trusted_progress(outbox, COURSE, LESSON, max_rate=RATE)
    assert trusted is not None and trusted.covered_s == pytest.approx(SPAN_REACH)
    [record] = sign_pending(outbox, lambda _c, _l: RATE)
    assert record.body["segments_ms"] == [[0, round(SPAN_REACH * 1000)]]
    # a course this PC does not have: the delta waits rather than being signed unbounded
    save_progress(outbox.conn, "c-gone", LESSON, forged, LessonProgress(1, [], 0, 3600, 0))
    assert sign_pending(outbox, lambda c, _l: None if c == "c-gone" else RATE) == []
    assert outbox.conn.execute("SELECT COUNT(*) FROM lesson_progress WHERE pending IS NOT NULL").fetchone()[0] == 1


def test_an_unreadable_pending_delta_is_dropped(outbox: Outbox) -> None:
    _watched(outbox, 0, 60)
    outbox.conn.execute("UPDATE lesson_progress SET pending = '{\"segments\": [[\"a\", 1]]}'")
    assert trusted_progress(outbox, COURSE, LESSON, max_rate=RATE).covered_segments == [(0, 60)]  # type: ignore[union-attr]
    assert sign_pending(outbox, lambda _c, _l: RATE) == []
    assert outbox.conn.execute("SELECT pending FROM lesson_progress").fetchone()[0] is None


def test_an_edited_record_counts_for_nothing(outbox: Outbox) -> None:
    _watched(outbox, 0, 60)
    _watched(outbox, 60, 120)
    outbox.conn.execute("DROP TRIGGER outbox_records_no_update")
    body = json.loads(outbox.conn.execute("SELECT body FROM outbox_records WHERE seq = 2").fetchone()[0])
    body["segments_ms"] = [[60000, 3600000]]
    outbox.conn.execute("UPDATE outbox_records SET body = ? WHERE seq = 2", (json.dumps(body),))
    trusted = trusted_progress(outbox, COURSE, LESSON, max_rate=RATE)
    assert trusted is not None and trusted.covered_segments == [(0, 60)]


def test_another_persons_or_lessons_records_do_not_count(outbox: Outbox) -> None:
    _watched(outbox, 0, 60)
    other = Outbox(outbox.conn, DeviceSigner("dev-2", "user-2", PrivateKey.generate()))
    other.append("watch", COURSE, LESSON, {"segments_ms": [[0, 3600000]]}, v=2)
    outbox.append("watch", COURSE, "l2", {"segments_ms": [[0, 3600000]]}, v=2)
    assert trusted_progress(outbox, COURSE, LESSON, max_rate=RATE).covered_segments == [(0, 60)]  # type: ignore[union-attr]
    assert trusted_progress(outbox, COURSE, "l9", max_rate=RATE) is None


def test_clip_pending_bounds_reach_and_length() -> None:
    signed = IntervalSet([(0, 100)])
    assert clip_pending(signed, [[90, 130]], 1.0) == [(90, 130)]
    reach = PENDING_REACH_S + PENDING_SLACK_S
    assert clip_pending(signed, [[500, 600]], 1.0) == []
    assert clip_pending(signed, [[100, 1000]], 1.0) == [(100, 100 + reach)]
    assert clip_pending(IntervalSet(), [[0, 50], [60, 200]], 1.0) == [(0, 50), (60, reach)]
    assert clip_pending(signed, [[0, 50], [60, 200]], 1.0) == [(0, 50), (60, 60 + reach - 50)]
