"""``studydesk records export --out FILE``: every study record of this person, signed, in one file,
for an admin to import at a site with no network (``studydesk-server records import``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from client.commands.login import add_sign_in_args, fail, fmt, sign_in_from_args
from client.i18n import QT_TRANSLATE_NOOP
from sync.protocol.errors import SyncError
from sync.protocol.records_file import write_records_file


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("records",
                       help=QT_TRANSLATE_NOOP("CommandLine", "study records for sites without a network"))
    rsub = p.add_subparsers(dest="records_command", required=True)
    exp = rsub.add_parser("export",
                          help=QT_TRANSLATE_NOOP("CommandLine", "write every study record to a signed file"))
    exp.add_argument("--out", type=Path, required=True, help=QT_TRANSLATE_NOOP("CommandLine", "the file to write"))
    add_sign_in_args(exp)
    exp.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    try:
        session = sign_in_from_args(args)
        conn = session.db()
        try:
            records = session.outbox(conn).all_records()
        finally:
            conn.close()
        size = write_records_file(args.out, key=session.device.key, device_id=session.device_id,
                                  user_id=session.user_id, username=session.username,
                                  enrolled_at=session.device.enrolled_at, records=records)
    except (SyncError, OSError) as exc:
        return fail(exc)
    print(fmt(QCoreApplication.translate("AccountCommands", "Wrote %1 records (%2 bytes) to %3."), len(records), size,
              args.out))
    return 0
