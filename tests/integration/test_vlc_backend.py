"""libvlc plays real generated media headless, and the accounting credits what it played."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from player.accounting import WatchAccounting
from player.errors import PlaybackError
from player.events import EventKind, PlayerEvent
from player.policy import PlayerPolicy
from tests.support.media import MediaFactory

vlc_backend = pytest.importorskip("player.vlc_backend")
VlcBackend = vlc_backend.VlcBackend
ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    """An on_event callback that only hands events over, as the app's must."""

    def __init__(self) -> None:
        self.events: list[PlayerEvent] = []
        self.threads: set[int] = set()

    def __call__(self, event: PlayerEvent) -> None:
        self.threads.add(threading.get_ident())
        self.events.append(event)

    def kinds(self) -> list[EventKind]:
        return [e.kind for e in self.events]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def backend(recorder: Recorder) -> Iterator[VlcBackend]:
    try:
        player = VlcBackend(recorder, headless=True)
    except PlaybackError as exc:
        pytest.skip(f"libvlc is not usable here: {exc.detail}")
    try:
        yield player
    finally:
        player.release()


def _drive(backend: VlcBackend, acc: WatchAccounting, until_s: float, stop_on_end: bool = True) -> bool:
    """Poll like the app's timer (every 50 ms here); True when the media ended."""
    deadline = time.monotonic() + until_s
    while time.monotonic() < deadline:
        ended = any(e.kind is EventKind.ENDED for e in backend.drain_events())
        acc.tick(backend.position_s(), backend.is_playing(), backend.rate())
        if ended and stop_on_end:
            return True
        time.sleep(0.05)
    return False


def test_plays_a_generated_clip_and_credits_its_length(backend: VlcBackend, recorder: Recorder,
                                                       media: MediaFactory) -> None:
    info = backend.open(media.clip(5.0))
    assert info.has_video and info.has_audio and info.duration_s == pytest.approx(5.0, abs=0.1)
    acc = WatchAccounting(PlayerPolicy(), info.duration_s, time.monotonic)
    backend.play()
    assert _drive(backend, acc, until_s=40.0), "the clip did not reach its end"
    assert acc.covered_s == pytest.approx(5.0, abs=0.5)
    assert acc.study_s == pytest.approx(5.0, abs=0.5)
    assert acc.completed
    kinds = recorder.kinds()
    assert EventKind.PLAYING in kinds and kinds.index(EventKind.PLAYING) < kinds.index(EventKind.ENDED)
    lengths = [e.value for e in recorder.events if e.kind is EventKind.LENGTH]
    assert lengths and lengths[-1] == pytest.approx(5.0, abs=0.1)
    assert threading.get_ident() not in recorder.threads, "events must come from libvlc's own thread"


def test_a_file_cut_short_ends_where_it_stops_and_earns_no_more(backend: VlcBackend, media: MediaFactory) -> None:
    info = backend.open(media.cut_short(5.0, keep=0.5))
    assert info.duration_s == pytest.approx(5.0, abs=0.1)  # the index still promises 5 s
    acc = WatchAccounting(PlayerPolicy(seek_ahead=True), info.duration_s, time.monotonic)
    backend.play()
    assert _drive(backend, acc, until_s=40.0), "the clip did not end"
    assert backend.position_s() < 4.0, "an early end must not look like the real end"
    assert acc.covered_s == pytest.approx(backend.position_s(), abs=0.6)
    assert not acc.completed


def test_pause_seek_and_a_rate_over_the_maximum(backend: VlcBackend, media: MediaFactory) -> None:
    info = backend.open(media.clip(5.0))
    acc = WatchAccounting(PlayerPolicy(max_rate=1.5, seek_ahead=True), info.duration_s, time.monotonic)
    backend.play()
    deadline = time.monotonic() + 20.0
    while backend.position_s() < 1.2 and time.monotonic() < deadline:
        _drive(backend, acc, until_s=0.05)
    backend.pause()
    deadline = time.monotonic() + 10.0
    while backend.is_playing() and time.monotonic() < deadline:  # libvlc pauses asynchronously
        _drive(backend, acc, until_s=0.05)
    assert not backend.is_playing()
    _drive(backend, acc, until_s=0.5)
    paused_at = backend.position_s()
    _drive(backend, acc, until_s=0.5)
    assert backend.position_s() == pytest.approx(paused_at, abs=0.05), "position moved while paused"
    assert acc.seek(3.0)
    backend.seek(3.0)
    assert backend.position_s() == pytest.approx(3.0, abs=0.05)
    backend.set_rate(2.0)
    backend.play()
    assert _drive(backend, acc, until_s=30.0)
    # Only the first ~1.2 s at 1x earns credit; 3-5 s at 2x is over the 1.5x maximum. The position
    # is libvlc's own report, never a guess ahead of it, so credit never passes where it paused.
    assert paused_at - 0.3 <= acc.covered_s <= paused_at + 0.05
    assert acc.segments()[-1][1] < 3.0


