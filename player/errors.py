"""Errors the player raises on purpose, each with a stable ``code`` for the UI.

The client turns ``code`` into a translated sentence (client/messages.py); ``detail`` is
English for logs. Codes: ``file_missing``, ``media_corrupt``, ``vlc_unavailable``,
``playback_failed``, ``bad_policy``. Must not import Qt, vlc or anything from sync/.
"""

from __future__ import annotations


class PlayerError(Exception):
    """Base of every error the player raises on purpose."""

    code = "player_error"

    def __init__(self, code: str | None = None, detail: str = "") -> None:
        if code:
            self.code = code
        self.detail = detail or self.code
        super().__init__(self.detail)


class PlaybackError(PlayerError):
    """A lesson cannot be played: missing or corrupt file, no decoder, VLC not usable."""

    code = "playback_failed"


class PolicyError(PlayerError):
    """A study policy with a missing, mistyped or out-of-range value."""

    code = "bad_policy"
