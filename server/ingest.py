"""Verified ingest of progress records (API batches and imported files share this path).

For each record: validate its shape, check that its device is enrolled to its user (and,
through the API, that the signed-in user is that user), verify the Ed25519 signature, check
its body's numbers, then fit it into its chain (one per device and user). A record's identity
is (device, id): nobody can squat another device's ids. The same record again is a duplicate
(acked again, so replays are safe); the same id on the same device with other bytes is refused.

Chains: a record is stored even when earlier ones are missing (lost, deleted on a shared PC):
the gap is flagged and shown until the missing record arrives, which is then checked against
both neighbours. Only real contradictions are refused: a seq taken by other content, a prev
that does not match the stored predecessor, a stored successor that does not link to it.

Credit is decided here, inside the same transaction, by ``server.credit`` against what this
server published, and stored per record (``record_credit``) with the wall time it took
(``credit_windows``); the transcript only sums. The whole batch is committed before any
answer leaves, so an ack always means "on disk". The transaction locks the batch's people
(server.storage.engine): on PostgreSQL, batches of different people are ingested side by side in
several worker processes, and one person's batches (one device's, or two devices') one at a time.

Refusal reasons (stable codes): bad_record / missing_field / bad_field / bad_id (malformed),
id_conflict (same device and id, other content), unknown_device, foreign_record (device enrolled
to another user), foreign_user (not the signed-in user's record), bad_signature (tampered),
seq_conflict (seq already taken by other content: a forked chain), broken_chain (does not link
to a stored neighbour). Flags on stored records: ``gap``, the credit reasons of server.credit and,
for quiz and exam records, the grading reasons of server.grading (each attempt is graded here,
in the same transaction, when the caller names the answer key folder).
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from player.intervals import IntervalSet
from server import person_year
from server.audit import Said, said
from server.auth import device_key, enrol_device
from server.credit import (
    ALLOWANCE_S,
    SKEW_SLACK_S,
    ChainState,
    Credit,
    WatchBody,
    check_finite,
    credit_watch,
    parse_time,
    parse_watch_body,
)
from server.grading import ATTEMPT_TYPES, AnswerKeys, grade_missing, grade_record
from server.grading import REASON_TEXT as GRADE_TEXT
from server.outcomes import evidence_from
from server.published import Published
from server.storage.engine import transaction
from server.storage.tables import credit_windows, credited_people, devices, record_credit, records, users
from server.users import get_user
from sync.protocol.canonical import sha256_hex
from sync.protocol.errors import FormatError, RejectedError, SyncError
from sync.protocol.keys import PublicKey
from sync.protocol.records import GENESIS, V1, Record, RecordVerifier
from sync.protocol.records_file import RecordsFile, read_records_file
from sync.storage.record_table import RECORD_COLUMNS, SIGNED_COLUMNS, record_from_row, record_values

REASON_TEXT = {
    "id_conflict": "a different record with this id is already stored for this device",
    "unknown_device": "the device that signed this record is not enrolled",
    "foreign_record": "the device is enrolled to another user",
    "foreign_user": "the record belongs to another user than the one signed in",
    "bad_signature": "the signature does not match: the record was tampered with",
    "seq_conflict": "another record already holds this sequence number (a forked chain)",
    "broken_chain": "the record does not link to the stored records next to it in its chain",
}

FLAG_TEXT = {
    "gap": "an earlier record of this device is missing (lost, deleted or withheld)",
    "unknown_course": "the course was never published here: nothing credited",
    "unknown_version": "that version of the course was never published here: nothing credited",
    "unknown_lesson": "the lesson is not in the published course: nothing credited",
    "no_window": "the record has no wall-clock window: nothing credited",
    "over_duration": "media time past the end of the published lesson",
    "over_elapsed": "more media time than the record's elapsed time at the course's fastest rate",
    "over_real_time": "more media time than the real time between this record and the previous one",
    "clock_skew": "the record's times lie before the device was enrolled or after the record arrived",
    "overlap": "the same wall-clock time was already credited to this person (another lesson or PC)",
    **GRADE_TEXT,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str | None
    status: str  # stored, duplicate, rejected
    reason: str | None = None
    detail: str | None = None
    flags: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.reason:
            d["reason"] = self.reason
            d["detail"] = self.detail or REASON_TEXT.get(self.reason, self.reason)
        if self.flags:
            d["flags"] = list(self.flags)
        return d


class _OpenOutcome:
    """An Outcome's slots, laid out as an Outcome's, without the frozen dataclass's ``__setattr__`` (one
    call per field in its ``__init__``): a stored record's outcome is filled in here, then its class is
    made Outcome (and it is frozen)."""

    __slots__ = Outcome.__slots__


def _stored_outcome(rid: str, flags: tuple[str, ...]) -> Outcome:
    """``Outcome(rid, "stored", flags=flags)``, made faster (one per stored record)."""
    made: Any = _OpenOutcome()
    made.id = rid
    made.status = "stored"
    made.reason = None
    made.detail = None
    made.flags = flags
    made.__class__ = Outcome
    outcome: Outcome = made
    return outcome


@dataclass(frozen=True, slots=True)
class _Device:
    user_id: str
    verifier: RecordVerifier
    earliest: float  # enrolment; for a device enrolled from a records file, its user's creation


_Link = tuple[str, str, str]  # a stored record's (id, hash, prev)
_CHAIN = operator.attrgetter("device_id", "user_id")
_SEQ = operator.attrgetter("seq")
_USER = operator.attrgetter("user_id")


class _Batch:
    """Per-batch caches: device keys, each person's taken wall time, the published lessons, the
    stored neighbours of the batch's records (one query per chain) and each chain's credit state
    after its last record credited in this batch.

    A record the batch stores is written with the next ``flush``; until then it is known by ``~k``
    (a negative number: the batch's k-th new record), which ``row_id`` turns into its row id once
    written (a stored record's row id is positive)."""

    def __init__(self, conn: Connection, published: Published, arrival: float) -> None:
        self.conn = conn
        self.published = published
        self.arrival = arrival
        self.devices: dict[str, _Device | None] = {}
        self.taken: dict[str, IntervalSet] = {}
        self.taken_since: dict[str, float] = {}
        self.links: dict[tuple[str, str], tuple[int, int, dict[int, _Link]]] = {}
        self.after: dict[tuple[str, str], tuple[int, ChainState | None]] = {}
        self.record_rows: list[tuple[Any, ...]] = []  # values of _STORED_COLUMNS, not yet written
        self.rids: list[int] = []  # the row ids of the batch's new records, as written
        # values of _CREDIT_COLUMNS and _WINDOW_COLUMNS, each row starting with what the batch knows its record by
        self.credit_rows: list[list[Any]] = []
        self.window_rows: list[list[Any]] = []

    def insert(self, r: Record, digest: str, source: str) -> int:
        """Store ``r`` with the batch's next flush; what the batch knows it by until then."""
        self.record_rows.append((*record_values(r, digest), source))
        return ~(len(self.rids) + len(self.record_rows) - 1)

    def row_id(self, row: int) -> int:
        """The row id of a record stored before (``row``) or in this batch (``~k``, once written)."""
        return row if row >= 0 else self.rids[~row]

    def flush(self) -> None:
        """Write the records and credit decided so far: one statement per table, whatever the batch's size."""
        if self.record_rows:
            # rows come back in any order: matched by their unique (device_id, id)
            written = {(row[1], row[2]): int(row[0]) for row in _insert_many(
                self.conn, records, _STORED_COLUMNS, self.record_rows, returning=("rid", "device_id", "id"))}
            self.rids += [written[(values[_DEVICE], values[_ID])] for values in self.record_rows]
            self.record_rows = []
        for table, columns, rows in ((credit_windows, _WINDOW_COLUMNS, self.window_rows),
                                     (record_credit, _CREDIT_COLUMNS, self.credit_rows)):
            if rows:
                rids = self.rids
                for row in rows:  # its record's row id, now that it is written
                    if row[0] < 0:
                        row[0] = rids[~row[0]]
                _insert_many(self.conn, table, columns, rows)
                rows.clear()

    def preload(self, incoming: list[Record]) -> None:
        """Read the stored records around the batch's seqs, chain by chain."""
        spans: dict[tuple[str, str], tuple[int, int]] = {}
        for chain, run in itertools.groupby(incoming, _CHAIN):  # a run of records of one chain
            seqs = list(map(_SEQ, run))
            low, high = min(seqs), max(seqs)
            if chain in spans:  # the chain's records came in more than one run
                low, high = min(spans[chain][0], low), max(spans[chain][1], high)
            spans[chain] = (low, high)
        for (device_id, user_id), (low, high) in spans.items():
            rows = self.conn.execute(_AROUND, {"device_id": device_id, "user_id": user_id, "low": low - 1,
                                               "high": high + 1}).all()
            self.links[(device_id, user_id)] = (low - 1, high + 1, {int(q): (i, h, p) for q, i, h, p in rows})

    def neighbour(self, r: Record, seq: int) -> _Link | None:
        low, high, known = self.links.get((r.device_id, r.user_id), (1, 0, {}))
        if low <= seq <= high:
            return known.get(seq)
        self.flush()
        return _neighbour(self.conn, r, seq)

    def stored(self, r: Record, digest: str) -> None:
        entry = self.links.get((r.device_id, r.user_id))
        if entry is not None:
            entry[2][r.seq] = (r.id, digest, r.prev)

    def device(self, device_id: str) -> _Device | None:
        if device_id not in self.devices:
            row = self.conn.execute(_DEVICE_QUERY, {"device_id": device_id}).first()
            self.devices[device_id] = None if row is None else _Device(
                row[0], RecordVerifier(PublicKey.from_text(row[1])),
                parse_time(row[4] if row[3] == "import" else row[2], "enrolled_at"))
        return self.devices[device_id]

    def taken_by(self, user_id: str, since: float) -> IntervalSet:
        """The person's credited wall time, as far as it reaches past ``since`` (epoch seconds): what
        crediting a record that reads nothing earlier needs. A person's stored windows never overlap
        (each is cut from time not yet taken, under the person's lock), so the windows that reach past
        ``since`` are those that start after it and the last one that starts before it."""
        loaded = self.taken_since.get(user_id)
        if loaded is None or since < loaded:
            if self.window_rows:
                self.flush()  # windows taken earlier in this batch are read back with the rest
            rows = self.conn.execute(_TAKEN, {"user_id": user_id, "since": since}).all()
            self.taken[user_id] = IntervalSet(sorted((s, e) for s, e in rows if e > since))
            self.taken_since[user_id] = since
        return self.taken[user_id]


def _queries() -> tuple[sa.Select[Any], sa.Select[Any], sa.CompoundSelect[Any], sa.Select[Any]]:
    """The batch's reads, built once (SQLAlchemy spends more on building a statement than the database
    on running these): a chain's stored links from seq ``low`` to ``high``; a device with its user's
    creation; a person's windows that reach past ``since`` (see ``_Batch.taken_by``); a chain's
    credit state before ``seq``."""
    x, c, d, w = records.c, record_credit.c, devices.c, credit_windows.c
    chain = sa.and_(x.device_id == sa.bindparam("device_id"), x.user_id == sa.bindparam("user_id"))
    around = sa.select(x.seq, x.id, x.hash, x.prev).where(chain, x.seq.between(sa.bindparam("low"),
                                                                                 sa.bindparam("high")))
    device = (sa.select(d.user_id, d.public_key, d.enrolled_at, d.enrolled_by, users.c.created_at)
              .join_from(devices, users, users.c.user_id == d.user_id).where(d.device_id == sa.bindparam("device_id")))
    mine, since = w.user_id == sa.bindparam("user_id"), sa.bindparam("since", type_=w.start_s.type)
    taken = sa.union_all(
        sa.select(w.start_s, w.end_s).where(mine, w.start_s >= since),
        sa.select(w.start_s, w.end_s).where(mine, w.start_s < since).order_by(w.start_s.desc()).limit(1)
        .subquery().select())
    state = (sa.select(c.chain_end, c.allowance_s).join_from(records, record_credit, c.rid == x.rid)
             .where(chain, x.seq < sa.bindparam("seq")).order_by(x.seq.desc()).limit(1))
    return around, device, taken, state


_AROUND, _DEVICE_QUERY, _TAKEN, _CHAIN_STATE = _queries()

_SORTED_JSON = json.JSONEncoder(sort_keys=True)
"""``json.dumps(value, sort_keys=True)`` without building an encoder each time."""
_NOTHING_SET_ASIDE = Credit((), 0.0).set_aside_s
"""``Credit.set_aside_s`` of a credit that sets nothing aside (the sum of no numbers, rounded)."""
_CREDIT_COLUMNS = ("rid", "user_id", "segments", "credited_s", "set_aside", "set_aside_s", "chain_end", "allowance_s")
_WINDOW_COLUMNS = ("rid", "user_id", "start_s", "end_s")
_UNGRADED = (None,) * 6
"""A record without a grade as ``server.outcomes.evidence_from`` reads it (kind .. max_score)."""
_STORED_COLUMNS = (*RECORD_COLUMNS, "source")
_DEVICE, _ID = _STORED_COLUMNS.index("device_id"), _STORED_COLUMNS.index("id")
_STUDY = operator.itemgetter(*map(_CREDIT_COLUMNS.index, ("user_id", "credited_s", "chain_end")))
"""The credit row's columns ``server.person_year.Totals.year_study`` reads."""
_ROWS_PER_INSERT = 1000
"""Rows in one INSERT: 15 values each stay well within SQLite's 32,766 and PostgreSQL's 65,535."""


def _mark(conn: Connection) -> str:
    """The driver's own parameter mark (SQLite's qmark, psycopg's format)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _insert_many(conn: Connection, table: sa.Table, columns: tuple[str, ...], rows: Sequence[Sequence[Any]], *,
                 returning: tuple[str, ...] = ()) -> list[Sequence[Any]]:
    """Insert ``rows`` (values of ``columns``, plain str, int, float or None) with one multi-row
    INSERT per _ROWS_PER_INSERT handed to the driver as it is: SQLAlchemy's own executemany would
    process every value of every row in Python first, which costs more than the insert itself.
    The rows ``returning`` names come back, in any order."""
    quote = conn.dialect.identifier_preparer.quote
    one = "(" + ",".join([_mark(conn)] * len(columns)) + ")"
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES "
    tail = f" RETURNING {', '.join(quote(c) for c in returning)}" if returning else ""
    out: list[Sequence[Any]] = []
    for k in range(0, len(rows), _ROWS_PER_INSERT):
        part = rows[k : k + _ROWS_PER_INSERT]
        result = conn.exec_driver_sql(head + ",".join([one] * len(part)) + tail,
                                      tuple(itertools.chain.from_iterable(part)))
        if returning:
            out += result.all()
    return out


def _check_body(r: Record) -> WatchBody | None:
    """The parsed watch body (None for other types); FormatError when the body is malformed.

    A v1 body may hold any JSON number: each must be finite and sane. A v2 body holds integers
    within +-(2^53 - 1) only (checked when the record was read), and its watch numbers, in
    milliseconds, are bounded in seconds by ``parse_watch_body``."""
    parsed = parse_watch_body(r.body, r.v) if r.type == "watch" else None
    if r.v == V1:
        check_finite(r.body)
    return parsed


def _neighbour(conn: Connection, r: Record, seq: int) -> tuple[str, str, str] | None:
    c = records.c
    row = conn.execute(sa.select(c.id, c.hash, c.prev).where(
        c.device_id == r.device_id, c.user_id == r.user_id, c.seq == seq)).first()
    return (row[0], row[1], row[2]) if row else None


def _chain_reason(batch: _Batch, r: Record, digest: str) -> tuple[str | None, bool]:
    """Why ``r`` contradicts its stored chain (or None), and whether an earlier record is missing."""
    seq = r.seq
    entry = batch.links.get((r.device_id, r.user_id))
    if entry is not None and entry[0] < seq < entry[1]:  # the neighbours are all preloaded: as below, read there
        known = entry[2]
        if seq in known:
            return "seq_conflict", False
        before = known.get(seq - 1)
        if (seq == 1 and r.prev != GENESIS) or (before is not None and before[1] != r.prev):
            return "broken_chain", False
        after = known.get(seq + 1)
        if after is not None and after[2] != digest:
            return "broken_chain", False
        return None, seq > 1 and before is None
    if batch.neighbour(r, r.seq) is not None:
        return "seq_conflict", False
    before = batch.neighbour(r, r.seq - 1)
    if (r.seq == 1 and r.prev != GENESIS) or (before is not None and before[1] != r.prev):
        return "broken_chain", False
    after = batch.neighbour(r, r.seq + 1)
    if after is not None and after[2] != digest:
        return "broken_chain", False
    return None, r.seq > 1 and before is None


def _verdicts(batch: _Batch, todo: list[tuple[int, Record]],
              as_user_id: str | None) -> tuple[dict[int, WatchBody | None], dict[int, tuple[str, str | None]]]:
    """What each record of ``todo`` (input position, record) is on its own, before its chain is
    looked at: whose it is, its signature, its body; step by step over the whole batch. Returns the
    valid records' parsed watch bodies (None for other types) and the others' (reason, detail),
    each by input position."""
    refused: dict[int, tuple[str, str | None]] = {}
    signed: list[tuple[int, Record, RecordVerifier]] = []
    for i, r in todo:
        dev = batch.device(r.device_id)
        if dev is None:
            refused[i] = ("unknown_device", None)
        elif dev.user_id != r.user_id:
            refused[i] = ("foreign_record", None)
        elif as_user_id is not None and r.user_id != as_user_id:
            refused[i] = ("foreign_user", None)
        else:
            signed.append((i, r, dev.verifier))
    valid: list[tuple[int, Record]] = []
    for i, r, verifier in signed:
        if verifier.verify(r, r.signing_bytes()):
            valid.append((i, r))
        else:
            refused[i] = ("bad_signature", None)
    bodies: dict[int, WatchBody | None] = {}
    for i, r in valid:
        try:
            bodies[i] = _check_body(r)
        except FormatError as exc:
            refused[i] = (exc.code, exc.detail)
    return bodies, refused


def _chain_state(conn: Connection, r: Record) -> ChainState | None:
    """The chain's state after its nearest stored record before ``r``."""
    row = conn.execute(_CHAIN_STATE, {"device_id": r.device_id, "user_id": r.user_id, "seq": r.seq}).first()
    if row is None:
        return None
    return ChainState(float(row[0]), float(row[1])) if row[0] is not None else None


def _reads_since(body: WatchBody, prev: ChainState | None, arrival: float) -> float:
    """The earliest wall time ``credit_watch`` reads of the person's taken time for ``body``: its
    window never starts before the body's own start, the previous window's end or the arrival's
    skew limit, whichever is earliest (a body without a window reads none)."""
    if body.wall_start is None:
        return math.inf
    return min(body.wall_start, arrival + SKEW_SLACK_S, prev.wall_end if prev is not None else math.inf)


def _credit(batch: _Batch, rid: int, r: Record, arrival: float,
            body: WatchBody | None = None) -> tuple[Credit, list[Any]]:
    """Decide and store ``r``'s credit (``rid`` is its stored row, as ``_Batch.row_id`` reads it;
    ``body`` its watch body when already parsed); the credit and its row as stored (_CREDIT_COLUMNS;
    the batch's next flush puts the record's row id first)."""
    chain_key = (r.device_id, r.user_id)
    known = batch.after.get(chain_key)
    if known is not None and known[0] == r.seq - 1:
        prev = known[1]
    else:
        if known is not None:  # the chain's state is read from the stored credit, with the batch's own
            batch.flush()  # (a chain none of whose records the batch credited yet has none waiting)
        prev = _chain_state(batch.conn, r)
    dev = batch.device(r.device_id)
    if r.type == "watch" and dev is not None:
        body = body if body is not None else parse_watch_body(r.body, r.v)
        lesson, unknown = batch.published.lesson(r.course_id, body.version, r.lesson_id)
        taken = batch.taken_by(r.user_id, _reads_since(body, prev, arrival))
        credit = credit_watch(lesson, body, unknown_reason=unknown or "unknown_lesson", prev=prev,
                              earliest=dev.earliest, arrival=arrival, taken=taken)
        for start, end in credit.taken:
            batch.window_rows.append([rid, r.user_id, start, end])
            taken.add(start, end)
    else:
        credit = Credit((), 0.0, {}, prev)
    chain = credit.chain or prev
    batch.after[chain_key] = (r.seq, chain)
    segments = orjson.dumps(credit.segments).decode()  # pairs as arrays: [[0.0,60.0]]
    if credit.set_aside:
        set_aside, set_aside_s = _SORTED_JSON.encode(credit.set_aside), credit.set_aside_s
    else:
        set_aside, set_aside_s = "{}", _NOTHING_SET_ASIDE
    row = [rid, r.user_id, segments, credit.credited_s, set_aside, set_aside_s,
           chain.wall_end if chain else None, chain.allowance_s if chain else ALLOWANCE_S]
    batch.credit_rows.append(row)
    return credit, row


def uncredited(user_id: str | None = None) -> sa.Select[Any]:
    """The stored records without credit (``user_id``'s only, when given): signed columns, rid,
    received_at."""
    x = records.c
    query = (sa.select(*(x[name] for name in SIGNED_COLUMNS), x.rid, x.received_at)
             .join_from(records, record_credit, record_credit.c.rid == x.rid, isouter=True)
             .where(record_credit.c.rid.is_(None)))
    return query.where(x.user_id == user_id) if user_id else query


_LISTED = sa.select(credited_people.c.user_id).where(credited_people.c.user_id == sa.bindparam("user_id"))
"""Whether a person is in ``credited_people`` (built once, run before every batch)."""


def credit_missing(conn: Connection, published: Published, user_id: str | None = None) -> int:
    """Credit stored records that have no credit yet (stored before credit was decided at ingest),
    in the order they arrived, each against its own arrival time. Inside the caller's transaction
    (for ``user_id``: under their lock). A person's history is read once: then they are listed in
    ``credited_people``, since every record ingest stores has its credit from then on."""
    if user_id is not None:
        if conn.execute(_LISTED, {"user_id": user_id}).first() is not None:
            return 0
        conn.execute(credited_people.insert(), {"user_id": user_id})
    rows = conn.execute(uncredited(user_id).order_by(records.c.rid)).all()
    if not rows:
        return 0
    batch = _Batch(conn, published, time.time())
    for row in rows:
        _credit(batch, int(row[-2]), record_from_row(row), parse_time(row[-1], "received_at"))
    batch.flush()
    person_year.forget(conn, {record_from_row(row).user_id for row in rows})
    return len(rows)


def _parse(raw: list[Any]) -> tuple[list[Outcome | None], list[tuple[int, Record]]]:
    results: list[Outcome | None] = [None] * len(raw)
    parsed: list[tuple[int, Record]] = []
    for i, item in enumerate(raw):
        try:
            parsed.append((i, Record.from_dict(item)))
        except SyncError as exc:
            rid = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
            results[i] = Outcome(rid, "rejected", exc.code, exc.detail)
    # chain order, so a batch may list its records in any order
    parsed.sort(key=lambda p: (p[1].device_id, p[1].user_id, p[1].seq))
    return results, parsed


def _flags(gap: bool, credit: Credit) -> tuple[str, ...]:
    """A stored record's flags: ``gap`` when an earlier record of its chain is missing, then its credit's reasons."""
    if not gap and not credit.set_aside:  # the usual record: nothing to flag
        return ()
    return tuple((["gap"] if gap else []) + credit.reasons)


def _row_spans(stored: list[Record], rids: list[int]) -> dict[str, tuple[int, int]]:
    """The first and last row id of each person's records among ``stored`` (written as ``rids``). Row ids
    only grow, and the people are locked: each one's rows from their first to their last new one are all new."""
    owners = set(map(_USER, stored))
    if len(owners) == 1:  # one person's records (every upload's)
        return {owners.pop(): (min(rids), max(rids))}
    spans: dict[str, tuple[int, int]] = {}
    for r, rid in zip(stored, rids, strict=True):
        first, last = spans.get(r.user_id, (rid, rid))
        spans[r.user_id] = (min(first, rid), max(last, rid))
    return spans


def _stored(conn: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(hash, sig) of the stored records among ``keys`` = (device_id, id). Asked device by device
    (``device_id = ? AND id IN (...)``), which the unique (device_id, id) index answers on both
    databases: SQLite reads a row-value IN list by scanning the whole table."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    by_device: dict[str, list[str]] = {}
    for device_id, rid in keys:
        by_device.setdefault(device_id, []).append(rid)
    # handed to the driver as it is, like _insert_many: SQLAlchemy would spend more on expanding the
    # IN list's parameters than the database on the look-ups
    quote = conn.dialect.identifier_preparer.quote
    head = (f"SELECT {quote('id')}, {quote('hash')}, {quote('sig')} FROM {quote(records.name)} "
            f"WHERE {quote('device_id')} = {_mark(conn)} AND {quote('id')} IN ")
    for device_id, ids in by_device.items():
        for k in range(0, len(ids), 500):
            part = ids[k : k + 500]
            query = head + "(" + ",".join([_mark(conn)] * len(part)) + ")"
            for rid, digest, sig in conn.exec_driver_sql(query, (device_id, *part)):
                out[(device_id, rid)] = (digest, sig)
    return out


def ingest(conn: Connection, raw: list[Any], *, as_user_id: str | None, repo_dir: Path,
           source: str = "api", answer_keys_dir: Path | None = None) -> list[Outcome]:
    """Verify, store and credit ``raw`` records in one transaction; one Outcome per input item, in
    input order. ``repo_dir`` is the published repository credit is decided against; quiz and
    exam records are graded with the keys in ``answer_keys_dir`` (None: left for
    ``server.grading.grade_missing``)."""
    results, parsed = _parse(raw)
    published = Published.current(repo_dir)
    # whose records this batch may write: through the API only the signed-in person's (any other's
    # are refused before anything is written), so only that person is locked
    people = sorted({as_user_id} if as_user_id is not None else {r.user_id for _, r in parsed})
    keys = AnswerKeys(answer_keys_dir) if answer_keys_dir is not None else None
    # the stored records, what the batch knows each by, its credited segments and its grade: the
    # evidence for the yearly figures
    stored_records: list[Record] = []
    stored_rows: list[int] = []
    stored_segments: list[tuple[tuple[float, float], ...]] = []
    study: list[tuple[Any, ...]] = []  # their credit as person_year reads it (user_id, credited_s, chain_end)
    grades: dict[int, tuple[Any, ...]] = {}
    with transaction(conn, people=people):
        batch = _Batch(conn, published, time.time())
        for user_id in people:
            credit_missing(conn, published, user_id)
            if keys is not None:
                grade_missing(conn, published, keys, user_id)
        # (hash of the signed bytes, sig) identifies a record's content: equal means the same record
        seen = _stored(conn, [(r.device_id, r.id) for _, r in parsed])
        batch.preload([r for _, r in parsed])
        digests = [sha256_hex(r.signing_bytes()) for _, r in parsed]
        # every record not stored before the batch: its body if valid on its own, else why not
        bodies, refused = _verdicts(batch, [(i, r) for i, r in parsed if (r.device_id, r.id) not in seen], as_user_id)
        for (i, r), digest in zip(parsed, digests, strict=True):
            stored = seen.get((r.device_id, r.id))
            if stored is not None:
                if stored != (digest, r.sig):
                    results[i] = Outcome(r.id, "rejected", "id_conflict")
                elif as_user_id is not None and r.user_id != as_user_id:
                    results[i] = Outcome(r.id, "rejected", "foreign_user")
                else:
                    results[i] = Outcome(r.id, "duplicate")
                continue
            if i in refused:
                results[i] = Outcome(r.id, "rejected", *refused[i])
                continue
            reason, gap = _chain_reason(batch, r, digest)
            if reason is not None:
                results[i] = Outcome(r.id, "rejected", reason)
                continue
            rid = batch.insert(r, digest, source)
            batch.stored(r, digest)
            credit, credit_row = _credit(batch, rid, r, batch.arrival, bodies[i])
            seen[(r.device_id, r.id)] = (digest, r.sig)
            flags = _flags(gap, credit)
            if keys is not None and r.type in ATTEMPT_TYPES:
                batch.flush()  # grading counts the person's stored attempts, this one's row included
                graded = grade_record(conn, published, keys, batch.row_id(rid), r.user_id, r.course_id, r.type,
                                      r.body)
                flags = (*flags, graded.reason) if graded.reason else flags
                grades[len(stored_records)] = (graded.kind, graded.assessment_id, graded.passed, graded.reason,
                                               graded.score, graded.max_score)
            stored_records.append(r)
            stored_rows.append(rid)
            stored_segments.append(credit.segments)
            study.append(_STUDY(credit_row))
            results[i] = _stored_outcome(r.id, flags)
        batch.flush()
        if stored_records:
            rids = [batch.row_id(rid) for rid in stored_rows]
            # as server.outcomes.evidence_rows would read them back
            evidence = evidence_from((r.created_at, rid, r.user_id, r.type, r.course_id, r.lesson_id, segments,
                                      *grades.get(k, _UNGRADED))
                                     for k, (r, rid, segments) in enumerate(zip(stored_records, rids, stored_segments,
                                                                                strict=True)))
            person_year.refresh(conn, _row_spans(stored_records, rids), published, evidence=evidence, credit=study)
    return [o if o is not None else Outcome(None, "rejected", "bad_record") for o in results]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    stored: int
    duplicate: int
    rejected: dict[str, int]
    enrolled: bool
    flagged: dict[str, int] = field(default_factory=dict)

    def _counts(self) -> dict[str, int]:
        return {"stored": self.stored, "duplicate": self.duplicate, "rejected": sum(self.rejected.values())}

    def lines(self, gettext: Callable[[str], str] = str) -> list[str]:
        """The summary for a terminal, in the language of ``gettext`` (the import command's; English: the
        texts themselves); reason codes stay as they are, each with its text."""
        out = [gettext("stored %(stored)s, already there %(duplicate)s, rejected %(rejected)s") % self._counts()]
        out += [gettext("  rejected %(n)s: %(code)s (%(text)s)") % {
            "n": n, "code": reason, "text": gettext(REASON_TEXT[reason]) if reason in REASON_TEXT else reason}
            for reason, n in self.rejected.items()]
        out += [gettext("  flagged %(n)s: %(code)s (%(text)s)") % {
            "n": n, "code": flag, "text": gettext(FLAG_TEXT[flag]) if flag in FLAG_TEXT else flag}
            for flag, n in self.flagged.items()]
        if self.enrolled:
            out.append(gettext("  the device was enrolled from the key in the file (--enrol-devices)"))
        return out

    def detail(self) -> Said:
        """The summary on one line, for the audit log (said in its reader's language): ``lines``'s first,
        how many were flagged, and the code of each refusal and flag with its count."""
        counts = said("stored %(stored)s, already there %(duplicate)s, rejected %(rejected)s", **self._counts())
        flagged = sum(self.flagged.values())
        codes = ", ".join(f"{code} {n}" for code, n in (*self.rejected.items(), *self.flagged.items()))
        summary = (said("%(counts)s, flagged %(flagged)s (%(codes)s)", counts=counts, flagged=flagged, codes=codes)
                   if codes else said("%(counts)s, flagged %(flagged)s", counts=counts, flagged=flagged))
        return (said("%(summary)s; the device was enrolled from the key in the file", summary=summary)
                if self.enrolled else summary)


RECORDS_FILE_REFUSALS = {
    "too_large": said("%(file)s is larger than any records file"),
    "read_failed": said("%(file)s cannot be read"),
    "not_records_file": said("%(file)s is not a StudyDesk records file"),
    "malformed_json": said("%(file)s is not a StudyDesk records file"),
    "unknown_format": said("%(file)s is a records file of a version this server does not read"),
    "missing_field": said("%(file)s is not a whole records file"),
    "bad_key": said("%(file)s carries a device key that is not valid"),
    "bad_signature": said("%(file)s was changed after it was made: its signature does not match"),
}
"""Why a records file was refused, by the code sync.protocol.records_file (English only, shared with
the client) gives: the words a person reads, the file named as they know it."""


def read_records(path: Path, name: str = "") -> RecordsFile:
    """The records file at ``path`` (``read_records_file``); a refusal keeps its code and detail and
    gets the words of RECORDS_FILE_REFUSALS, naming the file ``name`` (default: ``path``)."""
    try:
        return read_records_file(path)
    except SyncError as exc:
        if (words := RECORDS_FILE_REFUSALS.get(exc.code)) is not None:
            exc.text, exc.values = words.msgid, {"file": name or str(path)}
        raise


def import_records(conn: Connection, rf: RecordsFile, *, enrol_devices: bool, repo_dir: Path,
                   answer_keys_dir: Path | None = None) -> ImportSummary:
    """Import a verified records file (its own signature already checked by read_records_file).

    Rule for devices: if the file's device is enrolled, the key in the file must be the enrolled
    key for the same user. If it is not enrolled, the import is refused unless the admin passes
    ``enrol_devices`` AND the file's user exists here with the same user name; then the key in the
    file is enrolled for that user (trust on first use, on the admin's word). A file that names
    no user name (exported from the window) can only be imported for an already enrolled device.
    """
    user = get_user(conn, user_id=rf.user_id)
    if user is None or (rf.username and user.username != rf.username):
        raise RejectedError.worded("unknown_user", "user %(user)r (%(user_id)s) does not exist on this server",
                                   user=rf.username, user_id=rf.user_id)
    known = device_key(conn, rf.device_id)
    enrolled = False
    if known is None:
        if enrol_devices and user.username != rf.username:
            raise RejectedError.worded("unknown_user", "to enrol a device from a file, the file must name its user")
        if not enrol_devices:
            raise RejectedError.worded("unknown_device", "device %(device)s was never enrolled on this server; re-run "
                                       "with --enrol-devices to trust the key in the file", device=rf.device_id)
        enrolled = enrol_device(conn, user, rf.device_id, rf.public_key.to_text(), by="import")
    elif known[0] != user.user_id or known[1] != rf.public_key:
        raise RejectedError.worded("device_key_mismatch", "the file's device key is not the one enrolled for this user")
    outcomes = ingest(conn, rf.records, as_user_id=user.user_id, repo_dir=repo_dir, source="import",
                      answer_keys_dir=answer_keys_dir)
    rejected: dict[str, int] = {}
    flagged: dict[str, int] = {}
    for o in outcomes:
        if o.status == "rejected":
            rejected[o.reason or "rejected"] = rejected.get(o.reason or "rejected", 0) + 1
        for flag in o.flags:
            flagged[flag] = flagged.get(flag, 0) + 1
    return ImportSummary(sum(o.status == "stored" for o in outcomes), sum(o.status == "duplicate" for o in outcomes),
                         rejected, enrolled, flagged)
