"""``studydesk courses``: my assigned courses with progress (from the server when online,
from this PC's cache otherwise), computed as the 我的学习 window computes them
(sync.records.my_courses)."""

from __future__ import annotations

import argparse

from PySide6.QtCore import QCoreApplication

from client.commands.login import add_sign_in_args, fail, fmt, refresh_assignments, sign_in_from_args
from client.paths import content_dir
from sync.content.store import ContentStore
from sync.protocol.errors import SyncError
from sync.records.my_courses import my_courses
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
        items = my_courses(conn, store).items
    finally:
        conn.close()
    if not fresh:
        print(QCoreApplication.translate("AccountCommands", "Offline: showing the assignments saved on this PC."))
    if not items:
        print(QCoreApplication.translate("AccountCommands", "No courses are assigned to you."))
    for item in items:
        if item.duration_s > 0:
            pct = f"{item.coverage * 100:.0f}%"
        else:
            pct = QCoreApplication.translate("AccountCommands", "not downloaded")
        if item.required:
            kind = QCoreApplication.translate("AccountCommands", "required")
        else:
            kind = QCoreApplication.translate("AccountCommands", "elective")
        hours = f"{item.credit_hours:g}" if item.credit_hours else "-"
        due = fmt(QCoreApplication.translate("AccountCommands", "due %1"), item.due.isoformat() if item.due else "-")
        print(f"{item.course_id}\t{item.title}\t{kind}\t{due}\t{hours} h\t{pct}")
    return 0
