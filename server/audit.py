"""The audit log: who did what, when, from where, and how it ended.

Sign-ins (each password actually checked, and each start of throttling), refresh-token reuse
and the family it revoked, device enrolments (and refusals over the cap), and every admin
command run through ``studydesk-server`` are written here; ``studydesk-server audit`` lists
them. Rows are only ever added: the database itself refuses to change or delete one (triggers
made by the first revision, on SQLite and PostgreSQL). Services only; no HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.storage.tables import audit_log


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


def record(conn: Connection, *, actor: str, action: str, result: str, target: str = "", address: str = "",
           detail: str = "") -> None:
    """Add one row, inside the caller's write transaction (server.storage.engine.transaction)."""
    conn.execute(audit_log.insert().values(actor=actor, action=action, target=target, address=address,
                                           result=result, detail=detail))


def entries(conn: Connection, *, since: str | None = None, user: str | None = None,
            limit: int | None = None) -> list[AuditEntry]:
    """Rows oldest first; ``since`` is an ISO date or time (UTC), ``user`` matches actor or target.
    With ``limit``, the newest ``limit`` rows."""
    a = audit_log.c
    query = sa.select(a.at, a.actor, a.action, a.target, a.address, a.result, a.detail).order_by(a.id.desc())
    if since:
        query = query.where(a.at >= since)
    if user:
        query = query.where(sa.or_(a.actor == user, a.target == user))
    if limit is not None:
        query = query.limit(int(limit))
    rows = conn.execute(query).all()
    return [AuditEntry(*r) for r in reversed(rows)]
