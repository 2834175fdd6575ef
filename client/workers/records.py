"""The signed-in person's outbox for the records screens, on the SQLite lane.

``load_rejected`` lists the records the server refused, with its reason; ``export_records_to``
writes every record of this person, signed by the device key, into a file for air-gapped
sites. Both open the person's profile database on the SQLite lane. Must not import widgets.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the engines load after the first window shows
    from sync.account.auth import UserSession
    from sync.protocol.records import Record


def load_rejected(session: UserSession) -> list[tuple[Record, str]]:
    """SQLite lane: (record, reason) for every refused record."""
    conn = session.db()
    try:
        return list(session.outbox(conn).rejected())
    finally:
        conn.close()


def export_records_to(session: UserSession, path: Path) -> int:
    """SQLite lane: every record of this person, signed by the device key, into ``path``; the count."""
    from sync.records.export import export_records

    conn = session.db()
    try:
        return export_records(session.outbox(conn), path, username=session.username,
                              enrolled_at=session.device.enrolled_at)
    finally:
        conn.close()
