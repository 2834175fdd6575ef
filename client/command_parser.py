"""The ``studydesk`` argument parser, speaking the run's language in its help and its errors.

Help texts are marked with ``QT_TRANSLATE_NOOP("CommandLine", ...)`` where the parser is built
and translated only when help or an error is printed, so building the parser needs no Qt
application (the window starts without one). argparse's own words ("usage:", "options", its
error sentences) are translated here too, under the "argparse" context. Printing help or an
error installs the run's translations first (client.i18n.install_command_language).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from PySide6.QtCore import QCoreApplication

from client.i18n import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

HELP_CONTEXT = "CommandLine"


_ARGPARSE = "argparse"

# argparse's own words and sentences (Python 3.11+), translated under the "argparse" context.
USAGE = QT_TRANSLATE_NOOP("argparse", "usage: ")
HELP_ACTION = QT_TRANSLATE_NOOP("argparse", "show this help message and exit")
ERROR_LINE = QT_TRANSLATE_NOOP("argparse", "%(prog)s: error: %(message)s\n")
SECTIONS = (QT_TRANSLATE_NOOP("argparse", "positional arguments"), QT_TRANSLATE_NOOP("argparse", "options"))
ARGPARSE_ERRORS = (
    QT_TRANSLATE_NOOP("argparse", "argument %(argument_name)s: %(message)s"),
    QT_TRANSLATE_NOOP("argparse", "the following arguments are required: %s"),
    QT_TRANSLATE_NOOP("argparse", "unrecognized arguments: %s"),
    QT_TRANSLATE_NOOP("argparse", "invalid choice: %(value)r (choose from %(choices)s)"),
    QT_TRANSLATE_NOOP("argparse", "invalid %(type)s value: %(value)r"),
    QT_TRANSLATE_NOOP("argparse", "expected one argument"),
    QT_TRANSLATE_NOOP("argparse", "expected at least one argument"),
    QT_TRANSLATE_NOOP("argparse", "expected at most one argument"),
    QT_TRANSLATE_NOOP("argparse", "not allowed with argument %s"),
    QT_TRANSLATE_NOOP("argparse", "one of the arguments %s is required"),
    QT_TRANSLATE_NOOP("argparse", "ambiguous option: %(option)s could match %(matches)s"),
    QT_TRANSLATE_NOOP("argparse", "ignored explicit argument %r"),
)
_PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sr]")


def _argparse_word(text: str) -> str:
    return QCoreApplication.translate(_ARGPARSE, text)


def translate_error(message: str) -> str:
    """An argparse error sentence in the run's language (unknown sentences are left as they are)."""
    for template in ARGPARSE_ERRORS:
        parts = _PLACEHOLDER.split(template)
        pattern = "^" + "(.+?)".join(re.escape(p) for p in parts) + "$"
        if (found := re.match(pattern, message, re.DOTALL)) is None:
            continue
        values = list(found.groups())
        if template.startswith("argument %(argument_name)s"):  # wraps another sentence
            values[-1] = translate_error(values[-1])
        pieces = _PLACEHOLDER.split(_argparse_word(template))
        out = pieces[0]
        for value, piece in zip(values, pieces[1:], strict=False):
            out += value + piece
        return out
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, _argparse_word(USAGE) if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(_argparse_word(heading) if heading else heading)

    def add_text(self, text: str | None) -> None:
        if text and text is not argparse.SUPPRESS:
            text = QCoreApplication.translate(HELP_CONTEXT, text)
        super().add_text(text)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if not action.help:
            return action.help
        if action.help == HELP_ACTION:
            return _argparse_word(action.help)
        return QCoreApplication.translate(HELP_CONTEXT, action.help)


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors speak ``language``; its subcommands' parsers do too."""

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self.language = language
        self._spoken = False

    def add_subparsers(self, **kwargs: Any) -> argparse._SubParsersAction[CommandParser]:  # type: ignore[override]
        language = self.language

        def make(**kw: Any) -> CommandParser:
            return type(self)(language=language, **kw)

        kwargs.setdefault("parser_class", make)
        return super().add_subparsers(**kwargs)

    def _speak(self) -> None:
        if not self._spoken:  # the process prints this and exits: the translations stay installed
            from client.i18n import install_command_language

            install_command_language(self.language)
            self._spoken = True

    def format_help(self) -> str:
        self._speak()
        return super().format_help()

    def format_usage(self) -> str:
        self._speak()
        return super().format_usage()

    def error(self, message: str) -> NoReturn:
        self._speak()
        self.print_usage(sys.stderr)
        text = _argparse_word(ERROR_LINE)
        self.exit(2, text % {"prog": self.prog, "message": translate_error(message)})

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        stream = file or sys.stdout
        if message and isinstance(stream, io.TextIOWrapper):  # a console in a legacy code page must not crash
            stream.reconfigure(errors="replace")
        super()._print_message(message, file)
