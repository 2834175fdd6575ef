"""A lesson played by VLC is checkpointed into a real profile database, and a second session
resumes at the saved position and completes the lesson without counting anything twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from player.accounting import WatchAccounting
from player.errors import PlaybackError
from player.events import EventKind
from player.policy import PlayerPolicy
from sync.account.profile_db import open_profile_db
from sync.protocol.keys import PrivateKey
from sync.protocol.records import DeviceSigner
from sync.protocol.watch import seconds_view
from sync.records.outbox import Outbox
from sync.records.progress import LessonProgress, load_progress, save_checkpoint
from tests.support.media import MediaFactory

vlc_backend = pytest.importorskip("player.vlc_backend")
COURSE, LESSON = "village-governance", "lesson-2"
POLICY = PlayerPolicy(completion_ratio=0.95, seek_ahead=False)


pytestmark = pytest.mark.alone  # VLC's coarse clock under a loaded CPU skews the exact position checks

@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    conn = open_profile_db(tmp_path / "profile")
    yield Outbox(conn, DeviceSigner("dev-1", "user-1", PrivateKey.generate()))
    conn.close()


def _session(outbox: Outbox, clip: Path, stop_at_s: float) -> None:
    """Open the lesson, resume where the database says, play until ``stop_at_s`` (or the end),
    checkpointing every second, then pause and close."""
    try:
        backend = vlc_backend.VlcBackend(headless=True)
    except PlaybackError as exc:
        pytest.skip(f"libvlc is not usable here: {exc.detail}")
    try:
        info = backend.open(clip)
        saved = load_progress(outbox.conn, COURSE).get(LESSON) or LessonProgress()
        acc = WatchAccounting(POLICY, info.duration_s, time.monotonic, covered=saved.covered_segments,
                              position_s=saved.position_s, study_s=saved.study_s)
        backend.play()
        resumed = acc.position_s == 0.0
        deadline, last_cp = time.monotonic() + 30.0, time.monotonic()
        while time.monotonic() < deadline and acc.position_s < stop_at_s:
            events = backend.drain_events()
            if not resumed and any(e.kind is EventKind.PLAYING for e in events):
                assert acc.seek(saved.position_s)  # resuming is never "seeking ahead"
                backend.seek(saved.position_s)
                resumed = True
            acc.tick(backend.position_s(), backend.is_playing(), backend.rate())
            if time.monotonic() - last_cp >= 1.0 or any(e.kind is EventKind.ENDED for e in events):
                _save(outbox, acc)
                last_cp = time.monotonic()
            if any(e.kind is EventKind.ENDED for e in events):
                break
            time.sleep(0.05)
        backend.pause()
        acc.tick(backend.position_s(), False, backend.rate())
        _save(outbox, acc)
    finally:
        backend.release()


def _save(outbox: Outbox, acc: WatchAccounting) -> None:
    cp = acc.checkpoint()
    if cp is not None:
        progress = LessonProgress(cp.position_s, acc.segments(), acc.covered_s, acc.duration_s, acc.study_s,
                                  acc.completed)
        save_checkpoint(outbox, COURSE, LESSON, cp.to_body(), progress)


def test_resume_at_the_last_checkpoint_and_complete(outbox: Outbox, media: MediaFactory) -> None:
    clip = media.clip(5.0)
    _session(outbox, clip, stop_at_s=2.5)
    first = load_progress(outbox.conn, COURSE)[LESSON]
    assert 2.5 <= first.position_s <= 3.5 and not first.completed
    assert first.covered_s == pytest.approx(first.position_s, abs=0.5)

    _session(outbox, clip, stop_at_s=99.0)
    second = load_progress(outbox.conn, COURSE)[LESSON]
    assert second.completed and second.position_s == pytest.approx(5.0, abs=0.1)
    assert second.covered_s == pytest.approx(5.0, abs=0.5)
    # The second session started where the first stopped: no rewatch, so study time matches coverage.
    assert second.study_s == pytest.approx(second.covered_s, abs=0.6)
    bodies = [seconds_view(r.body, r.v) for r in outbox.records()]
    assert all(r.type == "watch" for r in outbox.records()) and len(bodies) >= 4
    assert sum(b["credited_s"] for b in bodies) == pytest.approx(second.covered_s, abs=0.05)
