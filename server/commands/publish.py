"""``studydesk-server publish SRC_DIR``: publish a course folder as a new signed version."""

from __future__ import annotations

import argparse
from pathlib import Path

from server.commands import _
from server.config import ServerConfig
from server.publish import publish
from server.publisher_keys import load_private


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("publish", help=_("publish a course folder (course.toml + files) to the repository"))
    p.add_argument("src_dir", type=Path, help=_("folder with course.toml and the lesson and document files"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = ServerConfig(args.data).ensure()
    key = load_private(config.keys_dir)
    result = publish(args.src_dir, config.repo_dir, key, config.answer_keys_dir)
    m = result.manifest
    if result.unchanged:
        print(_("%(course)s: nothing changed since version %(version)s; no new version published") % {
            "course": m.course_id, "version": m.version})
        return 0
    print((_("Published %(course)s version %(version)s (%(title)s): %(lessons)s lessons, %(documents)s documents, "
             "%(quizzes)s quizzes, an exam") if m.exam else
           _("Published %(course)s version %(version)s (%(title)s): %(lessons)s lessons, %(documents)s documents, "
             "%(quizzes)s quizzes, no exam")) % {
        "course": m.course_id, "version": m.version, "title": m.title, "lessons": len(m.lessons),
        "documents": len(m.documents), "quizzes": len(m.quizzes)})
    print("  " + _("%(new)s new files (%(bytes)s bytes), %(shared)s shared with earlier versions") % {
        "new": result.new_blobs, "bytes": result.new_bytes, "shared": result.shared_blobs})
    print("  " + _("manifest: %(path)s") % {"path": result.path})
    return 0
