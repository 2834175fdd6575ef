"""Strict manifest parsing: wrong types from a (signed) manifest are FormatErrors, never crashes."""

from __future__ import annotations

import pytest

from player.policy import PlayerPolicy
from sync.protocol.errors import FormatError, SyncError, UnsafePathError
from sync.protocol.keys import PrivateKey
from sync.protocol.manifest import FileEntry, Manifest

KEY = PrivateKey.generate()


def _manifest_dict() -> dict[str, object]:
    lesson = FileEntry("lesson-1", "第一课", "0" * 64, 10, "video/mp4", "l1.mp4", 30.0)
    m = Manifest("c", 1, "课程", "", "测试", 1.0, "2026-01-01T00:00:00Z", PlayerPolicy(), (lesson,)).signed(KEY)
    return m.to_dict()


@pytest.mark.parametrize("duration", ["abc", None, [1], True, -5, 1e12])
def test_bad_durations_are_format_errors(duration: object) -> None:
    obj = _manifest_dict()
    obj["lessons"][0]["duration_s"] = duration  # type: ignore[index]
    with pytest.raises(FormatError):
        Manifest.from_dict(obj)


@pytest.mark.parametrize(("key", "value"), [("quizzes", {"a": 1}), ("quizzes", [1, 2]), ("description", 5),
                                            ("lessons", "x"), ("policy", {"max_rate": 9}), ("version", 0)])
def test_bad_fields_are_format_errors(key: str, value: object) -> None:
    obj = _manifest_dict()
    obj[key] = value
    with pytest.raises(SyncError) as info:
        Manifest.from_dict(obj)
    assert isinstance(info.value, FormatError)


@pytest.mark.parametrize("name", ["../x", "/abs", "a\\b", "..", "", " lead", "a/b"])
def test_unsafe_file_names(name: str) -> None:
    obj = _manifest_dict()
    obj["lessons"][0]["filename"] = name  # type: ignore[index]
    with pytest.raises(UnsafePathError):
        Manifest.from_dict(obj)


def test_round_trip_verifies() -> None:
    m = Manifest.from_dict(_manifest_dict())
    again = Manifest.parse_verified(m.to_bytes(), {KEY.public.key_id: KEY.public})
    assert again == m and again.lessons[0].duration_s == 30.0
