"""我的学习 shows what the server decided beyond the year's figures, as of the last sync and offline:
the reminders (学习提醒), the training classes with their scores (我的培训班) and the rank in the unit
and among its sibling units. Against a real server process and a real profile database; the
widgets' wording in English and in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest

from tests.support.dates import local_offset_minutes, site_day, year_rules
from tests.support.shell_env import DEMO_COURSE_ID, ShellEnv, close, signed_in_window, zhangsan_server

DEMO_TITLE = "学习贯彻党的基本理论专题"
TWO_YEARS_S = 730 * 86400
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ShellEnv]:
    with zhangsan_server(tmp_path) as env:
        server = env.server
        server.stop()
        # the site is in this PC's time zone, as a site's PCs are: the app's today (the PC's) is the site's,
        # also on the evening of the 31st of December (UTC) when the default +08:00 has turned the year
        rules = "[targets.default]\ntotal = 50\n" + year_rules(local_offset_minutes())
        (server.data_dir / "rules.toml").write_text(rules, encoding="utf-8")
        server.start()
        env.add_user("lisi", "河西乡", "李四")
        server.cli("class", "add", "qn-2026", "2026年青年干部培训班", "--starts", "2026-03-01", "--ends", "2026-12-20")
        server.cli("class", "enrol", "qn-2026", "--user", "zhangsan")
        server.cli("assign", DEMO_COURSE_ID, "--class", "qn-2026", "--required", "--due",
                   (date.today() + timedelta(days=3)).isoformat())
        yield env


def test_classes_reminders_and_ranks_come_with_the_sync_and_stay_offline(qtbot, env):
    from sync.records.server_view import cached_server_clock, store_server_clock

    due = date.today() + timedelta(days=3)
    due_text = f"{due.day} {MONTHS[due.month - 1]}" + (f" {due.year}" if due.year != date.today().year else "")
    ctx, window, shell = signed_in_window(qtbot, env)
    try:
        page = window.courses
        window.session.sync.sync_now()
        qtbot.waitUntil(lambda: page.data.server is not None and page.classes.cards != [], timeout=30000)
        [card] = page.classes.cards
        assert page.classes.isVisible() and page.classes.heading.text() == "My classes"
        assert card.name.text() == "2026年青年干部培训班" and card.tag.text() == "Not passed yet"
        assert card.facts.text() == ("1 Mar 2026 to 20 Dec 2026 · weights attendance : tests : exam = 3:3:4 · "
                                     "pass mark 60")
        assert card.total.text() == "Total 0"
        assert card.parts.text() == "Attendance 0   ·   In-lesson tests 0   ·   Final exam 0"
        assert card.todo.text() == (f"60 more points to pass. Still to do in “{DEMO_TITLE}”: videos, quizzes, "
                                    "final exam.")
        banner = page.reminders
        assert banner.isVisible() and banner.title.text() == "Reminders"
        assert banner.lines.text() == (
            "50 more credit hours are needed to reach this year's target; please plan your study.\n"
            f"“{DEMO_TITLE}” is due on {due_text}; please complete it in time.")
        assert banner.as_of.text().startswith("(As of the last sync, today ")
        ranking = page.summary.ranking.text()
        assert "Rank 1 of 1 in 城关镇人民政府; your unit ranks 1 of the 2 units under 全部单位." in ranking

        env.server.stop()  # offline: the same, from what this PC kept
        shown = (banner.lines.text(), card.todo.text(), ranking)
        page.reload()
        qtbot.waitUntil(lambda: not ctx.lanes.busy, timeout=10000)
        [card] = page.classes.cards
        assert (page.reminders.lines.text(), card.todo.text(), page.summary.ranking.text()) == shown

        # this PC's clock two years behind the server's at the last sync: "today" is the site's, by the server
        conn = window.session.session.db()
        try:
            learned = cached_server_clock(conn)
            assert learned is not None  # the sync kept how far the server's clock was
            store_server_clock(conn, learned + TWO_YEARS_S)
        finally:
            conn.close()
        before = site_day(local_offset_minutes(), datetime.now(UTC) + timedelta(seconds=learned + TWO_YEARS_S))
        page.reload()
        qtbot.waitUntil(lambda: not ctx.lanes.busy and page.data.today != date.today(), timeout=10000)
        after = site_day(local_offset_minutes(), datetime.now(UTC) + timedelta(seconds=learned + TWO_YEARS_S))
        assert page.data.today in (before, after) and page.data.summary.year == page.data.today.year
        # the course is overdue, its card and its reminder say so; last year's target reminder is gone
        assert "Overdue" in page.rows[DEMO_COURSE_ID].facts.text()
        assert banner.lines.text() == (f"“{DEMO_TITLE}” was due on {due.day} {MONTHS[due.month - 1]} {due.year}; "
                                       "please complete it as soon as possible.")
        page.status.setCurrentIndex(page.status.findData("overdue"))
        assert [i.course_id for i in page.visible_items()] == [DEMO_COURSE_ID]
    finally:
        close(qtbot, ctx, window, shell)


def _outcomes():
    from sync.protocol.outcomes import ClassResult, MissingCourse, Ranking, Reminder
    from sync.records.server_view import ServerOutcomes

    classes = (
        ClassResult("qn-2026", "2026年<青年>干部培训班", "2026-03-01", "2026-12-20", (D(3), D(3), D(4)), D(60),
                    D(50), None, D(100), D("70"), True, D(0),
                    (MissingCourse("c2", "依法行政", ("videos",)),)),
        ClassResult("law", "法治专题班", "2026-09-01", "2027-01-10", (D(2), D(3), D(5)), D("70.5"),
                    D("50"), D("0"), D(100), D(60), False, D("10.5"),
                    (MissingCourse("c1", "党史学习", ("videos", "quizzes")),)),
    )
    reminders = (Reminder("behind_target", short=D(12), unit="hours"),
                 Reminder("overdue", course_id="c3", title="廉政教育", due="2026-12-01", days=-2),
                 Reminder("due_soon", course_id="c1", title="党史学习", due="2026-12-10", days=7),
                 Reminder("due_soon", course_id="c2", title="依法行政", due="2026-12-05", days=2),
                 Reminder("due_soon", course_id="c4", title="新时代", due="2027-01-05", days=33))
    return ServerOutcomes("2026-12-03", datetime.now().astimezone().isoformat(), 2026, "hours", D(3), D(0), D(3),
                          "behind", frozenset(), Ranking("城关镇", 2, 14, 5, 9, D("1.2"), "示范县"), classes,
                          reminders)


def test_reminders_classes_and_ranks_read_in_chinese(qapp, qtbot):
    from client.i18n import Translator, ensure_built
    from client.widgets.outcomes_view import ClassesPanel, RemindersBanner
    from client.windows.my_courses import SummaryPanel
    from sync.records.my_courses import Summary

    server = _outcomes()
    banner, classes, summary = RemindersBanner(), ClassesPanel(), SummaryPanel()
    for w in (banner, classes, summary):
        qtbot.addWidget(w)
    # on 5 Dec: 依法行政 is due today, 廉政教育 overdue; 党史学习 is done on this PC since the sync
    banner.set_outcomes(server, frozenset({"c1"}), today=date(2026, 12, 5))
    classes.set_outcomes(server)
    summary.set_summary(Summary(2026), server)
    ensure_built()
    translator = Translator(qapp)
    try:
        assert translator.set_language("zh_CN")
        for w in (banner, classes, summary):
            w.retranslate()
        for card in classes.cards:
            card.retranslate()
        assert banner.title.text() == "学习提醒"
        assert banner.lines.text().split("\n") == [
            "距本年度学时目标还差 12 学时，请合理安排学习。",
            "《廉政教育》已于 12月1日 到期，请尽快完成。",
            "《依法行政》今天到期，请抓紧完成。",
            "《新时代》将于 2027年1月5日 到期，请按时完成。",
        ]
        assert banner.as_of.text().startswith("（截至上次同步：今天 ")
        assert classes.heading.text() == "我的培训班"
        good, short = classes.cards
        assert good.name.text() == "2026年<青年>干部培训班"  # text, not markup
        assert (good.tag.text(), good.total.text(), good.parts.text()) == (
            "已合格", "总成绩 70 分", "出勤 50   ·   结业考试 100")  # no quiz in the class: no tests score
        assert good.todo.text() == "《依法行政》尚未完成：视频。"
        assert short.facts.text() == ("2026年9月1日 至 2027年1月10日 · 出勤 : 随堂测验 : 结业考试 = 2:3:5 · "
                                      "合格线 70.5 分")
        assert (short.tag.text(), short.total.text(), short.parts.text()) == (
            "尚未合格", "总成绩 60 分", "出勤 50   ·   随堂测验 0   ·   结业考试 100")
        assert short.todo.text() == "还差 10.5 分达到合格线。《党史学习》尚未完成：视频、随堂测验。"
        assert summary.ranking.text().startswith("落后于年度目标。在城关镇的 14 人中排第 2 名；"
                                                 "本单位在示范县下属的 9 个单位中排第 5 名。（截至上次同步：今天 ")
        # a new year: last year's target reminder goes; the course reminders stay until the next sync
        banner.set_outcomes(server, frozenset(), today=date(2027, 1, 2))
        assert banner.lines.text().split("\n")[0] == "《廉政教育》已于 2026年12月1日 到期，请尽快完成。"
        banner.set_outcomes(None, frozenset(), date(2027, 1, 2))
        assert banner.isHidden() and classes.cards
        classes.set_outcomes(None)
        assert classes.isHidden() and classes.cards == []
    finally:
        translator.uninstall()
