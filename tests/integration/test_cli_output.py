"""What ``studydesk`` commands print, run as real processes: no traceback when there is no terminal
for the password, ``sync`` against a stopped server, the ``courses`` table, progress lines and
durations."""

from __future__ import annotations

import io
import os
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

from client.commands.download import ProgressLine
from client.durations import format_duration
from tests.support.courses import publish_source, publisher_keys, random_bytes, write_course_source, write_site
from tests.support.server_process import ServerProcess, add_user
from tests.support.zygote import run_module

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo_course"


def studydesk(*args: str, lang: str | None = "en", stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STUDYDESK_LANG"}
    if lang:
        env["STUDYDESK_LANG"] = lang
    return run_module("client.cli", args, input=stdin, cwd=ROOT, env=env)


def test_login_without_a_terminal_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[server]\nurl = "http://127.0.0.1:9"\n', encoding="utf-8")
    base = ("--data", str(tmp_path / "pc"), "--site", str(site))
    for lang, words in (("en", "no terminal to type the password on"), ("zh_CN", "没有可输入密码的终端")):
        done = studydesk(*base, "login", "--user", "zhangsan", lang=lang)
        assert done.returncode == 2, done.stderr
        assert words in done.stderr and "--password-stdin" in done.stderr
        assert "Traceback" not in done.stderr and "GetPassWarning" not in done.stderr


def test_sync_against_a_stopped_server_says_it_is_unreachable(server: ServerProcess, tmp_path: Path) -> None:
    add_user(server, "he", "pass-word")
    site = tmp_path / "site.toml"
    site.write_text(f'[server]\nurl = "{server.url}"\n', encoding="utf-8")
    base = ("--data", str(tmp_path / "pc"), "--site", str(site))
    assert studydesk(*base, "login", "--user", "he", "--password-stdin", stdin="pass-word\n").returncode == 0
    server.stop()
    started = time.monotonic()
    done = studydesk(*base, "sync", "--user", "he", "--password-stdin", stdin="pass-word\n")
    assert done.returncode == 1
    assert "The server cannot be reached" in done.stderr and "Traceback" not in done.stderr
    assert "Records waiting on this PC: 0." in done.stderr
    assert time.monotonic() - started < 30  # said at once, not after --max-wait (60 s) of retries
    chinese = studydesk(*base, "sync", "--user", "he", "--password-stdin", stdin="pass-word\n", lang="zh_CN")
    assert chinese.returncode == 1 and "无法连接服务器" in chinese.stderr


def test_courses_prints_a_table_with_credit_hours_and_overdue_marks(server: ServerProcess, tmp_path: Path) -> None:
    add_user(server, "chen", "pass-word", unit="城关镇")
    server.cli("keys", "init")
    server.cli("publish", str(DEMO))
    future = (date.today() + timedelta(days=30)).isoformat()
    server.cli("assign", "demo-party-theory", "--user", "chen", "--required", "--due", future)
    server.cli("assign", "law-basics", "--user", "chen", "--elective", "--due", "2020-01-31", "--force",
               "--title", "法律基础", "--credit-hours", "2")
    site = tmp_path / "site.toml"
    site.write_text(f'[server]\nurl = "{server.url}"\n', encoding="utf-8")
    base = ("--data", str(tmp_path / "pc"), "--site", str(site), "courses", "--user", "chen", "--password-stdin")

    zh = studydesk(*base, stdin="pass-word\n", lang="zh_CN")
    assert zh.returncode == 0, zh.stderr
    header, rule, *rows = zh.stdout.splitlines()[:4]
    assert header.split() == ["课程", "名称", "类别", "截止日期", "学时", "进度"]
    assert set(rule.replace(" ", "")) == {"-"}
    demo = next(r for r in rows if r.startswith("demo-party-theory"))
    law = next(r for r in rows if r.startswith("law-basics"))
    assert "必修" in demo and future in demo and "1.5" in demo and "已逾期" not in demo
    assert "选修" in law and "2020-01-31 ! 已逾期" in law and " 2 " in law
    assert "已逾期课程：1 门" in zh.stdout
    # the columns line up on a terminal: Chinese characters take two columns each
    from client.commands.courses import width

    assert width(header[: header.index("学时")]) == width(demo[: demo.index("1.5")])

    en = studydesk(*base, stdin="pass-word\n", lang="en")
    assert en.stdout.splitlines()[0].split() == ["Course", "Title", "Kind", "Due", "Credit", "hours", "Progress"]
    assert "2020-01-31 ! overdue" in en.stdout and "Overdue courses: 1." in en.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_rewrites_one_line_on_a_terminal_and_prints_seldom_into_a_file() -> None:
    now = [0.0]
    tty = _Terminal()
    line = ProgressLine(tty, interval_s=5.0, clock=lambda: now[0])
    for i in range(100):
        line.show(f"{i}%")
    line.done()
    assert tty.getvalue().count("\r") == 100 and tty.getvalue().endswith("99%\x1b[K\n")
    assert tty.getvalue().count("\n") == 1

    piped = io.StringIO()
    line = ProgressLine(piped, interval_s=5.0, clock=lambda: now[0])
    for i in range(101):  # 10 seconds of updates every 0.1 s
        now[0] = i / 10
        line.show(f"{i}%")
    line.done()
    assert piped.getvalue().splitlines() == ["0%", "50%", "100%"]
    assert "\r" not in piped.getvalue()


def test_a_download_into_a_pipe_prints_a_few_whole_lines(server: ServerProcess, tmp_path: Path) -> None:
    size = 1_500_000
    publish_source(server.data_dir, write_course_source(tmp_path / "src", "slow", [random_bytes(size, 5)]))
    site = write_site(tmp_path / "site.toml", server.url, publisher_keys(server.data_dir))
    started = time.monotonic()
    done = studydesk("--data", str(tmp_path / "pc"), "--site", str(site), "download", "slow", "--rate-kbps", "3000")
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "\r" not in done.stderr and "100%" in lines[-1]
    assert len(lines) <= took / 5 + 2
    assert "Downloaded slow version 1" in done.stdout and " s." in done.stdout


def test_durations_are_never_an_ambiguous_clock() -> None:
    assert format_duration(45) == "45 s"
    assert format_duration(90) == "1 min 30 s"
    assert format_duration(3599) == "59 min 59 s"
    assert format_duration(5400) == "1:30:00"
    assert format_duration(-3) == "0 s"
