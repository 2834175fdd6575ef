"""The study rules in plain words (English source strings; zh_CN comes from the .ts)."""

from __future__ import annotations

from client.policy_text import format_rate, policy_lines, rate_and_seek_text
from player.policy import PlayerPolicy


def test_default_policy_in_plain_words(qapp) -> None:
    lines = policy_lines(PlayerPolicy())
    assert lines[0] == "Speed up to 1.5×, no skipping ahead"
    assert "Playback pauses when you leave the window" in lines
    assert "Confirm you are studying every 20 minutes" in lines
    assert "After 10 minutes without mouse or keyboard use, timing stops until you confirm" in lines
    assert lines[-1] == "A lesson counts as finished after 90% of it is watched"


def test_rules_follow_the_policy(qapp) -> None:
    policy = PlayerPolicy(max_rate=1.0, seek_ahead=True, idle_timeout_s=90, attention_check_interval_s=0,
                    pause_when_hidden=False, completion_ratio=1.0)
    lines = policy_lines(policy)
    assert lines[0] == "Normal speed only; skipping ahead is allowed"
    assert not any("leave the window" in line for line in lines)
    assert not any("Confirm you are studying" in line for line in lines)
    assert "After 90 seconds without mouse or keyboard use, timing stops until you confirm" in lines
    assert lines[-1].endswith("100% of it is watched")
    assert (rate_and_seek_text(PlayerPolicy(max_rate=2.0, seek_ahead=True))
            == "Speed up to 2×; skipping ahead is allowed")


def test_rate_formatting() -> None:
    assert [format_rate(r) for r in (1.5, 2.0, 1.25, 0.75)] == ["1.5", "2", "1.25", "0.75"]


def test_rules_in_chinese_with_the_installed_translation(qapp) -> None:
    from client.i18n import Translator, ensure_built

    ensure_built()
    translator = Translator(qapp)
    assert translator.set_language("zh_CN")
    try:
        lines = policy_lines(PlayerPolicy(attention_check_interval_s=1200))
        assert lines[0] == "倍速不超过1.5倍，不可快进"
        assert "每20分钟确认一次在学" in lines
        assert "离开播放窗口时自动暂停" in lines
    finally:
        translator.set_language("en")
    assert policy_lines(PlayerPolicy())[0] == "Speed up to 1.5×, no skipping ahead"
