"""The demo runner: server child process, key, published demo course, site file, download, in one
language per run; a second run reuses the key and the course."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

from client.demo import DEMO_COURSE_DIR, DEMO_COURSE_ID, REPO_ROOT, prepare
from sync.content.store import ContentStore
from sync.protocol.work_factor import KDF_COST_ENV, PASSWORD_COST_ENV
from sync.site.config import load_site
from tests.support.ctrl_c import popen_taking_ctrl_c
from tests.support.server_process import free_port

ENGLISH = ("Published", "unchanged", "Demo server", "Demo course files", "Try:", "keeps running", "time left",
           "files)", "Downloaded", "Stored in", "Stopping the demo server")


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
               for ch in text)


def _demo_run(tmp_path: Path, language: str) -> str:
    """``python -m client.demo --no-window`` until the course is downloaded and the server waits; then Ctrl-C."""
    # none of this run's settings but the test run's scrypt costs (tests/conftest.py): the demo person's
    # password is hashed at the cost the other tests use
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STUDYDESK_") or k in (PASSWORD_COST_ENV, KDF_COST_ENV)}
    env.update(HOME=str(tmp_path / "home"), STUDYDESK_DEMO_DIR=str(tmp_path / "demo"), STUDYDESK_LANG=language,
               PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO_ROOT))
    # the demo must take the Ctrl-C below even when this test run ignores SIGINT (started in the background)
    proc = popen_taking_ctrl_c([sys.executable, "-m", "client.demo", "--no-window", "--port", str(free_port())],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                               env=env, cwd=REPO_ROOT)
    watchdog = threading.Timer(240, proc.kill)  # a hung demo fails the test instead of hanging it
    watchdog.start()
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C" in line:  # the download finished and the server keeps running
                break
        assert any("Ctrl-C" in line for line in lines), "".join(lines)
        proc.send_signal(signal.SIGINT)
        lines.extend(proc.stdout)
        assert proc.wait(30) == 0, "".join(lines)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return "".join(lines)


def test_the_demo_speaks_one_language_per_run_and_a_second_run_reuses_key_and_course(tmp_path: Path) -> None:
    title = tomllib.loads((DEMO_COURSE_DIR / "course.toml").read_text(encoding="utf-8"))["title"]
    zh = _demo_run(tmp_path / "zh", "zh_CN")
    assert "已发布演示课程" in zh and "演示服务器：" in zh and "演示课程文件：" in zh and "正在停止演示服务器" in zh
    assert "100%" in zh and "(4/4 个文件)" in zh
    assert not [word for word in ENGLISH if word in zh], zh
    finished = [line for line in zh.splitlines() if "100%" in line]
    assert finished and not any("B/s" in line or "剩余时间" in line for line in finished), zh

    # the run downloaded the whole course into the demo's client folder, verified against its site file's key
    demo = tmp_path / "zh" / "demo"
    first_keys = load_site(demo / "site.toml").publisher_keys
    again = prepare(root=demo, port=free_port())  # a second run (here in this process) reuses key and course
    try:
        site = load_site(again.site_path)
        assert site.server_url == again.server_url and site.publisher_keys == (again.public_key,) == first_keys
        assert [p.name for p in (again.server_data / "repo" / "manifests" / DEMO_COURSE_ID).iterdir()] == ["1.json"]
        store = ContentStore(again.client_data / "content", site.trusted_keys())
        manifest = store.manifest(DEMO_COURSE_ID)
        assert manifest is not None and len(manifest.lessons) == 3
        assert all(store.lesson_file(manifest, lesson.id) for lesson in manifest.lessons)
        assert store.document_file(manifest, "handout") is not None
    finally:
        again.stop()
    assert again.process.poll() is not None

    en = _demo_run(tmp_path / "en", "en")
    assert "Published the demo course" in en and "Demo server:" in en and "Stopping the demo server." in en
    assert "(4/4 files)" in en and not any("100%" in line and "B/s" in line for line in en.splitlines()), en
    assert not _has_cjk(en.replace(title, "")), en
