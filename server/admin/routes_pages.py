"""The admin web's reading pages: the dashboard, a unit's drill-down, the people of the admin's
view and one person's learning archive (学习档案). Each validates its path or query, asks
server.admin.scope whether the admin may see it, and shows what server.admin.reports and the
transcript service give; every table can be downloaded (server.admin.exports)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from markupsafe import Markup

from server.admin import archive, charts, reports, routes_certs, routes_people, scope
from server.admin.exports import Table, text
from server.admin.reasons import reason_texts
from server.admin.reports import Period, UnitFigures
from server.admin.web import Signed, SignedIn, SiteClock, redirect, respond, site_rules
from server.config import ServerConfig
from server.person_year import year_bounds
from server.published import Published
from server.storage.tables import devices
from server.transcript import transcript
from server.users import User
from sync.protocol.rules import Rules
from sync.protocol.rules_file import plain

router = APIRouter(prefix="/admin")


def level_label(code: str | None, lang: str) -> str:
    """A cadre level code as people read it (server.org.levels), or the code if unknown."""
    from server.org.levels import CadreLevel

    try:
        return CadreLevel(code).label(lang) if code else ""
    except ValueError:
        return code or ""


def period(signed: Signed) -> Period:
    return Period.of(datetime.now(UTC), site_rules(signed).year.utc_offset_minutes)


def targets(signed: Signed) -> reports.Targets:
    return reports.Targets.of(site_rules(signed).year)


def _share(value: float | None) -> float | str:
    return "—" if value is None else value


def unit_table(signed: Signed, name: str, title: str, rows: list[UnitFigures]) -> Table:
    _ = signed.page.gettext
    return Table(name, title, (_("Unit"), _("Headcount"), _("On track (%)"), _("Required done (%)"), _("Overdue"),
                               _("Studying this week"), _("Study hours this year"), _("Hours per person")),
                 [(f.name, f.people, _share(f.on_track_share), _share(f.required_share), f.overdue, f.studying_week,
                   f.study_hours, f.hours_per_person) for f in rows],
                 [f"/admin/units/{f.code}" for f in rows])


def figures_of(signed: Signed, total: UnitFigures) -> list[tuple[str, str]]:
    _ = signed.page.gettext
    return [(_("Headcount"), str(total.people)),
            (_("On track for the target (%)"), text(_share(total.on_track_share))),
            (_("Required courses completed (%)"), text(_share(total.required_share))),
            (_("Overdue"), str(total.overdue)), (_("Studying this week"), str(total.studying_week)),
            (_("Study hours this year"), text(total.study_hours)),
            (_("Hours per person"), text(total.hours_per_person))]


def unit_bars(signed: Signed, rows: list[UnitFigures]) -> list[tuple[str, Markup]]:
    """The bar charts per unit: the share on track when the site sets targets (else the share who
    studied), and the required courses completed when any are assigned."""
    _ = signed.page.gettext
    if any(f.with_target for f in rows):
        title = _("On track for this year's target, per unit (%)")
        bars = [(title, charts.bar_chart([(f.name, f.on_track_share or 0.0) for f in rows], title=title, below=50))]
    else:
        title = _("Share studied this year, per unit (%)")
        bars = [(title, charts.bar_chart([(f.name, f.studied_share) for f in rows], title=title, below=50))]
    if any(f.required_assigned for f in rows):
        title = _("Required courses completed, per unit (%)")
        bars.append((title, charts.bar_chart([(f.name, f.required_share or 0.0) for f in rows], title=title,
                                             below=50)))
    return bars


@router.get("/")
def dashboard(signed: SignedIn) -> Response:
    if scope.reviewer(signed.admin):
        return redirect(signed.page, "/admin/classes")
    tops = scope.top_units(signed.conn, signed.admin)
    if len(tops) == 1:
        return unit_page(signed, tops[0].code, dashboard=True)
    _ = signed.page.gettext
    when = period(signed)
    rows = reports._figures(signed.conn, tops, when, targets(signed))
    table = unit_table(signed, "units", _("Units"), rows)
    return respond(signed, "dashboard.html", [table], title=_("Dashboard"), section="dashboard", unit=None,
                   crumbs=[], figures=[], table=table, people=None, year=when.year, manage=False,
                   bars=unit_bars(signed, rows), line=None)


@router.get("/units/{code}")
def unit_page(signed: SignedIn, code: str, dashboard: bool = False) -> Response:
    _ = signed.page.gettext
    unit = scope.unit(signed.conn, signed.admin, code)
    when = period(signed)
    total, kids = reports.unit_figures(signed.conn, unit, when, targets(signed))
    crumbs = [u for u in reports.ancestors(signed.conn, unit) if scope.sees_unit(signed.conn, signed.admin, u.code)]
    tables = [unit_table(signed, "child-units", _("Units below"), kids)] if kids else []
    people = reports.people_in(signed.conn, unit, when)
    people_table = Table(
        "people", _("People of this unit"),
        (_("Name"), _("Account"), _("Cadre level"), _("Study hours this year"), _("Studied this week")),
        [(p.display_name, p.username, level_label(p.level, signed.page.lang), p.study_hours,
          _("yes") if p.studying_week else "")
         for p in people], [f"/admin/people/{p.user_id}" for p in people])
    tables.append(people_table)
    line = charts.line_chart(reports.weekly_hours(signed.conn, unit, when), title=_("Study hours per week"))
    return respond(signed, "dashboard.html", tables, title=_("Dashboard") if dashboard else unit.name,
                   bulletin_periods=bulletin_periods(signed, when),
                   section="dashboard" if dashboard else "units", unit=unit, crumbs=crumbs,
                   figures=figures_of(signed, total), table=tables[0] if kids else None, people=people_table,
                   year=when.year, bars=unit_bars(signed, kids) if kids else [], line=line, manage=True,
                   **routes_people.unit_forms(signed, unit, total.people))


@router.get("/units")
def units_page(signed: SignedIn) -> Response:
    tops = scope.top_units(signed.conn, signed.admin)
    if len(tops) == 1:
        return redirect(signed.page, f"/admin/units/{tops[0].code}")
    return dashboard(signed)


@router.get("/people")
def people_page(signed: SignedIn, q: Annotated[str, Query(max_length=64)] = "") -> Response:
    _ = signed.page.gettext
    when = period(signed)
    found = []
    for top in scope.top_units(signed.conn, signed.admin):
        found += reports.people_in(signed.conn, top, when, subtree=True, limit=200, order="name", search=q.strip())
    table = Table("people", _("People"), (_("Name"), _("Account"), _("Unit"), _("Cadre level"),
                                          _("Study hours this year")),
                  [(p.display_name, p.username, p.unit_name, level_label(p.level, signed.page.lang), p.study_hours)
                   for p in found],
                  [f"/admin/people/{p.user_id}" for p in found])
    return respond(signed, "people.html", [table], title=_("People"), section="people", table=table, q=q)


@router.get("/people/{user_id}")
def person_page(signed: SignedIn, user_id: str) -> Response:
    _ = signed.page.gettext
    person = scope.person(signed.conn, signed.admin, user_id)
    when = period(signed)
    rules = site_rules(signed)
    config: ServerConfig = signed.page.request.app.state.config
    record = transcript(signed.conn, person.user_id, config.repo_dir)
    texts = reason_texts(_)
    courses = Table("courses", _("Courses"), (_("Course"), _("Study hours"), _("Quizzes taken"), _("Exams taken"),
                                              _("Set aside (s)")),
                    [(c["course_id"], round(c["credited_s"] / 3600, 2), len(c["quizzes"]), len(c["exams"]),
                      c["set_aside_s"]) for c in record["courses"]], raw=(0,))
    lessons = Table("lessons", _("Lessons"), (_("Course"), _("Lesson"), _("Minutes watched"), _("Set aside (s)"),
                                              _("Reasons")),
                    [(c["course_id"], lesson["lesson_id"], round(lesson["credited_s"] / 60, 1), lesson["set_aside_s"],
                      "; ".join(texts.get(code, code) for code in sorted(lesson["set_aside"])))
                     for c in record["courses"] for lesson in c["lessons"]], raw=(0, 1))
    enrolled_by = {"api": _("at sign-in"), "import": _("from a records file")}
    rows = signed.conn.execute(devices.select().where(devices.c.user_id == person.user_id)
                               .order_by(devices.c.enrolled_at)).all()
    clock = SiteClock(rules)
    device_table = Table("devices", _("Devices"),
                         (_("Device"), _("Enrolled (%(zone)s)") % {"zone": clock.zone}, _("Enrolled by")),
                         [(r.device_id, clock.when(r.enrolled_at), enrolled_by.get(r.enrolled_by, r.enrolled_by))
                          for r in rows])
    years_table, attempts_table, classes_table, flagged_table = _archive_tables(signed, person, record, rules)
    hours = reports.person_hours(signed.conn, person.user_id, when)
    target = rules.year.target_for(person.level.value if person.level else None)
    goal = float(target.total or target.required + target.elective)
    ring = charts.ring(hours, goal, title=_("This year"),
                       caption=f"{text(hours)} / {text(goal)} " + _("hours")) if goal > 0 else None
    gaps = record["gaps"]
    done = {"unlock": _("The account is unlocked."), "reset_password": _("The password is reset."),
            "move_person": _("Moved to the unit chosen; the move is kept in the history."),
            "deactivate_person": _("The account is deactivated: it cannot sign in; its records stay."),
            "issue_certificate": _("The certificate is issued; it is listed below."),
            "revoke_certificate": _("The certificate is revoked; verifiers refuse it once they fetch the new list."),
            "add_person": _("The person is added. Hand them the first password and have it changed.")}
    query = signed.page.request.query_params
    notice = ({"kind": "ok", "text": done[query["done"]]} if query.get("done") in done
              else {"kind": "error", "text": routes_people.refusal_text(signed, query["refused"])}
              if query.get("refused") else None)
    return respond(signed, "person.html", [years_table, courses, lessons, attempts_table, classes_table,
                                           device_table, flagged_table], title=person.display_name,
                   section="people", person=person, courses=courses, lessons=lessons, devices=device_table,
                   years=years_table, attempts=attempts_table, classes=classes_table, flagged=flagged_table,
                   ring=ring, hours=hours, year=when.year, gaps=gaps,
                   level=person.level.label(signed.page.lang) if person.level else "—",
                   crumbs=[u for u in _person_crumbs(signed, person.unit_code)], manage=True, notice=notice,
                   unit_choices=scope.unit_choices(signed.conn, signed.admin, person.unit_code),
                   certificates=routes_certs.rows(signed, person, clock))


def _archive_tables(signed: Signed, person: User, record: dict[str, Any],
                    rules: Rules) -> tuple[Table, Table, Table, Table]:
    """The archive's years, quiz and exam attempts (graded by the server), training classes with
    their 3:3:4 scores, and flagged records (server.admin.archive)."""
    _ = signed.page.gettext
    texts = reason_texts(_)
    config: ServerConfig = signed.page.request.app.state.config
    clock = SiteClock(rules)
    years = archive.years(signed.conn, person.user_id)
    years_table = Table("years", _("Years"), (_("Year"), _("Required credit"), _("Elective credit"), _("Carried in"),
                                             _("Total credit"), _("Courses counted"), _("Required courses assigned"),
                                             _("Required courses done"), _("Study hours")),
                        [(y.year, y.required, y.elective, y.carried, y.total, y.courses_done, y.required_assigned,
                          y.required_done, y.study_hours) for y in years])
    kinds = {"quiz": _("quiz"), "exam": _("exam")}

    def result(a: archive.Attempt) -> str:
        if not a.graded:
            return _("not graded yet")
        verdict = _("passed") if a.passed else _("not passed")
        return f"{verdict}（{texts.get(a.reason, a.reason)}）" if a.reason else verdict

    attempts = archive.attempts(record)
    attempts_table = Table("attempts", _("Quiz and exam attempts"),
                           (_("Course"), _("Kind"), _("Quiz"), _("Attempt"),
                            _("Taken at (%(zone)s)") % {"zone": clock.zone}, _("Score"), _("Full marks"), _("Result")),
                           [(a.course_id, kinds[a.kind], a.quiz_id or "", a.attempt, clock.when(a.created_at), a.score,
                             a.max_score, result(a)) for a in attempts], raw=(0, 2))

    def score(value: Decimal | None) -> float | str:
        return "—" if value is None else float(value)

    found = archive.classes(signed.conn, person, Published(config.repo_dir), rules)
    classes_table = Table("classes", _("Training classes"),
                          (_("Class"), _("Dates"), _("Weights (attendance:tests:exam)"), _("Attendance"), _("Tests"),
                           _("Exam"), _("Weighted total"), _("Pass line"), _("Result")),
                          [(c.name, f"{c.starts} – {c.ends}", ":".join(plain(w) for w in c.weights),
                            score(c.attendance), score(c.tests), score(c.exam), float(c.total), float(c.pass_score),
                            _("passed") if c.passed else _("not passed")) for c in found],
                          [f"/admin/classes/{c.code}" for c in found]
                          if not scope.reviewer(signed.admin) else [])
    flagged = archive.flagged(signed.conn, person.user_id)
    flagged_table = Table("flagged", _("Flagged records"),
                          (_("Made at (%(zone)s)") % {"zone": clock.zone}, _("Course"), _("Lesson"),
                           _("Credited (s)"), _("Set aside (s)"), _("Reasons")),
                          [(clock.when(f.created_at), f.course_id or "", f.lesson_id or "", f.credited_s,
                            f.set_aside_s, "; ".join(texts.get(code, code) for code in f.reasons)) for f in flagged],
                          raw=(1, 2))
    return years_table, attempts_table, classes_table, flagged_table


def _person_crumbs(signed: Signed, unit_code: str | None) -> list[object]:
    if not unit_code:
        return []
    from server.units import get_unit

    unit = get_unit(signed.conn, unit_code)
    if unit is None:
        return []
    return [u for u in [*reports.ancestors(signed.conn, unit), unit]
            if scope.sees_unit(signed.conn, signed.admin, u.code)]


@router.get("/rankings")
def rankings_page(signed: SignedIn, unit: Annotated[str, Query(max_length=64)] = "") -> Response:
    """People within a unit (its whole subtree) by study hours this year, and its child units by
    hours per person."""
    _ = signed.page.gettext
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope("rankings")
    tops = scope.top_units(signed.conn, signed.admin)
    chosen = scope.unit_or_first(signed.conn, signed.admin, unit, tops, "rankings")
    when = period(signed)
    _total, kids = reports.unit_figures(signed.conn, chosen, when, full=False)
    ranked_units = sorted(kids, key=lambda f: (-f.hours_per_person, f.name))
    units_table = Table("unit-ranking", _("Units by hours per person"),
                        (_("Rank"), _("Unit"), _("Headcount"), _("Hours per person"), _("Share studied (%)")),
                        [(i, f.name, f.people, f.hours_per_person, f.studied_share)
                         for i, f in enumerate(ranked_units, start=1)],
                        [f"/admin/rankings?unit={f.code}" for f in ranked_units], link_column=1)
    people = reports.people_in(signed.conn, chosen, when, subtree=True, limit=100, order="hours")
    people_table = Table("people-ranking", _("People by study hours (first 100)"),
                         (_("Rank"), _("Name"), _("Unit"), _("Study hours this year")),
                         [(i, p.display_name, p.unit_name, p.study_hours) for i, p in enumerate(people, start=1)])
    return respond(signed, "rankings.html", [units_table, people_table], title=_("Rankings"), section="rankings",
                   unit=chosen, units_table=units_table, people_table=people_table, year=when.year,
                   choices=[*((u.code, u.name) for u in tops), *((f.code, f.name) for f in kids)])


BULLETIN_PERIOD = re.compile(r"^(\d{4})(?:-([12]))?$")
BULLETIN_YEARS = 3
"""A bulletin may be asked for this year and the BULLETIN_YEARS - 1 before it."""


def bulletin_periods(signed: Signed, when: Period) -> list[tuple[str, str]]:
    """The periods a bulletin can be made for (value of ``?period=``, label), the latest first."""
    _ = signed.page.gettext
    out = []
    for year in range(when.year, when.year - BULLETIN_YEARS, -1):
        out.append((str(year), _("Year %(year)s") % {"year": year}))
        out += [(f"{year}-2", _("Second half of %(year)s") % {"year": year})] if year < when.year or \
            when.today.month >= 7 else []
        out.append((f"{year}-1", _("First half of %(year)s") % {"year": year}))
    return out


@router.get("/units/{code}/bulletin.pdf")
def bulletin(signed: SignedIn, code: str,
             chosen: Annotated[str, Query(alias="period", max_length=7)] = "") -> Response:
    """The unit's bulletin (通报) as PDF, for a year (``?period=2026``; none: this year so far) or a
    half year (``2026-1``: January to June, ``2026-2``: July to December): its figures, its child
    units, and the people below it who did not study in the period."""
    from server.admin import bulletins, pdf
    from server.admin.web import Refused, audited

    _ = signed.page.gettext
    unit = scope.unit(signed.conn, signed.admin, code)
    now = period(signed)
    found = BULLETIN_PERIOD.match(chosen or str(now.year))
    if found is None or int(found.group(1)) not in range(now.year - BULLETIN_YEARS + 1, now.year + 1):
        raise Refused(404)
    year, half = int(found.group(1)), int(found.group(2)) if found.group(2) else None
    offset = site_rules(signed).year.utc_offset_minutes
    if half is None:
        when = now if year == now.year else Period.of(
            datetime.fromtimestamp(year_bounds(year, offset)[1] - 1, UTC), offset)
        total, kids = reports.unit_figures(signed.conn, unit, when, targets(signed))
        tables = [unit_table(signed, "child-units", _("Units below"), kids)] if kids else []
        idle = reports.people_in(signed.conn, unit, when, subtree=True, limit=200, order="hours_asc")
        tables.append(Table("not-studied", _("People who have not studied this year (first 200)"),
                            (_("Name"), _("Unit")),
                            [(p.display_name, p.unit_name) for p in idle if p.study_hours == 0]))
        figures = figures_of(signed, total)
        label = _("Year %(year)s") % {"year": year}
        as_of = reports.today(when)
    else:
        span = bulletins.HalfYear.of(year, half, offset)
        rows = bulletins.half_figures(signed.conn, [unit, *reports.children(signed.conn, unit)], span)
        whole, kids_half = rows[0], rows[1:]
        columns = (_("Unit"), _("Headcount"), _("Studied in the period"), _("Share studied (%)"), _("Study hours"),
                   _("Hours per person"))
        tables = [Table("child-units", _("Units below"), columns,
                        [(f.name, f.people, f.studied, f.studied_share, f.study_hours, f.hours_per_person)
                         for f in kids_half])] if kids_half else []
        tables.append(Table("not-studied", _("People who did not study in this half year (first 200)"),
                            (_("Name"), _("Unit")), bulletins.not_studied(signed.conn, unit, span)))
        figures = [(_("Headcount"), str(whole.people)), (_("Studied in the period"), str(whole.studied)),
                   (_("Share studied (%)"), text(whole.studied_share)),
                   (_("Study hours"), text(whole.study_hours)),
                   (_("Hours per person"), text(whole.hours_per_person))]
        label = (_("First half of %(year)s") if half == 1 else _("Second half of %(year)s")) % {"year": year}
        as_of = min(now.today, date(year, 6, 30) if half == 1 else date(year, 12, 31))
    data = pdf.bulletin(title=_("Study bulletin"), subtitle=f"{unit.name} · {label}", figures=figures, tables=tables,
                        footer=_("As of %(date)s. Made by StudyDesk.") % {"date": as_of.isoformat()})
    name = f"bulletin-{unit.code}-{year}" + (f"-h{half}" if half else "")
    audited(signed, "admin.bulletin", target=unit.code, detail=name)
    return signed.page.finish(Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}.pdf"', "Cache-Control": "no-store"}))


@router.get("/behind")
def behind_page(signed: SignedIn, unit: Annotated[str, Query(max_length=64)] = "") -> Response:
    """Those behind the pace of their yearly target, in a unit's subtree, by the rules engine's
    standing (the one the dashboard's on-track share counts): a list to remind, exportable."""
    _ = signed.page.gettext
    if scope.reviewer(signed.admin):
        raise scope.OutOfScope("behind")
    tops = scope.top_units(signed.conn, signed.admin)
    chosen = scope.unit_or_first(signed.conn, signed.admin, unit, tops, "behind")
    when = period(signed)
    rules = site_rules(signed)
    rows = reports.behind(signed.conn, chosen, when, reports.Targets.of(rules.year))
    table = Table("behind", _("Behind the pace of their yearly target"),
                  (_("Name"), _("Account"), _("Unit"), _("Cadre level"), _("Required"), _("Elective"), _("Total"),
                   _("Short of the pace"), _("Studied this week")),
                  [(b.person.display_name, b.person.username, b.person.unit_name,
                    level_label(b.person.level, signed.page.lang), b.required, b.elective, b.total, b.short,
                    _("yes") if b.person.studying_week else "") for b in rows],
                  [f"/admin/people/{b.person.user_id}" for b in rows])
    unit_name = _("credit hours") if rules.credit.unit == "hours" else _("credits")
    return respond(signed, "behind.html", [table], title=_("Behind"), section="behind", unit=chosen, table=table,
                   year=when.year, share=round(100 * when.days_gone / when.days), unit_name=unit_name,
                   has_targets=any(t.any for _level, t in rules.year.targets),
                   choices=[(u.code, u.name) for u in tops])
