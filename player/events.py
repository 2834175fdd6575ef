"""What a playback backend tells its owner: typed events, safe to pass between threads.

Events are immutable values. ``kind`` is a ``str`` enum, so ``str(event.kind)`` gives the
plain name ("playing", "ended", ...). Must not import Qt, vlc or anything from sync/.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    OPENING = "opening"
    BUFFERING = "buffering"
    PLAYING = "playing"
    PAUSED = "paused"
    STOPPED = "stopped"
    ENDED = "ended"
    ERROR = "error"
    LENGTH = "length"  # value: the media length in seconds


@dataclass(frozen=True, slots=True)
class PlayerEvent:
    """One backend event. ``mono``: monotonic seconds when it arrived; ``value``: kind-specific
    (seconds for LENGTH); ``code``: a PlaybackError code for ERROR."""

    kind: EventKind
    mono: float
    value: float | None = None
    code: str | None = None
