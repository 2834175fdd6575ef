"""The site's credit rules: ``rules.toml`` in the data folder, else the documented defaults.

Read once when the server starts (``create_app``): a broken file stops the start with a message
naming the file and the key, so no request ever meets it; ``studydesk-server rules check``
(without a file: the data folder's) says the same before a restart. The rules then decide
every outcome the server reports (server.outcomes) and are published to the PCs with their
assignments (``?with=rules``), so their offline estimate uses the same rules.
Imports only sync.protocol.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sync.protocol.errors import FormatError
from sync.protocol.rules import Rules
from sync.protocol.rules_file import RULES_FILE_NAME, load_rules


def rules_path(data_dir: Path) -> Path:
    return data_dir / RULES_FILE_NAME


def load_site_rules(data_dir: Path) -> Rules:
    """The rules in effect for the data folder; FormatError("bad_rules") naming the file when it is broken."""
    path = rules_path(data_dir)
    try:
        return load_rules(path)
    except OSError as exc:
        raise FormatError("bad_rules", f"{path} cannot be read: {exc.strerror or exc}") from exc


def site_today(rules: Rules, now: datetime | None = None) -> date:
    """Today on the site's calendar (the rules' UTC offset)."""
    moment = now or datetime.now(UTC)
    found = rules.year.local_date(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert found is not None  # a time written here always reads back
    return found
