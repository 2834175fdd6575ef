"""Dates for tests that pass on whatever day they run.

A test that writes a literal date ("due 2026-12-31", "the class ends 2026-12-20") or works out
"today" or "this year" in another time zone than the server's passes on the day it was written and
fails weeks later, or on the evening of the 31st of December. Its dates are taken here relative
to the day it runs instead, on the site's calendar.

A site's day is that of its rules' UTC offset (``[year] utc_offset``, +08:00 unless they say
otherwise). Two ways to keep a test's days steady:

- ``noon_offset_hours``: the whole-hour offset at which a site's clock reads about noon now. A site
  given that offset in its rules (``year_rules``) cannot turn its day, let alone its year, while a
  test module runs (minutes, not hours); the test reads the site's day with ``site_day``.
- ``local_offset_minutes``: the offset of this machine's own time zone. A site given it is in the
  PC's time zone, as a site's PCs are: the app's "today" (the PC's calendar) is the site's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

DEFAULT_OFFSET_HOURS = 8
"""The UTC offset of a site whose rules do not set one (sync.protocol.rules.YearRules)."""


def noon_offset_hours(now: datetime | None = None) -> int:
    """The whole-hour UTC offset (-12 to +11) at which the clock reads between 12:00 and 13:00 at ``now``
    (default: the real time), 11 hours or more before its next midnight."""
    return (12 - (now or datetime.now(UTC)).astimezone(UTC).hour + 12) % 24 - 12


def local_offset_minutes(now: datetime | None = None) -> int:
    """The UTC offset of this machine's time zone at ``now`` (default: the real time), in minutes."""
    found = (now or datetime.now(UTC)).astimezone().utcoffset()
    assert found is not None
    return round(found.total_seconds() / 60)


def offset_text(minutes: int) -> str:
    """An offset of ``minutes`` as a rules file writes it: "+08:00", "-05:30"."""
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def year_rules(minutes: int) -> str:
    """The ``[year]`` table of a rules file that puts the site at UTC + ``minutes``."""
    return f'[year]\nutc_offset = "{offset_text(minutes)}"\n'


def site_day(minutes: int = DEFAULT_OFFSET_HOURS * 60, now: datetime | None = None) -> date:
    """The site's day at ``now`` (default: the real time) at UTC + ``minutes``."""
    return ((now or datetime.now(UTC)).astimezone(UTC) + timedelta(minutes=minutes)).date()
