"""PlayerPolicy reads the manifest's policy keys exactly, and refuses bad values clearly."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from player.errors import PolicyError
from player.policy import PlayerPolicy
from sync.protocol.manifest import Policy


def test_same_keys_and_defaults_as_the_manifest_policy() -> None:
    assert [f.name for f in dataclasses.fields(PlayerPolicy)] == [f.name for f in dataclasses.fields(Policy)]
    assert PlayerPolicy().to_dict() == Policy().to_dict()


def test_converts_from_a_manifest_policy() -> None:
    manifest_policy = Policy(completion_ratio=0.8, max_rate=1.25, seek_ahead=True, idle_timeout_s=300,
                             attention_check_interval_s=900, pause_when_hidden=False)
    policy = PlayerPolicy.from_dict(manifest_policy.to_dict())
    assert policy.to_dict() == manifest_policy.to_dict()


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
