"""``studydesk package import PATH`` / ``package export COURSE --to PATH``: USB and LAN sideloading.

Import verifies exactly as a download does (pinned publisher keys, sha256 of every file)
and can be interrupted and resumed; export copies a fully downloaded course in the
repository layout, re-checking each file, so another PC can import it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from client.commands.download import ProgressBar, ProgressLine, human_bytes, run_cancellable, tr, trusted
from client.commands.login import fail
from client.i18n import QT_TRANSLATE_NOOP
from client.paths import content_dir
from sync.content.cancel import CancelEvent
from sync.content.store import ContentStore
from sync.protocol.errors import SyncError
from sync.site.config import load_site


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("package", help=QT_TRANSLATE_NOOP(
        "CommandLine", "import or export course packages (USB stick, shared folder)"))
    ps = p.add_subparsers(dest="package_command", required=True)
    imp = ps.add_parser("import", help=QT_TRANSLATE_NOOP("CommandLine", "import the courses in a package folder"))
    imp.add_argument("path", type=Path, help=QT_TRANSLATE_NOOP("CommandLine", "package folder (repository layout)"))
    imp.add_argument("--course", default=None, help=QT_TRANSLATE_NOOP("CommandLine", "import only this course"))
    imp.set_defaults(func=run_import)
    exp = ps.add_parser("export", help=QT_TRANSLATE_NOOP("CommandLine", "export a downloaded course to a folder"))
    exp.add_argument("course", help=QT_TRANSLATE_NOOP("CommandLine", "course id"))
    exp.add_argument("--to", dest="dest", type=Path, required=True,
                     help=QT_TRANSLATE_NOOP("CommandLine", "destination folder"))
    exp.add_argument("--version", type=int, default=None,
                     help=QT_TRANSLATE_NOOP("CommandLine", "a specific version (default: the latest)"))
    exp.set_defaults(func=run_export)


def _store(args: argparse.Namespace) -> ContentStore:
    keys = trusted(load_site(args.site))
    return ContentStore(content_dir(Path(args.data)), keys)


def run_import(args: argparse.Namespace) -> int:
    from sync.content.package_io import import_package

    bar = ProgressBar()
    try:
        store = _store(args)

        def work(cancel: CancelEvent) -> Any:
            return import_package(args.path, store, store.trusted_keys, course_id=args.course, on_progress=bar,
                                  cancel=cancel)

        manifests = run_cancellable(work)
    except (SyncError, OSError) as exc:
        bar.done()
        return fail(exc)
    bar.done()
    for m in manifests:
        print(tr("Imported %1 version %2 (%3).").replace("%1", m.course_id).replace("%2", str(m.version))
              .replace("%3", m.title))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from sync.content.package_io import export_package

    line = ProgressLine()
    try:
        store = _store(args)

        def work(cancel: CancelEvent) -> Any:
            def progress(done: int, total: int) -> None:
                line.show(f"{done * 100 // max(total, 1):3d}%  {human_bytes(done)} / {human_bytes(total)}")

            return export_package(store, args.course, args.dest, args.version, on_progress=progress, cancel=cancel)

        m = run_cancellable(work)
    except (SyncError, OSError) as exc:
        line.done()
        return fail(exc)
    line.done()
    print(tr("Exported %1 version %2 to %3.").replace("%1", m.course_id).replace("%2", str(m.version))
          .replace("%3", str(args.dest)))
    return 0
