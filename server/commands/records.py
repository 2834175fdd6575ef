"""``studydesk-server records import FILE [--enrol-devices]``: records carried in from an air-gapped site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server.config import ServerConfig
from server.db import open_db
from server.ingest import import_records
from sync.protocol.errors import SyncError
from sync.protocol.records_file import read_records_file


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("records", help="records from air-gapped sites")
    rsub = p.add_subparsers(dest="records_command", required=True)
    imp = rsub.add_parser("import", help="import a records file made by 'studydesk records export'")
    imp.add_argument("file", type=Path)
    imp.add_argument("--enrol-devices", action="store_true",
                     help="trust the device key carried in the file when this device was never enrolled here "
                          "(only for a user that exists here)")
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    try:
        rf = read_records_file(args.file)
        summary = import_records(open_db(ServerConfig(args.data).ensure().db_path), rf,
                                 enrol_devices=args.enrol_devices)
    except SyncError as exc:
        print(f"error: {exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    print(f"{args.file}: {len(rf.records)} records of {rf.username} from device {rf.device_id}")
    for line in summary.lines():
        print(line)
    return 0 if not summary.rejected else 3
