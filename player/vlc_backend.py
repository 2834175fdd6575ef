"""Playback over libvlc (python-vlc): the ONLY module of the project that imports ``vlc``.

What libvlc 3.0 does and how this adapter deals with it:
- ``vlc.Instance()`` returns None (no exception) when it finds no plugins or gets a bad
  option: reported as PlaybackError("vlc_unavailable"); so is a python-vlc/libvlc that will
  not load at all.
- Playback errors are only events, and a corrupt file "plays" and ends at once. So ``open()``
  checks the file first with ``media.parse_with_options``: missing -> "file_missing",
  parsed with no audio/video track or no duration -> "media_corrupt", before anything plays.
- Events arrive on libvlc's own thread. ``_on_vlc_event`` only turns them into PlayerEvent
  values, puts them on a queue and hands them to ``on_event``; it never calls into libvlc
  (which can deadlock from inside a callback).
- ``get_time()`` is coarse (250-500 ms steps): ``position_s()`` is its last report, never a guess
  ahead of it; a stale report right after a seek is ignored (player/smoothing.py).
Public methods are for one thread (the GUI thread); ``open()`` may run on a worker while
nothing else uses the backend. Must not import Qt or anything from sync/.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from player.backend import MediaInfo
from player.clock import Clock
from player.errors import PlaybackError
from player.events import EventKind, PlayerEvent
from player.smoothing import PositionSmoother

try:
    import vlc
except Exception as exc:  # ImportError, OSError, or NotImplementedError("Cannot find libvlc lib")
    vlc = None
    _IMPORT_ERROR = f"{type(exc).__name__}: {exc}"
else:
    _IMPORT_ERROR = ""

log = logging.getLogger(__name__)

HEADLESS_ARGS = ("--no-xlib", "--vout=dummy", "--aout=dummy")
BASE_ARGS = ("--quiet", "--no-video-title-show", "--no-osd", "--no-snapshot-preview", "--no-stats")
PARSE_TIMEOUT_S = 10.0
END_SLACK_S = 1.5
"""An end reported this close to the duration is the real end (time updates are coarse)."""


def _event_kinds() -> dict[int, EventKind]:
    et = vlc.EventType
    return {
        et.MediaPlayerOpening.value: EventKind.OPENING,
        et.MediaPlayerBuffering.value: EventKind.BUFFERING,
        et.MediaPlayerPlaying.value: EventKind.PLAYING,
        et.MediaPlayerPaused.value: EventKind.PAUSED,
        et.MediaPlayerStopped.value: EventKind.STOPPED,
        et.MediaPlayerEndReached.value: EventKind.ENDED,
        et.MediaPlayerEncounteredError.value: EventKind.ERROR,
        et.MediaPlayerLengthChanged.value: EventKind.LENGTH,
    }


def libvlc_version() -> str | None:
    """The libvlc version string, or None when python-vlc/libvlc cannot be loaded."""
    if vlc is None:
        return None
    return str(vlc.libvlc_get_version().decode())


class VlcBackend:
    """One libvlc media player. Seconds throughout.

    ``on_event`` is called on libvlc's thread: it must only hand the event over (a queued Qt
    signal, a queue). ``headless`` plays with dummy audio/video outputs (tests, servers);
    observed on libvlc 3.0: a window given with ``set_window`` is drawn into even then.
    After ``release()`` the controls do nothing and ``open``/``play`` raise PlaybackError.
    """

    def __init__(
        self,
        on_event: Callable[[PlayerEvent], None] | None = None,
        *,
        headless: bool = False,
        extra_args: Sequence[str] = (),
        clock: Clock = time.monotonic,
    ) -> None:
        if vlc is None:
            raise PlaybackError("vlc_unavailable", f"python-vlc/libvlc cannot be loaded ({_IMPORT_ERROR})")
        args = [*BASE_ARGS, *(HEADLESS_ARGS if headless else ()), *extra_args]
        instance = vlc.Instance(args)
        if instance is None:
            raise PlaybackError("vlc_unavailable", "libvlc refused to start: no plugins found (check "
                                "VLC_PLUGIN_PATH) or a bad option in " + " ".join(args))
        self._instance = instance
        self._player = instance.media_player_new()
        self._media: Any = None
        self._clock = clock
        self._on_event = on_event
        self._queue: queue.SimpleQueue[PlayerEvent] = queue.SimpleQueue()
        self._kinds = _event_kinds()
        self._smoother = PositionSmoother()
        self._duration = 0.0
        self._rate = 1.0
        self._pending_seek: float | None = None
        self._last_position = 0.0
        # Written by the libvlc thread, read here: single attribute stores, atomic in CPython.
        self._ended = False
        self._time_seen: float | None = None  # media s of the last time-changed event
        self._released = False
        # open() runs on a worker while the window may close (and release) on the GUI thread: loading
        # the parsed media into the player and releasing the player never overlap.
        self._life = threading.Lock()
        self._time_changed = vlc.EventType.MediaPlayerTimeChanged.value
        manager = self._player.event_manager()
        for kind in [*self._kinds, self._time_changed]:
            manager.event_attach(vlc.EventType(kind), self._on_vlc_event)

    # -- libvlc's thread -----------------------------------------------------------------
    def _on_vlc_event(self, event: Any) -> None:
        """Runs on libvlc's thread: convert, enqueue, forward. Never call libvlc here."""
        try:
            if event.type.value == self._time_changed:  # 4 a second: kept for the end position, not queued
                self._time_seen = event.u.new_time / 1000.0
                return
            kind = self._kinds.get(event.type.value)
            if kind is None:
                return
            value = code = None
            if kind is EventKind.LENGTH:
                value = event.u.new_length / 1000.0
            elif kind is EventKind.ERROR:
                code = "playback_failed"
            if kind is EventKind.ENDED:
                self._ended = True
            item = PlayerEvent(kind, self._clock(), value, code)
            self._queue.put(item)
            if self._on_event is not None:
                self._on_event(item)
        except Exception:  # an exception must never unwind into libvlc's C thread
            log.exception("handling a VLC event failed")

    # -- opening -------------------------------------------------------------------------
    def open(self, path: str | Path) -> MediaInfo:
        """Check ``path`` with libvlc's parser and load it; PlaybackError before anything plays."""
        file = Path(path)
        if not file.is_file():
            raise PlaybackError("file_missing", f"lesson file not found: {file}")
        with self._life:
            self._check_live()
            media = self._instance.media_new_path(str(file))  # holds its own reference to the instance
        try:
            has_video, has_audio, duration_s = self._check(media, file)
        except PlaybackError:
            media.release()
            raise
        with self._life:
            if self._released:  # the window closed while the file was being parsed
                media.release()
                raise PlaybackError("playback_failed", "the player was released while opening")
            if self._media is not None:
                self._player.stop()
                self._media.release()  # the player keeps its own reference while it needs one
            self._player.set_media(media)
            self._media = media
            self._duration = duration_s
            self._ended = False
            self._pending_seek = None
            self._time_seen = None
            self._last_position = 0.0
            self._smoother.reset(0.0)
        return MediaInfo(file, duration_s, has_video, has_audio)

    def _check(self, media: Any, file: Path) -> tuple[bool, bool, float]:
        """(has video, has audio, duration in seconds) of a parsed media, or PlaybackError."""
        status = self._parse(media)
        if status == vlc.MediaParsedStatus.failed:
            code = "media_corrupt" if file.is_file() else "file_missing"
            raise PlaybackError(code, f"libvlc could not open {file}")
        if status != vlc.MediaParsedStatus.done:
            raise PlaybackError("media_corrupt", f"libvlc could not read {file} in time ({status})")
        types = {track.type for track in (media.tracks_get() or ())}
        has_video, has_audio = vlc.TrackType.video in types, vlc.TrackType.audio in types
        duration_s = max(0, media.get_duration()) / 1000.0
        if not (has_video or has_audio) or duration_s <= 0:
            raise PlaybackError("media_corrupt", f"{file} has no playable audio or video (damaged or unsupported)")
        return has_video, has_audio, duration_s

    def _parse(self, media: Any) -> Any:
        media.parse_with_options(vlc.MediaParseFlag.local, int(PARSE_TIMEOUT_S * 1000))
        deadline = time.monotonic() + PARSE_TIMEOUT_S + 1.0
        status = media.get_parsed_status()
        while not status and time.monotonic() < deadline:  # 0 = still parsing
            time.sleep(0.01)
            status = media.get_parsed_status()
        return status

    # -- controls ------------------------------------------------------------------------
    @property
    def duration_s(self) -> float:
        return self._duration

    def _check_live(self) -> None:
        # libvlc objects are freed by release(): touching them afterwards would crash the process.
        if self._released:
            raise PlaybackError("playback_failed", "the player was released")

    def play(self) -> None:
        self._check_live()
        if self._media is None:
            raise PlaybackError("playback_failed", "play() before open()")
        if self._ended:  # libvlc needs a stop before it plays an ended media again
            self._player.stop()
            self._ended = False
            if self._pending_seek is None:
                self._pending_seek = 0.0
        if self._player.play() == -1:
            raise PlaybackError("playback_failed", "libvlc refused to play")

    def pause(self) -> None:
        if self._released:
            return
        self._player.set_pause(1)

    def stop(self) -> None:
        if self._released:
            return
        self._player.stop()
        self._pending_seek = None
        self._last_position = 0.0
        self._smoother.reset(0.0)

    def seek(self, position_s: float) -> None:
        if self._released:
            return
        target = min(max(0.0, position_s), self._duration)
        if self._ended or self._player.get_state() in (vlc.State.NothingSpecial, vlc.State.Stopped):
            self._pending_seek = target  # applied once playing: libvlc ignores seeks on a stopped player
        else:
            self._player.set_time(int(target * 1000))
        self._last_position = target
        self._smoother.reset(target, self._raw_time())

    def set_rate(self, rate: float) -> None:
        self._check_live()
        position = self.position_s()
        if self._player.set_rate(float(rate)) == -1:
            raise PlaybackError("playback_failed", f"libvlc refused rate {rate}")
        self._rate = float(rate)
        self._smoother.reset(position, self._raw_time())

    def set_volume(self, volume: int) -> None:
        if self._released:
            return
        self._player.audio_set_volume(max(0, min(100, int(volume))))

    def set_window(self, handle: int) -> None:
        """Draw into a native window: an X11 window id, or an HWND on Windows."""
        self._check_live()
        if sys.platform.startswith("win"):
            self._player.set_hwnd(handle)
        elif sys.platform == "darwin":
            self._player.set_nsobject(handle)
        else:
            self._player.set_xwindow(handle)

    # -- state ---------------------------------------------------------------------------
    def _raw_time(self) -> float:
        return max(0, int(self._player.get_time())) / 1000.0

    def is_playing(self) -> bool:
        return not self._released and not self._ended and self._player.get_state() == vlc.State.Playing

    def rate(self) -> float:
        return self._rate

    def position_s(self) -> float:
        """Media seconds: libvlc's last time report. Once ended: the duration,
        unless playback stopped well short of it (a file cut short on disk): then where it stopped."""
        if self._ended:
            seen = self._time_seen
            reached = max(self._last_position, seen if seen is not None else 0.0)
            return self._duration if self._duration - reached <= END_SLACK_S else reached
        if self._released:
            return 0.0
        playing = self.is_playing()
        if playing and self._pending_seek is not None:
            target, self._pending_seek = self._pending_seek, None
            self._player.set_time(int(target * 1000))
            self._smoother.reset(target, self._raw_time())
        position = self._smoother.observe(self._raw_time())
        self._last_position = min(max(0.0, position), self._duration)
        return self._last_position

    def drain_events(self) -> list[PlayerEvent]:
        events = []
        while True:
            try:
                events.append(self._queue.get_nowait())
            except queue.Empty:
                return events

    def release(self) -> None:
        """Stop and free libvlc's player and instance. Safe to call twice."""
        with self._life:
            if self._released:
                return
            self._released = True
            manager = self._player.event_manager()
            for kind in [*self._kinds, self._time_changed]:
                manager.event_detach(vlc.EventType(kind))
            self._player.stop()
            if self._media is not None:
                self._media.release()
            self._player.release()
            self._instance.release()


if TYPE_CHECKING:
    from player.backend import PlayerBackend

    def _conforms(backend: VlcBackend) -> PlayerBackend:
        return backend  # mypy (tests/unit/test_layering.py) checks VlcBackend implements the protocol
