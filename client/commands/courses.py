"""``studydesk courses``: my assigned courses with progress (from the server when online,
from this PC's cache otherwise), computed as the 我的学习 window computes them
(sync.records.my_courses)."""

from __future__ import annotations

import argparse
import unicodedata
from datetime import date

from PySide6.QtCore import QCoreApplication

from client.commands.login import add_sign_in_args, refresh_assignments, sign_in_from_args
from client.i18n import QT_TRANSLATE_NOOP
from client.paths import content_dir
from sync.content.store import ContentStore
from sync.records.my_courses import CourseItem, my_courses
from sync.site.config import load_site


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("courses", help=QT_TRANSLATE_NOOP("CommandLine", "list my assigned courses and my progress"))
    add_sign_in_args(p)
    p.set_defaults(func=run)


def tr(text: str) -> str:
    # lupdate files a bare tr("literal") under the empty context; the account commands' other
    # strings live under "AccountCommands". Look in both.
    found = QCoreApplication.translate("AccountCommands", text)
    return found if found != text else QCoreApplication.translate("", text)


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def table(rows: list[list[str]]) -> list[str]:
    """Rows as lines of aligned columns (the first row is the header, underlined)."""
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: list[str]) -> str:
        return "  ".join(cell + " " * (w - width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip()

    return [line(rows[0]), line(["-" * w for w in widths]), *(line(row) for row in rows[1:])]


def course_rows(items: list[CourseItem], today: date) -> list[list[str]]:
    rows = [[tr("Course"), tr("Title"), tr("Kind"), tr("Due"), tr("Credit hours"), tr("Progress")]]
    overdue = tr("overdue")
    for item in items:
        due = item.due.isoformat() if item.due else "-"
        if item.overdue(today):
            due = f"{due} ! {overdue}"
        if item.completed:
            progress = tr("completed")
        elif item.duration_s > 0:
            progress = f"{item.coverage * 100:.0f}%"
        else:
            progress = tr("not downloaded")
        rows.append([item.course_id, item.title, tr("required") if item.required else tr("elective"), due,
                     f"{item.credit_hours:g}" if item.credit_hours else "-", progress])
    return rows


def run(args: argparse.Namespace) -> int:
    session = sign_in_from_args(args)
    fresh = refresh_assignments(session)
    store = ContentStore(content_dir(args.data), load_site(args.site).trusted_keys())
    conn = session.db()
    try:
        mine = my_courses(conn, store)
    finally:
        conn.close()
    if not fresh:
        print(tr("Offline: showing the assignments saved on this PC."))
    items, today = mine.items, mine.today  # the site's day by the server's clock
    if not items:
        print(tr("No courses are assigned to you."))
        return 0
    for line in table(course_rows(items, today)):
        print(line)
    if late := sum(1 for item in items if item.overdue(today)):
        print(QCoreApplication.translate("AccountCommands", "Overdue courses: %1. Finish them as soon as "
                                         "possible.").replace("%1", str(late)))
    return 0
