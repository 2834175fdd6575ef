"""The admin command line does not load the web stack: an admin command starts quickly, and
only ``serve`` imports FastAPI, Starlette and uvicorn."""

from __future__ import annotations

import subprocess
import sys

WEB_STACK = ("fastapi", "starlette", "uvicorn")


def test_the_admin_commands_do_not_import_the_web_stack() -> None:
    code = ("import sys, server.cli; server.cli.build_parser(); "
            f"print(','.join(m for m in {WEB_STACK!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == ""

