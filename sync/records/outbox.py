"""The outbox: this person's signed, hash-chained records, kept in their profile database.

``outbox_records`` has the stored record shape of ``sync.storage.record_table`` (the server's
table has the same). Records are append-only: SQLite triggers make any UPDATE or DELETE of it fail,
so a record, once committed, stays exactly as signed. Delivery state (acked / rejected with the
server's reason) lives in ``outbox_delivery``; a record with no delivery row is pending.
Every append is one explicit ``BEGIN IMMEDIATE`` transaction that reads the chain head, signs
the next record and inserts it; ``also(conn)`` runs inside that same transaction (the player's
checkpoint updates lesson progress there, so both land or neither does).

Not thread-safe by itself: use one connection per thread (the client's SQLite lane).
Must not import Qt, client/ or server/.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sync.protocol.records import V1, Record, Signer, make_record, utc_now
from sync.storage.record_table import (
    chain_head,
    insert_sql,
    record_from_row,
    record_values,
    select_list,
)
from sync.storage.sqlite import transaction


@dataclass(frozen=True, slots=True)
class Delivery:
    record_id: str
    state: str  # "acked" or "rejected"
    reason: str | None = None


class Outbox:
    """Append-only signed records of one signer (device + user) in one profile database."""

    def __init__(self, conn: sqlite3.Connection, signer: Signer, *, now: Callable[[], str] = utc_now) -> None:
        self.conn = conn
        self.signer = signer
        self._now = now

    def append(
        self,
        record_type: str,
        course_id: str | None,
        lesson_id: str | None,
        body: dict[str, Any],
        *,
        also: Callable[[sqlite3.Connection], None] | None = None,
        v: int = V1,
    ) -> Record:
        """Sign and store the next record (protocol version ``v``); ``also(conn)`` runs in the same
        transaction."""
        with transaction(self.conn) as conn:
            last_seq, prev = chain_head(conn, "outbox_records", self.signer.device_id, self.signer.user_id)
            seq = last_seq + 1
            record = make_record(
                self.signer,
                seq=seq,
                prev=prev,
                record_type=record_type,
                course_id=course_id,
                lesson_id=lesson_id,
                body=body,
                created_at=self._now(),
                v=v,
            )
            self._insert(conn, record)
            if also is not None:
                also(conn)
        return record

    def append_many(self, items: Iterable[tuple[str, str | None, str | None, dict[str, Any]]]) -> list[Record]:
        """Append several records (type, course, lesson, body) in ONE transaction: one fsync for all.

        For bursts (a quiz's answers, an import); the chain is exactly as if appended one by one.
        """
        out: list[Record] = []
        with transaction(self.conn) as conn:
            last_seq, prev = chain_head(conn, "outbox_records", self.signer.device_id, self.signer.user_id)
            seq = last_seq + 1
            for record_type, course_id, lesson_id, body in items:
                record = make_record(self.signer, seq=seq, prev=prev, record_type=record_type, course_id=course_id,
                                     lesson_id=lesson_id, body=body, created_at=self._now())
                self._insert(conn, record)
                out.append(record)
                seq, prev = seq + 1, record.hash
        return out

    @staticmethod
    def _insert(conn: sqlite3.Connection, r: Record) -> None:
        conn.execute(insert_sql("outbox_records"), record_values(r))

    # ----- reading
    def records(self, *, after_seq: int = 0, limit: int | None = None) -> list[Record]:
        """This signer's records in chain order (every state)."""
        sql = f"SELECT {select_list()} FROM outbox_records WHERE device_id = ? AND user_id = ? AND seq > ? ORDER BY seq"
        params: list[Any] = [self.signer.device_id, self.signer.user_id, after_seq]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [record_from_row(r) for r in self.conn.execute(sql, params)]

    def all_records(self) -> list[Record]:
        """Every record in this profile database (all devices this person used here), chain order."""
        sql = f"SELECT {select_list()} FROM outbox_records ORDER BY device_id, user_id, seq"
        return [record_from_row(r) for r in self.conn.execute(sql)]

    def pending(self, limit: int = 500) -> list[Record]:
        """Records not yet acked or rejected, oldest first (chain order per device)."""
        sql = (
            f"SELECT {select_list('r')} FROM outbox_records r "
            "LEFT JOIN outbox_delivery d ON d.record_id = r.id WHERE d.record_id IS NULL "
            "ORDER BY r.device_id, r.user_id, r.seq LIMIT ?"
        )
        return [record_from_row(r) for r in self.conn.execute(sql, (limit,))]

    def pending_count(self) -> int:
        return pending_count(self.conn)

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM outbox_records").fetchone()[0])

    def rejected(self) -> list[tuple[Record, str]]:
        sql = (
            f"SELECT {select_list('r')}, d.reason FROM outbox_records r "
            "JOIN outbox_delivery d ON d.record_id = r.id WHERE d.state = 'rejected' ORDER BY r.seq"
        )
        return [(record_from_row(row), str(row[-1] or "")) for row in self.conn.execute(sql)]

    def state_of(self, record_id: str) -> str:
        row = self.conn.execute("SELECT state FROM outbox_delivery WHERE record_id = ?", (record_id,)).fetchone()
        return str(row[0]) if row else "pending"

    def last_sync_at(self) -> str | None:
        row = self.conn.execute("SELECT value FROM outbox_meta WHERE key = 'last_sync_at'").fetchone()
        return str(row[0]) if row else None

    # ----- delivery state (the uploader writes these)
    def mark(self, deliveries: Iterable[Delivery], *, synced: bool = True) -> None:
        """Record the server's answers in one transaction; an acked record is never set back."""
        now = self._now()
        with transaction(self.conn) as conn:
            for d in deliveries:
                conn.execute(
                    "INSERT INTO outbox_delivery (record_id, state, reason, updated_at) VALUES (?,?,?,?) "
                    "ON CONFLICT(record_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, "
                    "updated_at = excluded.updated_at WHERE outbox_delivery.state != 'acked'",
                    (d.record_id, d.state, d.reason, now),
                )
            if synced:
                conn.execute(
                    "INSERT INTO outbox_meta (key, value) VALUES ('last_sync_at', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (now,),
                )


def pending_count(conn: sqlite3.Connection) -> int:
    """Records not yet acked or rejected (no signer needed: nothing is written)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM outbox_records r LEFT JOIN outbox_delivery d ON d.record_id = r.id "
        "WHERE d.record_id IS NULL"
    ).fetchone()
    return int(row[0])


def course_record_stats(conn: sqlite3.Connection) -> dict[str, tuple[int, str | None]]:
    """course_id -> (its records the server has not answered yet, its latest record's time)."""
    rows = conn.execute(
        "SELECT r.course_id, SUM(CASE WHEN d.state IS NULL THEN 1 ELSE 0 END), MAX(r.created_at) "
        "FROM outbox_records r LEFT JOIN outbox_delivery d ON d.record_id = r.id "
        "WHERE r.course_id IS NOT NULL GROUP BY r.course_id").fetchall()
    return {r[0]: (int(r[1] or 0), r[2]) for r in rows}


def passed_assessments(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """course_id -> the names of the quizzes and exam this person passed (see ``assessment_passes``)."""
    return {course_id: set(passes) for course_id, passes in assessment_passes(conn).items()}


def assessment_passes(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """course_id -> {name: the time of the first record that passed it} for the quizzes and exam
    this person passed, by their quiz and exam records.

    A record counts when the server graded it as passed, or, before the server graded it, when
    its body says ``"passed": true``; a record the server refused never counts. The names are
    ``"exam"`` and ``"quiz:<id>"``, where the id is the body's ``quiz_id``, else the record's
    lesson id (a quiz that belongs to a lesson is named by that lesson).
    """
    rows = conn.execute(
        "SELECT r.course_id, r.lesson_id, r.type, r.body, r.created_at, g.passed FROM outbox_records r "
        "LEFT JOIN outbox_delivery d ON d.record_id = r.id LEFT JOIN server_grades g ON g.record_id = r.id "
        "WHERE r.type IN ('quiz', 'exam') AND r.course_id IS NOT NULL AND d.state IS NOT 'rejected' "
        "ORDER BY r.created_at").fetchall()
    out: dict[str, dict[str, str]] = {}
    for course_id, lesson_id, rtype, body_text, created_at, server_passed in rows:
        body = json.loads(body_text)
        if not isinstance(body, dict):
            continue
        if not (bool(server_passed) if server_passed is not None else body.get("passed") is True):
            continue
        if rtype == "exam":
            out.setdefault(course_id, {}).setdefault("exam", created_at)
        elif isinstance(name := body.get("quiz_id") or lesson_id, str):
            out.setdefault(course_id, {}).setdefault(f"quiz:{name}", created_at)
    return out
