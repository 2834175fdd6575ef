"""A course's study rules (its manifest policy) in plain, translated words.

Shown on the course page and in the player window, e.g. "倍速不超过1.5倍，不可快进",
"离开窗口时暂停", "每20分钟确认一次在学". Reads the policy keys through ``PolicyLike``, which
``player.policy.PlayerPolicy`` (what a parsed manifest's ``policy`` is) fits. No I/O, GUI-thread free.
Must not import windows or engines.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QCoreApplication

_CTX = "PolicyText"


class PolicyLike(Protocol):
    @property
    def completion_ratio(self) -> float: ...
    @property
    def max_rate(self) -> float: ...
    @property
    def seek_ahead(self) -> bool: ...
    @property
    def idle_timeout_s(self) -> float: ...
    @property
    def attention_check_interval_s(self) -> float: ...
    @property
    def pause_when_hidden(self) -> bool: ...


def tr(text: str) -> str:
    # Called with literals only: lupdate files a bare tr("literal") under the empty context.
    found = QCoreApplication.translate(_CTX, text)
    return found if found != text else QCoreApplication.translate("", text)


def format_rate(rate: float) -> str:
    """1.5 -> "1.5", 2.0 -> "2", 1.25 -> "1.25"."""
    return f"{rate:.2f}".rstrip("0").rstrip(".")


def rate_and_seek_text(policy: PolicyLike) -> str:
    rate = format_rate(policy.max_rate)
    if policy.max_rate <= 1.0:
        if policy.seek_ahead:
            return tr("Normal speed only; skipping ahead is allowed")
        return tr("Normal speed only, no skipping ahead")
    if policy.seek_ahead:
        return tr("Speed up to {rate}×; skipping ahead is allowed").format(rate=rate)
    return tr("Speed up to {rate}×, no skipping ahead").format(rate=rate)


def _duration_words(seconds: float, minutes_text: str, seconds_text: str) -> str:
    whole = round(seconds)
    if whole >= 60 and whole % 60 == 0:
        return minutes_text.format(n=whole // 60)
    return seconds_text.format(n=whole)


def attention_text(policy: PolicyLike) -> str | None:
    if policy.attention_check_interval_s <= 0:
        return None
    return _duration_words(
        policy.attention_check_interval_s,
        tr("Confirm you are studying every {n} minutes"),
        tr("Confirm you are studying every {n} seconds"),
    )


def idle_text(policy: PolicyLike) -> str | None:
    if policy.idle_timeout_s <= 0:
        return None
    return _duration_words(
        policy.idle_timeout_s,
        tr("After {n} minutes without mouse or keyboard use, timing stops until you confirm"),
        tr("After {n} seconds without mouse or keyboard use, timing stops until you confirm"),
    )


def completion_text(policy: PolicyLike) -> str:
    percent = round(policy.completion_ratio * 100)
    return tr("A lesson counts as finished after {percent}% of it is watched").format(percent=percent)


def policy_lines(policy: PolicyLike) -> list[str]:
    """Every rule of ``policy`` as one short sentence each, most important first."""
    lines = [rate_and_seek_text(policy)]
    if policy.pause_when_hidden:
        lines.append(tr("Playback pauses when you leave the window"))
    for optional in (attention_text(policy), idle_text(policy)):
        if optional:
            lines.append(optional)
    lines.append(completion_text(policy))
    return lines


def seek_refused_text() -> str:
    """The short reason a jump ahead was refused."""
    return tr("This course does not allow skipping ahead. You can go back to any part already watched.")
