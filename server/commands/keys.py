"""``studydesk-server keys init|show``: create the publisher key, print its public half."""

from __future__ import annotations

import argparse
import sys

from server.commands import _
from server.config import ServerConfig
from server.publisher_keys import PASSPHRASE_ENV, init_key, load_public


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("keys", help=_("the publisher key that signs course packages"))
    ks = p.add_subparsers(dest="keys_command", required=True)
    init = ks.add_parser("init", help=_("create the publisher key (refuses to replace one)"))
    init.add_argument("--force", action="store_true", help=_("replace an existing key (clients must re-pin)"))
    init.set_defaults(func=run_init)
    show = ks.add_parser("show", help=_("print the public key to pin in site.toml"))
    show.set_defaults(func=run_show)


def run_init(args: argparse.Namespace) -> int:
    config = ServerConfig(args.data).ensure()
    public, encrypted = init_key(config.keys_dir, force=args.force)
    print(_("Created the publisher key %(key)s in %(folder)s") % {"key": public.key_id, "folder": config.keys_dir})
    if encrypted:
        print(_("It is encrypted with the passphrase from %(variable)s; keep that passphrase safe.") % {
            "variable": PASSPHRASE_ENV})
    else:
        print(_("WARNING: %(variable)s is not set, so the key is NOT encrypted: only its file permissions "
                "(0600) protect it.") % {"variable": PASSPHRASE_ENV}, file=sys.stderr)
    print(_("Pin this public key in every site.toml ([publisher] keys = [...]):"))
    print(public.to_text())
    return 0


def run_show(args: argparse.Namespace) -> int:
    public = load_public(ServerConfig(args.data).keys_dir)
    print(public.to_text())
    return 0
