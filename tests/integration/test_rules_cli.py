"""``studydesk-server rules check FILE | show`` as a real process: the effective rules printed as a
rules file that reads back to the same rules, a bad key named on stderr with exit 1, and the data
folder's rules.toml (or the defaults) shown without creating anything."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

from sync.protocol.rules import DEFAULT_RULES
from sync.protocol.rules_file import parse_rules_toml
from tests.support.zygote import run_module

ROOT = Path(__file__).resolve().parents[2]


def _rules_cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_module("server.cli", ["--data", str(data), "rules", *args], cwd=ROOT)


def test_rules_check_prints_the_effective_rules_or_names_the_bad_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    good = tmp_path / "site-rules.toml"
    good.write_text('[credit]\nmethod = "tiers"\n[targets.default]\nrequired = 40\nelective = 10\n'
                    '[targets.division]\ntotal = 60\n[targets."县处级"]\ntotal = 60\n', encoding="utf-8")
    result = _rules_cli(data, "check", str(good))
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"warning: {good}: targets.县处级 is not a cadre level code "
                             "(bureau, division, section, staff): it applies to nobody\n")
    assert result.stdout.startswith(f"# {good}: valid.")
    rules = parse_rules_toml(result.stdout.encode())
    assert rules.credit.method == "tiers" and rules.credit.tiers == DEFAULT_RULES.credit.tiers
    assert rules.year.target_for("any level").required == Decimal(40)
    assert rules.year.target_for("division").total == Decimal(60)

    bad = tmp_path / "bad.toml"
    bad.write_text("[year]\ncarry_over = true\ncarry_over_cap = -2\n", encoding="utf-8")
    result = _rules_cli(data, "check", str(bad))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (f"error: {bad}: year.carry_over_cap must be a number from 0 to 100000 "
                                     "with at most 2 decimals [bad_rules]")
    result = _rules_cli(data, "check", str(tmp_path / "missing.toml"))
    assert result.returncode == 1 and "Traceback" not in result.stderr and "missing.toml" in result.stderr
    assert not data.exists()  # checking a file creates no server data folder


def test_rules_show_reads_the_data_folder(tmp_path: Path) -> None:
    result = _rules_cli(tmp_path, "show")
    assert result.returncode == 0, result.stderr
    assert "the defaults" in result.stdout.splitlines()[0]
    assert parse_rules_toml(result.stdout.encode()) == DEFAULT_RULES
    (tmp_path / "rules.toml").write_text('[credit]\nunit = "credits"\n', encoding="utf-8")
    result = _rules_cli(tmp_path, "show")
    assert result.stdout.splitlines()[0] == f"# {tmp_path / 'rules.toml'}"
    assert parse_rules_toml(result.stdout.encode()).credit.unit == "credits"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rules.toml"]


def test_a_broken_site_rules_file_is_named_by_rules_check_and_stops_the_server_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "rules.toml").write_text("[credit]\nmethod = \"by_feel\"\n", encoding="utf-8")
    checked = _rules_cli(data, "check")
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert str(data / "rules.toml") in checked.stderr and "credit.method" in checked.stderr
    serve = run_module("server.cli", ["--data", str(data), "serve", "--port", "0"], cwd=ROOT)
    assert serve.returncode == 1 and "Traceback" not in serve.stderr
    assert serve.stderr.strip() == checked.stderr.strip()  # the same message, before any request
    (data / "rules.toml").write_text("[credit]\nmethod = \"tiers\"\n", encoding="utf-8")
    assert _rules_cli(data, "check").returncode == 0
