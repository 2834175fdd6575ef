"""The study rules of one course: the one policy class of the project.

A course manifest's ``policy`` object is parsed into ``PlayerPolicy`` (sync.protocol.manifest
turns its PolicyError into a FormatError), so the accounting core, the client's windows and
the server all read the same, fully checked values. Must not import Qt, vlc or anything
from sync/.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from player.errors import PolicyError


def _number(obj: dict[str, Any], key: str) -> float:
    if key not in obj:
        raise PolicyError("bad_policy", f"policy: missing field {key!r}")
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError("bad_policy", f"policy: field {key!r} must be a number")
    return float(value)


def _flag(obj: dict[str, Any], key: str) -> bool:
    if key not in obj:
        raise PolicyError("bad_policy", f"policy: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, bool):
        raise PolicyError("bad_policy", f"policy: field {key!r} must be true or false")
    return value


@dataclass(frozen=True, slots=True)
class PlayerPolicy:
    """Study rules. Times in seconds; 0 for ``idle_timeout_s`` or ``attention_check_interval_s``
    switches that check off.

    completion_ratio: share of the lesson's duration that must be covered to complete it.
    max_rate: fastest playback rate that still earns credit (spans played faster earn none).
    seek_ahead: whether seeking beyond the furthest covered point is allowed.
    idle_timeout_s: seconds of playing without any user activity before credit stops.
    attention_check_interval_s: seconds of playing between attention checks.
    pause_when_hidden: no credit while the player window is hidden or minimised.
    """

    completion_ratio: float = 0.9
    max_rate: float = 1.5
    seek_ahead: bool = False
    idle_timeout_s: float = 600.0
    attention_check_interval_s: float = 1200.0
    pause_when_hidden: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.completion_ratio <= 1:
            raise PolicyError("bad_policy", "policy: completion_ratio must be in (0, 1]")
        if not 0.5 <= self.max_rate <= 4:
            raise PolicyError("bad_policy", "policy: max_rate must be in [0.5, 4]")
        for name in ("idle_timeout_s", "attention_check_interval_s"):
            value = getattr(self, name)
            if math.isnan(value) or value < 0:
                raise PolicyError("bad_policy", f"policy: {name} must be a number >= 0")

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> PlayerPolicy:
        """Build from the manifest's policy object; raises PolicyError on a bad value."""
        return cls(
            completion_ratio=_number(obj, "completion_ratio"),
            max_rate=_number(obj, "max_rate"),
            seek_ahead=_flag(obj, "seek_ahead"),
            idle_timeout_s=_number(obj, "idle_timeout_s"),
            attention_check_interval_s=_number(obj, "attention_check_interval_s"),
            pause_when_hidden=_flag(obj, "pause_when_hidden"),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
