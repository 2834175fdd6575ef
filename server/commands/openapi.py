"""``studydesk-server openapi``: the API's OpenAPI document, for admins (the server does not serve it)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from server.commands import _
from server.config import ServerConfig


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("openapi", help=_("print the API's OpenAPI document (JSON)"))
    p.set_defaults(func=run, audited=False)


def run(args: argparse.Namespace) -> int:
    from server.app import create_app

    with tempfile.TemporaryDirectory() as scratch:  # the document depends on no data: --data is left alone
        app = create_app(ServerConfig(Path(scratch)), with_docs=True)
        document = app.openapi()
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0
