"""``studydesk-server backup DEST`` and ``studydesk-server restore ARCHIVE``: the data folder as one archive."""

from __future__ import annotations

import argparse
from pathlib import Path

from server.backup import backup, restore
from server.commands import _, site

DEFAULT_KEEP = 14


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    b = sub.add_parser("backup", help=_("write the database, the course repository and the keys to one archive "
                                        "(safe while the server runs)"))
    b.add_argument("dest", type=Path, help=_("archive file to write, or an existing folder to hold a dated archive"))
    b.add_argument("--keep", type=int, default=None,
                   help=_("when DEST is a folder: keep only the newest KEEP archives in it (e.g. %(keep)s)") % {
                       "keep": DEFAULT_KEEP})
    b.set_defaults(func=run_backup)
    r = sub.add_parser("restore", help=_("replace the data folder by an archive, after checking every hash "
                                         "(the old folder is kept aside)"))
    r.add_argument("archive", type=Path, help=_("archive written by `backup`"))
    r.add_argument("--force", action="store_true", help=_("restore even though a server is running on the folder"))
    r.set_defaults(func=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    result = backup(site(args), args.dest, keep=args.keep)
    print(_("Wrote %(path)s (%(files)s files, %(bytes)s bytes)") % {"path": result.path, "files": result.members,
                                                              "bytes": result.size})
    for old in result.removed:
        print(_("Removed the old backup %(path)s") % {"path": old})
    return 0


def run_restore(args: argparse.Namespace) -> int:
    result = restore(args.archive, site(args), force=args.force)
    print(_("Restored %(files)s files from the backup of %(made)s into %(folder)s") % {
        "files": result.members, "made": result.created_at, "folder": result.data_dir})
    if result.kept_aside is not None:
        print(_("The replaced folder is kept as %(folder)s; delete it once the server runs well.") % {
            "folder": result.kept_aside})
    if args.force:
        print(_("Restart the server now (systemctl restart studydesk-server): it still has the old files open."))
    return 0
