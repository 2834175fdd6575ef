"""``studydesk-server migrate-to postgresql://USER@HOST/NAME``: copy this site's database (the
SQLite file in the data folder, or --database) into an empty PostgreSQL database, verify the copy
table by table and every record chain, and print the figures. The site keeps running on its old
database until it is started with ``--database`` naming the new one."""

from __future__ import annotations

import argparse

from server.commands import _, site
from server.storage.copy import copy_database
from server.storage.engine import create, database_url
from sync.protocol.errors import FormatError, IntegrityError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("migrate-to", help=_("copy this site's database into an empty PostgreSQL database and verify "
                                            "the copy (counts and hashes of every table, every record chain)"))
    p.add_argument("target", metavar="URL", help=_("the empty database, e.g. postgresql://studydesk@localhost/studydesk"))
    p.set_defaults(func=run)


def _shown(url: str) -> str:
    return database_url(url).render_as_string(hide_password=True)


def run(args: argparse.Namespace) -> int:
    config = site(args).existing()
    if database_url(args.target) == database_url(config.url):
        raise FormatError.worded("same_database", "the target is this site's own database")
    source, target = create(config.url, pool_size=1), create(args.target, pool_size=1)
    try:
        print(_("Copying %(source)s into %(target)s") % {"source": _shown(config.url), "target": _shown(args.target)})
        result = copy_database(source, target)
    finally:
        source.dispose()
        target.dispose()
    print("\t".join((_("table"), _("rows here"), _("rows there"), _("digest (sha256 of the rows)"))))
    for t in result.tables:
        digest = t.source_digest[:16] if t.same else f"{t.source_digest[:16]} != {t.target_digest[:16]}"
        print(f"{t.name}\t{t.source_rows}\t{t.target_rows}\t{digest}")
    print(_("record chains checked on the copy: %(chains)s chains, %(records)s records, every hash and link "
            "intact") % {"chains": result.chains.chains, "records": result.chains.records})
    if not result.verified:
        raise IntegrityError.worded("copy_differs", "the copy differs from this site's database (see the table "
                                    "above); keep running on this one")
    print(_("Verified. Start the server with --database %(target)s (or STUDYDESK_DATABASE_URL) to use it.") % {
        "target": _shown(args.target)})
    return 0
