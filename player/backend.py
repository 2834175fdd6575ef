"""The seam between the app and a media player: what a playback backend must offer.

``player/vlc_backend.py`` implements it over libvlc. Positions and durations are seconds;
``on_event`` callbacks may arrive on the backend's own thread (see ``PlayerBackend``).
Must not import Qt, vlc or anything from sync/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from player.events import PlayerEvent


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What parsing a lesson file found, before anything plays."""

    path: Path
    duration_s: float
    has_video: bool
    has_audio: bool


class PlayerBackend(Protocol):
    """A media player. Methods are called from one thread (the app's GUI thread, or a test);
    events are delivered to the ``on_event`` callback given at construction, possibly from
    another thread: the callback must only hand them over (queue, queued signal), never call
    back into the backend. ``drain_events()`` returns the events not yet drained, for owners
    that poll instead."""

    @property
    def duration_s(self) -> float: ...

    def open(self, path: str | Path) -> MediaInfo:
        """Check and load ``path``; raises PlaybackError (file_missing / media_corrupt) before playing."""
        ...

    def play(self) -> None: ...

    def pause(self) -> None: ...

    def stop(self) -> None: ...

    def seek(self, position_s: float) -> None: ...

    def set_rate(self, rate: float) -> None: ...

    def set_volume(self, volume: int) -> None: ...

    def set_window(self, handle: int) -> None: ...

    def position_s(self) -> float:
        """The current media position: the player's last report, never a guess ahead of it."""
        ...

    def is_playing(self) -> bool: ...

    def rate(self) -> float: ...

    def drain_events(self) -> list[PlayerEvent]: ...

    def release(self) -> None: ...
