"""``studydesk courses``: my assigned courses with progress (from the server when online,
from this PC's cache otherwise)."""

from __future__ import annotations

import argparse

from PySide6.QtCore import QCoreApplication

from client.commands.login import add_sign_in_args, fail, fmt, refresh_assignments, sign_in_from_args
from client.paths import content_dir
from sync.account.assignments import AssignmentCache
from sync.content.store import ContentStore
from sync.protocol.errors import SyncError
from sync.records.progress import load_progress
from sync.site.config import load_site


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("courses", help="list my assigned courses and my progress")
    add_sign_in_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        session = sign_in_from_args(args)
    except SyncError as exc:
        return fail(exc)
    fresh = refresh_assignments(session)
    store = ContentStore(content_dir(args.data), load_site(args.site).trusted_keys())
    conn = session.db()
    try:
        items = AssignmentCache(conn).list()
        if not fresh:
            print(QCoreApplication.translate("AccountCommands", "Offline: showing the assignments saved on this PC."))
        if not items:
            print(QCoreApplication.translate("AccountCommands", "No courses are assigned to you."))
        for a in items:
            progress = load_progress(conn, a.course_id)
            covered = sum(p.covered_s for p in progress.values())
            manifest = store.manifest(a.course_id)
            total = sum(lesson.duration_s for lesson in manifest.lessons) if manifest else 0.0
            if total:
                pct = f"{min(covered / total, 1.0) * 100:.0f}%"
            else:
                pct = QCoreApplication.translate("AccountCommands", "not downloaded")
            if a.required:
                kind = QCoreApplication.translate("AccountCommands", "required")
            else:
                kind = QCoreApplication.translate("AccountCommands", "elective")
            hours = f"{a.credit_hours:g}" if a.credit_hours is not None else "-"
            due = fmt(QCoreApplication.translate("AccountCommands", "due %1"), a.due or "-")
            print(f"{a.course_id}\t{a.title}\t{kind}\t{due}\t{hours} h\t{pct}")
    finally:
        conn.close()
    return 0
