"""Screenshots of 我的学习 with what the server decided for the learner: the reminders (学习提醒), the
training classes with their scores (我的培训班) and the rankings, at the office screen sizes.

    QT_QPA_PLATFORM=offscreen python -m tests.support.learner_screens artifacts/screenshots/learner

Runs the real window against a real server (tests.support.shell_env) with a yearly target in its
rules, a class with the demo course due in five days, an elective overdue and colleagues in two
units; after the first sync it saves ``my-courses-outcomes-<width>x<height>-<text size>.png`` (the
window) and ``…-whole.png`` (the whole scrolling page), in zh_CN, at 1366x768 and 1024x768 with
the 标准 and 特大 text sizes, then the same offline. Open every image before curating some into
docs/screenshots/.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from tests.support.course_screens import (  # sets QT_QPA_PLATFORM=offscreen too
    each_size,
    run,
    settle,
    signed_in,
    signed_out,
    wait_until,
)


def main(out: Path) -> None:
    from client.workers.script_driver import save_screenshot
    from tests.support.courses import publish_source, random_bytes, write_course_source
    from tests.support.shell_env import DEMO_COURSE_ID, zhangsan_server

    today = date.today()
    with tempfile.TemporaryDirectory() as tmp, zhangsan_server(Path(tmp)) as env:
        server = env.server
        server.stop()
        (server.data_dir / "rules.toml").write_text("[targets.default]\ntotal = 50\n", encoding="utf-8")
        publish_source(server.data_dir, write_course_source(Path(tmp) / "law", "law-basics", [random_bytes(300, 5)],
                                                             title="依法行政专题"))
        server.start()
        env.add_user("wangwu", "城关镇人民政府", "王五")
        env.add_user("lisi", "河西乡人民政府", "李四")
        server.cli("class", "add", "qn-2026", "2026年青年干部培训班", "--starts", f"{today.year}-03-01",
                   "--ends", f"{today.year}-12-20")
        server.cli("class", "enrol", "qn-2026", "--user", "zhangsan")
        server.cli("assign", DEMO_COURSE_ID, "--class", "qn-2026", "--required", "--due",
                   (today + timedelta(days=5)).isoformat())
        env.assign("law-basics", "zhangsan", required=False, due=(today - timedelta(days=2)).isoformat())
        ctx, shell, window = signed_in(env)
        wait_until(lambda: window.courses is not None and DEMO_COURSE_ID in window.courses.rows)
        assert window.session is not None and window.session.sync is not None
        window.session.sync.sync_now()
        courses = window.courses
        assert courses is not None
        wait_until(lambda: courses.classes.cards != [] and courses.reminders.isVisible(), timeout_s=60)

        def shoot(state: str) -> None:
            for size in each_size(ctx, window):
                name = f"my-courses-{state}-{size}"
                save_screenshot(courses.list_host.grab(), out / f"{name}-whole.png")
                save_screenshot(window.grab(), out / f"{name}.png")

        shoot("outcomes")
        server.stop()
        courses.reload()
        settle(1.0)
        shoot("outcomes-offline")
        signed_out(ctx, shell, window)


if __name__ == "__main__":
    sys.exit(run(main, "artifacts/screenshots/learner"))
