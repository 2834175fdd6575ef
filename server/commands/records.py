"""``studydesk-server records import FILE [--enrol-devices]``: records carried in from an air-gapped site.
``studydesk-server records flagged [--user NAME]``: the people and records whose credit was set aside
(with the reason codes and seconds) and the open gaps in their chains."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.commands import _, connect, site
from server.ingest import FLAG_TEXT, import_records, read_records
from server.storage.tables import attempt_grades, record_credit, records, users
from server.transcript import ensure_credited, open_gaps
from server.users import get_user
from sync.protocol.errors import SyncError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("records", help=_("records from air-gapped sites"))
    rsub = p.add_subparsers(dest="records_command", required=True)
    imp = rsub.add_parser("import", help=_("import a records file made by 'studydesk records export'"))
    imp.add_argument("file", type=Path)
    imp.add_argument("--enrol-devices", action="store_true",
                     help=_("trust the device key carried in the file when this device was never enrolled here "
                            "(only for a user that exists here)"))
    imp.set_defaults(func=run_import)
    flagged = rsub.add_parser("flagged", help=_("people and records whose credit was set aside, and open gaps"))
    flagged.add_argument("--user", help=_("only this user name"))
    flagged.set_defaults(func=run_flagged)


def run_import(args: argparse.Namespace) -> int:
    rf = read_records(args.file)
    config = site(args).ensure()
    with connect(config) as conn:
        summary = import_records(conn, rf, enrol_devices=args.enrol_devices, repo_dir=config.repo_dir,
                                 answer_keys_dir=config.answer_keys_dir)
    print(_("%(file)s: %(records)s records of %(user)s from device %(device)s") % {
        "file": args.file, "records": len(rf.records), "user": rf.username, "device": rf.device_id})
    for line in summary.lines(_):
        print(line)
    return 0 if not summary.rejected else 3


def flagged_report(conn: Connection, repo_dir: Path, username: str | None = None,
                   answer_keys_dir: Path | None = None) -> list[str]:
    """Lines naming each flagged person, their flagged records (credit set aside, attempts that do
    not count) and their open gaps."""
    user_id = None
    if username is not None:
        user = get_user(conn, username=username)
        if user is None:
            raise SyncError.worded("unknown_user", "user %(user)r does not exist", user=username)
        user_id = user.user_id
    ensure_credited(conn, repo_dir, user_id, answer_keys_dir)
    r, c, u = records.c, record_credit.c, users.c
    query = (sa.select(u.username, r.device_id, r.seq, r.id, r.course_id, r.lesson_id, c.credited_s, c.set_aside_s,
                       c.set_aside)
             .join_from(record_credit, records, r.rid == c.rid).join(users, u.user_id == r.user_id)
             .where(c.set_aside != "{}"))
    if user_id:
        query = query.where(r.user_id == user_id)
    rows = conn.execute(query.order_by(u.username, r.device_id, r.seq)).all()
    names = {row[0]: row[1] for row in conn.execute(sa.select(u.user_id, u.username))}
    people: dict[str, list[str]] = {}
    totals: dict[str, dict[str, float]] = {}
    for username_, device, seq, rid, course, lesson, credited, aside_s, aside in rows:
        reasons = json.loads(aside)
        people.setdefault(username_, []).append(
            f"  {device} #{seq} ({rid}) {course}/{lesson}: "
            + _("credited %(credited)s s, set aside %(aside)s s: %(reasons)s") % {
                "credited": f"{credited:g}", "aside": f"{aside_s:g}",
                "reasons": ", ".join(f"{k} {v:g} s" for k, v in sorted(reasons.items()))})
        for k, v in reasons.items():
            totals.setdefault(username_, {})[k] = totals.get(username_, {}).get(k, 0.0) + v
    g = attempt_grades.c
    attempts = (sa.select(u.username, r.device_id, r.seq, r.id, r.course_id, g.kind, g.assessment_id, g.attempt_no,
                          g.reason)
                .join_from(attempt_grades, records, r.rid == g.rid).join(users, u.user_id == r.user_id)
                .where(g.reason.is_not(None)))
    if user_id:
        attempts = attempts.where(r.user_id == user_id)
    for username_, device, seq, rid, course, kind, aid, number, reason in conn.execute(
            attempts.order_by(u.username, r.device_id, r.seq)):
        people.setdefault(username_, []).append(
            f"  {device} #{seq} ({rid}) {course} {kind} {aid or '?'}, "
            + _("attempt %(number)s: %(reason)s (%(text)s)") % {"number": number, "reason": reason,
                                                                "text": _(FLAG_TEXT.get(reason, reason))})
    for gap in open_gaps(conn, user_id):
        name = names.get(gap["user_id"], gap["user_id"])
        people.setdefault(name, []).append(f"  {gap['device_id']} #{gap['missing_seq']}: "
                                           + _("gap (%(text)s)") % {"text": _(FLAG_TEXT["gap"])})
    out: list[str] = []
    for name in sorted(people):
        summary = ", ".join(f"{k} {v:g} s" for k, v in sorted(totals.get(name, {}).items()))
        out.append(_("%(user)s: %(flagged)s flagged (set aside: %(summary)s)") % {
            "user": name, "flagged": len(people[name]), "summary": summary} if summary else
            _("%(user)s: %(flagged)s flagged") % {"user": name, "flagged": len(people[name])})
        out += people[name]
    return out


def run_flagged(args: argparse.Namespace) -> int:
    config = site(args).ensure()
    with connect(config) as conn:
        lines = flagged_report(conn, config.repo_dir, args.user, config.answer_keys_dir)
    print("\n".join(lines) if lines else _("no flagged records"))
    return 0