def test_an_event_callback_that_raises_does_not_break_playback(media: MediaFactory) -> None:
    def bad_callback(event: PlayerEvent) -> None:
        raise RuntimeError("a buggy listener")

    try:
        player = VlcBackend(bad_callback, headless=True)
    except PlaybackError as exc:
        pytest.skip(f"libvlc is not usable here: {exc.detail}")
    try:
        player.open(media.clip(5.0))
        player.play()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and player.position_s() < 0.5:
            time.sleep(0.05)
        assert player.position_s() >= 0.5
        assert EventKind.PLAYING in [e.kind for e in player.drain_events()]
    finally:
        player.release()


def test_a_file_vanishing_after_open_gives_an_error_event(backend: VlcBackend, recorder: Recorder,
                                                         media: MediaFactory, tmp_path: Path) -> None:
    lesson = tmp_path / "lesson.mp4"
    shutil.copy(media.clip(5.0), lesson)
    backend.open(lesson)
    lesson.unlink()  # say, a cleanup removed the course while its window was open
    backend.play()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and EventKind.ERROR not in recorder.kinds():
        time.sleep(0.05)
    errors = [e for e in backend.drain_events() if e.kind is EventKind.ERROR]
    assert errors and errors[0].code == "playback_failed"
    assert not backend.is_playing()


def test_calls_after_release_are_safe(media: MediaFactory) -> None:
    try:
        player = VlcBackend(headless=True)
    except PlaybackError as exc:
        pytest.skip(f"libvlc is not usable here: {exc.detail}")
    player.open(media.clip(5.0))
    player.release()
    player.release()
    player.pause()
    player.stop()
    player.seek(1.0)
    assert not player.is_playing() and player.position_s() == 0.0
    with pytest.raises(PlaybackError):
        player.play()


def test_missing_file_is_reported_before_playing(backend: VlcBackend, tmp_path: Path) -> None:
    with pytest.raises(PlaybackError) as info:
        backend.open(tmp_path / "lesson-7.mp4")
    assert info.value.code == "file_missing" and "lesson-7.mp4" in info.value.detail


@pytest.mark.parametrize("kind", ["corrupt", "truncated", "subtitles_only"])
def test_corrupt_file_is_reported_before_playing(backend: VlcBackend, recorder: Recorder, media: MediaFactory,
                                                 kind: str) -> None:
    with pytest.raises(PlaybackError) as info:
        backend.open(getattr(media, kind)())
    assert info.value.code == "media_corrupt"
    assert EventKind.PLAYING not in recorder.kinds()


def test_opening_another_lesson_replaces_the_first(backend: VlcBackend, media: MediaFactory) -> None:
    backend.open(media.clip(5.0))
    backend.play()
    deadline = time.monotonic() + 20
    while backend.position_s() < 0.5 and time.monotonic() < deadline:
        time.sleep(0.05)
    info = backend.open(media.audio_only(3.0))
    assert backend.duration_s == info.duration_s == pytest.approx(3.0, abs=0.1)
    assert backend.position_s() < 0.1  # the first lesson's position is gone
    backend.play()
    deadline = time.monotonic() + 20
    while backend.position_s() < 0.5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert backend.is_playing() and 0.5 <= backend.position_s() <= 3.0


def test_audio_only_lesson_opens(backend: VlcBackend, media: MediaFactory) -> None:
    info = backend.open(media.audio_only(3.0))
    assert info.has_audio and not info.has_video and info.duration_s == pytest.approx(3.0, abs=0.1)


def test_bad_option_gives_vlc_unavailable() -> None:
    with pytest.raises(PlaybackError) as info:
        VlcBackend(headless=True, extra_args=("--no-such-option-at-all",))
    assert info.value.code == "vlc_unavailable"


def test_python_vlc_missing_gives_vlc_unavailable() -> None:
    """A PC where python-vlc or libvlc cannot be loaded: the app gets a clear error, not an ImportError.
    (VLC_PLUGIN_PATH pointing at an empty folder does not reproduce this on Debian: libvlc falls
    back to its built-in plugin folder.)"""
    code = (
        "import sys\nsys.modules['vlc'] = None\n"
        "from player.errors import PlaybackError\n"
        "from player.vlc_backend import VlcBackend\n"
        "try:\n    VlcBackend(headless=True)\nexcept PlaybackError as e:\n    print(e.code, e.detail)\n"
        "else:\n    print('started')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("vlc_unavailable python-vlc/libvlc cannot be loaded"), out.stdout + out.stderr
