"""``studydesk-server rules check [FILE] | show``: validate a credit rules file, print the effective rules.

``check`` reads the file named (default: the data folder's, which the server applies) and
prints the rules it gives (every default filled in) as a rules file; a bad key ends the command
with an error that names it, and a ``[targets]`` level that is no cadre level code gets a
warning (it stays valid: it simply matches nobody). ``show`` prints the rules in effect for the
data folder: its ``rules.toml``, else the documented defaults.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server.commands import _
from server.org.levels import CadreLevel
from server.site_rules import load_site_rules, rules_path
from sync.protocol.rules import DEFAULT_LEVEL
from sync.protocol.rules_file import RULES_FILE_NAME, parse_rules_toml, rules_to_toml


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("rules", help=_("the site's credit rules (rules.toml in the data folder)"))
    rs = p.add_subparsers(dest="rules_command", required=True)
    check = rs.add_parser("check", help=_("validate a rules file and print the effective rules"))
    check.add_argument("file", type=Path, nargs="?",
                       help=_("the rules file to check (default: %(file)s in the data folder, which the server "
                              "reads when it starts)") % {"file": RULES_FILE_NAME})
    check.set_defaults(func=run_check, audited=False)
    show = rs.add_parser("show", help=_("print the rules in effect (%(file)s in the data folder, else the "
                                        "defaults)") % {"file": RULES_FILE_NAME})
    show.set_defaults(func=run_show, audited=False)


def run_check(args: argparse.Namespace) -> int:
    path: Path = args.file or rules_path(Path(args.data))
    rules = parse_rules_toml(path.read_bytes(), str(path))
    codes = {level.value for level in CadreLevel}
    for level, _target in rules.year.targets:
        if level != DEFAULT_LEVEL and level not in codes:
            print(_("warning: %(file)s: targets.%(level)s is not a cadre level code (%(codes)s): it applies to "
                    "nobody") % {"file": path, "level": level, "codes": ", ".join(sorted(codes))}, file=sys.stderr)
    print("# " + _("%(file)s: valid. The effective rules:") % {"file": path})
    print(rules_to_toml(rules), end="")
    return 0


def run_show(args: argparse.Namespace) -> int:
    path = rules_path(Path(args.data))
    source = str(path) if path.is_file() else _("no %(file)s: the defaults") % {"file": path}
    rules = load_site_rules(Path(args.data))
    print(f"# {source}")
    print(rules_to_toml(rules), end="")
    return 0
