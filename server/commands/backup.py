"""``studydesk-server backup DEST`` and ``studydesk-server restore ARCHIVE``: the data folder as one archive."""

from __future__ import annotations

import argparse
from pathlib import Path

from server.backup import backup, restore
from server.commands import site

DEFAULT_KEEP = 14


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    b = sub.add_parser("backup", help="write the database, the course repository and the keys to one archive "
                                      "(safe while the server runs)")
    b.add_argument("dest", type=Path, help="archive file to write, or an existing folder to hold a dated archive")
    b.add_argument("--keep", type=int, default=None,
                   help=f"when DEST is a folder: keep only the newest KEEP archives in it (e.g. {DEFAULT_KEEP})")
    b.set_defaults(func=run_backup)
    r = sub.add_parser("restore", help="replace the data folder by an archive, after checking every hash "
                                       "(the old folder is kept aside)")
    r.add_argument("archive", type=Path, help="archive written by `backup`")
    r.add_argument("--force", action="store_true", help="restore even though a server is running on the folder")
    r.set_defaults(func=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    result = backup(site(args), args.dest, keep=args.keep)
    print(f"Wrote {result.path} ({result.members} files, {result.size} bytes)")
    for old in result.removed:
        print(f"Removed the old backup {old}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    result = restore(args.archive, site(args), force=args.force)
    print(f"Restored {result.members} files from the backup of {result.created_at} into {result.data_dir}")
    if result.kept_aside is not None:
        print(f"The replaced folder is kept as {result.kept_aside}; delete it once the server runs well.")
    if args.force:
        print("Restart the server now (systemctl restart studydesk-server): it still has the old files open.")
    return 0
