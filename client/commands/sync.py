"""``studydesk sync``: upload the outbox now and refresh the assignments. Ctrl-C stops cleanly."""

from __future__ import annotations

import argparse
import sys
import threading

from PySide6.QtCore import QCoreApplication

from client.commands.login import add_sign_in_args, fail, fmt, refresh_assignments, sign_in_from_args
from client.i18n import QT_TRANSLATE_NOOP
from sync.protocol.errors import SyncError
from sync.records.uploader import SyncResult


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sync", help=QT_TRANSLATE_NOOP("CommandLine", "send study records to the server now"))
    add_sign_in_args(p)
    p.add_argument("--max-wait", type=float, default=60.0,
                   help=QT_TRANSLATE_NOOP("CommandLine", "seconds to keep retrying when the server is down"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = sign_in_from_args(args)
    cancel = threading.Event()
    conn = session.db()
    if session.offline:  # the sign-in already found the server unreachable: no point waiting for it
        code = fail(SyncError("network", "the server did not answer at sign-in; nothing was sent"))
        _say_waiting(session.outbox(conn).pending_count())
        return code
    box: dict[str, SyncResult | BaseException] = {}

    def work() -> None:
        try:
            own = session.db()  # this thread's own connection: a connection stays on its thread
            try:
                box["r"] = session.uploader(own, max_wait_s=args.max_wait).sync_once(cancel)
            finally:
                own.close()
        except BaseException as exc:  # reported below, on the main thread
            box["r"] = exc

    t = threading.Thread(target=work, name="sync")
    t.start()
    try:
        while t.is_alive():
            t.join(0.2)
    except KeyboardInterrupt:
        cancel.set()
        t.join()
    result = box.get("r")
    if isinstance(result, BaseException):
        return fail(result)
    assert isinstance(result, SyncResult)
    refresh_assignments(session)
    pending = session.outbox(conn).pending_count()
    print(fmt(QCoreApplication.translate("AccountCommands", "Sent %1 records: %2 accepted, %3 refused; %4 still "
                                         "waiting."), result.sent, result.acked, result.rejected, pending))
    refused = QCoreApplication.translate("AccountCommands", "refused")
    for record, reason in session.outbox(conn).rejected():
        print(f"  {refused}: {record.type} {record.course_id or ''}/{record.lesson_id or ''} #{record.seq}: {reason}",
              file=sys.stderr)
    if result.errors:
        return fail(result.errors[0])
    return 0


def _say_waiting(pending: int) -> None:
    print(fmt(QCoreApplication.translate("AccountCommands", "Records waiting on this PC: %1. They are sent at "
                                         "the next sync."), pending), file=sys.stderr)
