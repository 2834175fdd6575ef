"""The admin command line's parser is built once per environment in a process that runs several
commands, and a changed environment (the defaults it reads) gets a parser of its own."""

from __future__ import annotations

import pytest

from server import cli


def test_the_parser_is_kept_for_its_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYDESK_DATABASE_URL", "postgresql://one@127.0.0.1/a")
    first = cli._parser(cli._parser_environment())
    assert first.parse_args(["rules", "show"]).database == "postgresql://one@127.0.0.1/a"
    monkeypatch.setenv("PYTEST_SOMETHING_ELSE", "x")  # what the parser does not read changes nothing
    assert cli._parser(cli._parser_environment()) is first
    monkeypatch.setenv("STUDYDESK_DATABASE_URL", "postgresql://two@127.0.0.1/b")
    second = cli._parser(cli._parser_environment())
    assert second is not first and second.parse_args(["rules", "show"]).database == "postgresql://two@127.0.0.1/b"
    monkeypatch.setenv("STUDYDESK_WORKERS", "3")
    assert cli._parser(cli._parser_environment()).parse_args(["serve"]).workers == 3
