"""``studydesk-server openapi``: the API's OpenAPI document, for admins (the server does not serve it)."""

from __future__ import annotations

import argparse
import json
import sys

from server.config import ServerConfig


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("openapi", help="print the API's OpenAPI document (JSON)")
    p.set_defaults(func=run, audited=False)


def run(args: argparse.Namespace) -> int:
    from server.app import create_app

    app = create_app(ServerConfig(args.data), with_docs=True)
    json.dump(app.openapi(), sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0
