"""Training classes for the admin web's tests: a course with a quiz and a final exam published on
the site of tests.support.admin_web, people who study it through the real client (watching its
lesson, answering the quiz right or wrong, passing the exam), and reviewer accounts."""

from __future__ import annotations

import time
from pathlib import Path

from server import admins
from server.config import ServerConfig
from server.storage.engine import create
from sync.account.auth import AuthService
from sync.protocol.manifest import Manifest
from sync.protocol.records import V2
from sync.site.config import SiteConfig
from tests.support.admin_web import ADMIN_PASSWORD, PASSWORD
from tests.support.courses import (
    QUIZ_AND_EXAM,
    attempt_on_tested,
    publish_source,
    random_bytes,
    write_course_source,
)
from tests.support.server_process import ServerProcess
from tests.support.watch import Timeline

COURSE = "tested"
"""One lesson of 10 s, a quiz on it and a final exam."""


def publish_tested(server: ServerProcess, root: Path) -> Manifest:
    publish_source(server.data_dir, write_course_source(root / "src-tested", COURSE, [random_bytes(300, 3)],
                                                        assessments=QUIZ_AND_EXAM))
    return Manifest.parse((ServerConfig(server.data_dir).repo_dir / "manifests" / COURSE / "1.json").read_bytes())


def study(server: ServerProcess, root: Path, account: str, manifest: Manifest, *, quiz_right: bool,
          exam_right: bool = True) -> None:
    """``account`` (a person of the site) watches the whole lesson, takes the quiz and the exam, and syncs."""
    session = AuthService(root / f"profile-{account}", SiteConfig(server_url=server.url)).sign_in(account, PASSWORD)
    line = Timeline(start=time.time() - 200)
    outbox = session.outbox()
    outbox.append("watch", COURSE, "lesson-1", line.body([[0.0, 10.0]], version=1), v=1)
    outbox.append("quiz", COURSE, "lesson-1", attempt_on_tested(manifest.quizzes[0], 7, quiz_right), v=V2)
    assert manifest.exam is not None
    outbox.append("exam", COURSE, None, attempt_on_tested(manifest.exam, 8, exam_right), v=V2)
    assert session.uploader().sync_once().errors == []


def add_reviewer(server: ServerProcess, name: str, classes: tuple[str, ...]) -> None:
    engine = create(server.db_url)
    try:
        with engine.connect() as conn:
            admins.create_admin(conn, name, ADMIN_PASSWORD, admins.AdminRole.REVIEWER, classes=classes,
                                display_name="评审员")
            conn.commit()
    finally:
        engine.dispose()
