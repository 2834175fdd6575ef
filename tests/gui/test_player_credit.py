"""The player window and where its credit comes from, against the real engines (headless VLC playing a
real clip, a real profile database): one window earns credit per person, and an edited progress row
unlocks no seeking ahead."""

from __future__ import annotations

import json

import pytest

from tests.support.player_window import env_fixture, open_window, saved, video_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def test_an_edited_progress_row_unlocks_no_seeking_ahead(env: dict, qtbot) -> None:
    window = open_window(env, qtbot)
    qtbot.waitUntil(lambda: window.bridge.accounting is not None and window.bridge.accounting.covered_s >= 1.5,
                    timeout=15000)
    window.close()  # the span closes into a signed record
    qtbot.waitUntil(lambda: not env["lanes"].busy, timeout=10000)
    _, records = saved(env)
    signed_end = max(e for r in records for _, e in json.loads(r["body"])["segments_ms"]) / 1000
    assert 1.5 <= signed_end < 5.0
    conn = env["profile"].db()
    try:  # someone edits the database: the whole lesson watched, resume near the end
        conn.execute("UPDATE lesson_progress SET covered_segments = '[[0, 8]]', covered_s = 8, position_s = 7.5,"
                     " completed = 1")
    finally:
        conn.close()

    again = open_window(env, qtbot)
    qtbot.waitUntil(lambda: again.bridge.accounting is not None, timeout=15000)
    acc = again.bridge.accounting
    assert acc.covered_s == pytest.approx(signed_end, abs=1e-3)
    assert acc.position_s <= signed_end + 1e-3  # resumes within what the records show
    qtbot.waitUntil(lambda: again.bridge.state == "playing", timeout=15000)
    with qtbot.waitSignal(again.controls.seek_slider.refused, timeout=2000):
        assert not again.controls.seek_slider.request_seek(7000)
    assert again.bridge.backend.position_s() < 6.0


def test_a_second_window_of_the_same_person_plays_without_credit_and_says_why(env: dict, qtbot) -> None:
    first = open_window(env, qtbot)
    qtbot.waitUntil(lambda: first.bridge.accounting is not None and first.bridge.accounting.covered_s >= 1.5,
                    timeout=15000)
    assert first.load.earns_credit
    second = open_window(env, qtbot)
    qtbot.waitUntil(lambda: second.bridge.accounting is not None and second.bridge.state == "playing",
                    timeout=15000)
    assert not second.load.earns_credit and not second.bridge.accounting.earns_credit
    assert "earns no credit" in second.controls.message_label.text()
    before, start = second.bridge.accounting.covered_s, second.bridge.backend.position_s()
    qtbot.waitUntil(lambda: second.bridge.backend.position_s() >= start + 1.5, timeout=15000)
    second.bridge.tick()
    assert second.bridge.accounting.covered_s == before  # it plays, but counts nothing
    second.close()
    first.close()
    qtbot.waitUntil(lambda: not env["lanes"].busy, timeout=10000)
    _, records = saved(env)
    assert records  # the first window's span, signed
    conn = env["profile"].db()
    try:
        devices = {row[0] for row in conn.execute("SELECT device_id FROM outbox_records")}
    finally:
        conn.close()
    assert devices == {env["profile"].signer.device_id}
    # once both closed, the lock is free: the next window earns credit again
    third = open_window(env, qtbot)
    qtbot.waitUntil(lambda: third.load is not None and third.bridge.accounting is not None, timeout=15000)
    assert third.load.earns_credit
