"""``studydesk-server publish SRC_DIR``: publish a course folder as a new signed version."""

from __future__ import annotations

import argparse
from pathlib import Path

from server.config import ServerConfig
from server.publish import publish
from server.publisher_keys import load_private


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("publish", help="publish a course folder (course.toml + files) to the repository")
    p.add_argument("src_dir", type=Path, help="folder with course.toml and the lesson and document files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = ServerConfig(args.data).ensure()
    key = load_private(config.keys_dir)
    result = publish(args.src_dir, config.repo_dir, key, config.answer_keys_dir)
    m = result.manifest
    if result.unchanged:
        print(f"{m.course_id}: nothing changed since version {m.version}; no new version published")
        return 0
    print(f"Published {m.course_id} version {m.version} ({m.title}): {len(m.lessons)} lessons, "
          f"{len(m.documents)} documents, {len(m.quizzes)} quizzes, {'an exam' if m.exam else 'no exam'}")
    print(f"  {result.new_blobs} new files ({result.new_bytes} bytes), {result.shared_blobs} shared with "
          f"earlier versions")
    print(f"  manifest: {result.path}")
    return 0
