"""``studydesk-server serve``: the API and the course repository over HTTP."""

from __future__ import annotations

import argparse
import os

from server.config import DEFAULT_API_SLOTS, DEFAULT_MAX_DEVICES, HEADER_TIMEOUT_S, ServerConfig

MAX_CONNECTIONS = 4096
KEEP_ALIVE_S = 5
MAX_HEADER_BYTES = 16 * 1024


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _private_database(config: ServerConfig) -> None:
    """Make the SQLite database (created by then) readable by the server's user only: the web
    server that serves repo/ may share the data folder's group. SQLite gives its -wal and -shm
    files the database's mode."""
    if config.uses_sqlite_file:
        os.chmod(config.db_path, 0o600)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve the API and the course repository over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8470)
    p.add_argument("--log-level", default="warning")
    p.add_argument("--max-devices", type=int, default=int(_env_float("STUDYDESK_MAX_DEVICES", DEFAULT_MAX_DEVICES)),
                   help=f"devices one person may enrol (default {DEFAULT_MAX_DEVICES}, or $STUDYDESK_MAX_DEVICES)")
    p.add_argument("--api-slots", type=int, default=int(_env_float("STUDYDESK_API_SLOTS", DEFAULT_API_SLOTS)),
                   help="API requests served at once; more wait briefly, then get 503 with Retry-After "
                        f"(default {DEFAULT_API_SLOTS}, or $STUDYDESK_API_SLOTS)")
    p.add_argument("--header-timeout", type=float,
                   default=_env_float("STUDYDESK_HEADER_TIMEOUT_S", HEADER_TIMEOUT_S),
                   help="seconds a connection has to send its request headers (default "
                        f"{HEADER_TIMEOUT_S:.0f}, or $STUDYDESK_HEADER_TIMEOUT_S)")
    p.add_argument("--max-connections", type=int, default=MAX_CONNECTIONS,
                   help="open connections and requests beyond which new requests get 503 "
                        f"(default {MAX_CONNECTIONS}, lowered to what the open-files limit allows)")
    p.set_defaults(func=run, audited=False)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.backup import serve_lock
    from server.connections import guarded_h11, raise_fd_limit

    fits = raise_fd_limit()
    config = ServerConfig(args.data, max_devices=args.max_devices, api_slots=args.api_slots,
                          database_url=args.database)
    app = create_app(config)
    _private_database(config)
    with serve_lock(args.data):  # restore refuses to replace the folder while this is held
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                    http=guarded_h11(args.header_timeout), timeout_keep_alive=KEEP_ALIVE_S,
                    limit_concurrency=min(args.max_connections, fits), backlog=2048,
                    h11_max_incomplete_event_size=MAX_HEADER_BYTES)
    return 0
