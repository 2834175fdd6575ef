"""PlayerPolicy is the manifest's policy: it reads the policy keys exactly and refuses bad values clearly."""

from __future__ import annotations

from typing import Any

import pytest

from player.errors import PolicyError
from player.policy import PlayerPolicy
from sync.protocol.errors import FormatError
from sync.protocol.keys import PrivateKey
from sync.protocol.manifest import FileEntry, Manifest

KEY = PrivateKey.generate()


def test_a_manifest_carries_the_player_policy_itself() -> None:
    policy = PlayerPolicy(completion_ratio=0.8, max_rate=1.25, seek_ahead=True, idle_timeout_s=300,
                          attention_check_interval_s=900, pause_when_hidden=False)
    lesson = FileEntry("l1", "第一课", "0" * 64, 10, "video/mp4", "l1.mp4", 30.0)
    manifest = Manifest("c", 1, "课程", "", "测试", 1.0, "2026-01-01T00:00:00Z", policy, (lesson,)).signed(KEY)
    parsed = Manifest.parse_verified(manifest.to_bytes(), {KEY.public.key_id: KEY.public})
    assert type(parsed.policy) is PlayerPolicy and parsed.policy == policy
    assert parsed.policy.to_dict() == policy.to_dict()


@pytest.mark.parametrize(
    ("key", "value"),
    [("completion_ratio", 0), ("max_rate", 9), ("max_rate", True), ("seek_ahead", 1),
     ("idle_timeout_s", -1), ("attention_check_interval_s", "600"), ("pause_when_hidden", None)],
)
def test_a_manifest_with_a_bad_policy_value_is_a_format_error_naming_it(key: str, value: Any) -> None:
    obj = _manifest_dict()
    obj["policy"][key] = value
    with pytest.raises(FormatError) as info:
        Manifest.from_dict(obj)
    assert info.value.code == "bad_field" and key in info.value.detail


def test_a_manifest_policy_missing_a_key_is_a_format_error_naming_it() -> None:
    obj = _manifest_dict()
    del obj["policy"]["seek_ahead"]
    with pytest.raises(FormatError) as info:
        Manifest.from_dict(obj)
    assert info.value.code == "bad_field" and "seek_ahead" in info.value.detail


def _manifest_dict() -> dict[str, Any]:
    lesson = FileEntry("l1", "第一课", "0" * 64, 10, "video/mp4", "l1.mp4", 30.0)
    manifest = Manifest("c", 1, "课程", "", "测试", 1.0, "2026-01-01T00:00:00Z", PlayerPolicy(), (lesson,))
    return manifest.signed(KEY).to_dict()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("completion_ratio", 0), ("completion_ratio", 1.5), ("completion_ratio", "0.9"), ("completion_ratio", True),
        ("max_rate", 0.25), ("max_rate", 8), ("max_rate", float("nan")), ("seek_ahead", 1),
        ("idle_timeout_s", -1), ("idle_timeout_s", float("nan")), ("attention_check_interval_s", None),
        ("pause_when_hidden", "yes"),
    ],
)
def test_bad_values_raise_policy_error(key: str, value: Any) -> None:
    data = PlayerPolicy().to_dict()
    data[key] = value
    with pytest.raises(PolicyError) as info:
        PlayerPolicy.from_dict(data)
    assert (info.value.code == "bad_policy" and key in str(info.value)) or "policy" in str(info.value)


def test_missing_key_is_named() -> None:
    data = PlayerPolicy().to_dict()
    del data["max_rate"]
    with pytest.raises(PolicyError, match="max_rate"):
        PlayerPolicy.from_dict(data)
