"""The one way StudyDesk writes a length of time for people: "1分30秒" (en "1 min 30 s") under an
hour, "1:30:00" from an hour on. Never a bare "1:30", which could be minutes or hours."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def format_duration(seconds: float) -> str:
    total = max(0, round(seconds))
    if total >= 3600:
        hours, rest = divmod(total, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}"
    minutes, secs = divmod(total, 60)
    if not minutes:
        return QCoreApplication.translate("Durations", "%1 s").replace("%1", str(secs))
    return QCoreApplication.translate("Durations", "%1 min %2 s").replace("%1", str(minutes)).replace("%2", str(secs))
