"""The audit log: who did what, when, from where, and how it ended.

Sign-ins (each password actually checked, and each start of throttling), refresh-token reuse
and the family it revoked, device enrolments (and refusals over the cap), and every admin
command run through ``studydesk-server`` are written here; ``studydesk-server audit`` lists
them. Rows are only ever added. Services only; no HTTP here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    target: str
    address: str
    result: str
    detail: str

    def line(self) -> str:
        return "\t".join((self.at, self.actor, self.action, self.target or "-", self.address or "-", self.result,
                          self.detail))


def record(conn: sqlite3.Connection, *, actor: str, action: str, result: str, target: str = "", address: str = "",
           detail: str = "") -> None:
    """Add one row (inside the caller's transaction, if any)."""
    conn.execute("INSERT INTO audit_log (actor, action, target, address, result, detail) VALUES (?,?,?,?,?,?)",
                 (actor, action, target, address, result, detail))


def entries(conn: sqlite3.Connection, *, since: str | None = None, user: str | None = None,
            limit: int | None = None) -> list[AuditEntry]:
    """Rows oldest first; ``since`` is an ISO date or time (UTC), ``user`` matches actor or target.
    With ``limit``, the newest ``limit`` rows."""
    where, params = [], []
    if since:
        where.append("at >= ?")
        params.append(since)
    if user:
        where.append("(actor = ? OR target = ?)")
        params += [user, user]
    sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = conn.execute(sql, params).fetchall()
    return [AuditEntry(r["at"], r["actor"], r["action"], r["target"], r["address"], r["result"], r["detail"])
            for r in reversed(rows)]
