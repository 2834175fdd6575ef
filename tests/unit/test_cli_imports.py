"""The admin command line does not load the web stack: an admin command starts quickly, and
only ``serve`` imports FastAPI, Starlette and uvicorn. A command named on the command line loads
only its own module (and so only the services it uses)."""

from __future__ import annotations

import argparse
import subprocess
import sys

import server.cli

WEB_STACK = ("fastapi", "starlette", "uvicorn")


def test_the_admin_commands_do_not_import_the_web_stack() -> None:
    code = ("import sys, server.cli; server.cli.build_parser(); "
            f"print(','.join(m for m in {WEB_STACK!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == ""


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_a_named_command_is_registered_whole_by_its_own_module_alone() -> None:
    every = _commands(server.cli.build_parser())
    assert {"serve", "keys", "publish", "user", "restore", "class", "import", "migrate-to"} <= set(every)
    for name, parser in every.items():
        for argv in ([name], ["--data", "/x", name, "--help"], ["--database=sqlite://", name]):
            alone = _commands(server.cli.build_parser(argv))
            assert name in alone and len(alone) < len(every), argv
            assert alone[name].format_help() == parser.format_help(), argv
    for argv in ([], ["--help"], ["no-such-command"], ["--data"], ["--dat", "/x", "keys"]):
        assert _commands(server.cli.build_parser(argv)).keys() == every.keys(), argv


def test_reading_the_publisher_key_loads_no_database_stack(tmp_path: object) -> None:
    code = ("import sys, server.cli; rc = server.cli.main(['--data', sys.argv[1], 'keys', 'show']); "
            "print(rc, ','.join(m for m in ('sqlalchemy', 'alembic', 'server.organization') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["1"], done.stdout + done.stderr  # no key there yet: exit 1, nothing loaded
    assert "keys init" in done.stderr
