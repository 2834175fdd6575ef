"""Test-wide settings. Qt must be told to render offscreen before anything imports it, and
keyring must use an explicit, real backend (never whatever happens to be installed)."""

from __future__ import annotations

import faulthandler
import os
import signal
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.EncryptedKeyring"
os.environ.setdefault("STUDYDESK_LOG_LEVEL", "DEBUG")
# Commands speak the site's language (zh_CN by default); tests that read their output in
# English say so here, and the tests of the Chinese output pass --lang or set it themselves.
os.environ.setdefault("STUDYDESK_LANG", "en")
# The lowest scrypt cost (sync/protocol/work_factor.py) for new password hashes and new people's
# keys: forked servers and commands inherit it. The tests of the defaults unset these themselves.
os.environ.setdefault("STUDYDESK_PASSWORD_COST", "10")
os.environ.setdefault("STUDYDESK_KDF_COST", "10")

# pytester: pytest runs of their own inside a test (tests/unit/test_ci_strict.py)
pytest_plugins = ["tests.support.fixtures", "tests.support.ci_strict", "tests.support.cpu_report",
                  "tests.support.schedule", "pytester"]


def pytest_configure(config: pytest.Config) -> None:
    """Translations are compiled once, before parallel workers start (a worker has
    ``workerinput``), so no two workers ever write the same .qm file at once."""
    _report_fatal_traps()
    if not hasattr(config, "workerinput"):
        from client import i18n

        i18n.ensure_built()


_ZYGOTE = pytest.StashKey[Any]()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config: pytest.Config, specs: Sequence[Any]) -> None:
    """The parallel workers are forked from one process that has imported what the test modules
    import, instead of each importing it again (tests/support/forked_workers.py)."""
    from tests.support import forked_workers

    popen = [spec for spec in specs if spec.popen and not spec.python]
    if not popen or _ZYGOTE in config.stash or not forked_workers.enabled():
        return
    zygote = config.stash[_ZYGOTE] = forked_workers.Zygote(str(config.rootpath))
    for spec in popen:
        spec.python = zygote.python


def pytest_unconfigure(config: pytest.Config) -> None:
    zygote = config.stash.get(_ZYGOTE, None)
    if zygote is not None:
        zygote.stop()


def _report_fatal_traps() -> None:
    """A test process that dies of a signal pytest's fault handler does not catch (SIGTRAP, as GLib's
    fatal errors raise it under Qt's event loop; SIGQUIT; SIGSYS) prints where every thread was, on
    the stream the run's report goes to (during a test, standard error is captured into a file that
    dies with the process), then dies of the signal as before."""
    stream = os.fdopen(os.dup(2), "w", closefd=True)
    _FATAL_STREAM.append(stream)  # kept open for the process's life
    for sig in (signal.SIGTRAP, signal.SIGQUIT, signal.SIGSYS):
        faulthandler.register(sig, file=stream, all_threads=True, chain=True)


_FATAL_STREAM: list[object] = []


@pytest.fixture(scope="session", autouse=True)
def _one_qapplication(qapp: object) -> object:
    """The QApplication exists before any test runs, so a command run in-process (which would
    otherwise make a QCoreApplication for its translations) never blocks pytest-qt's. The session
    is per process: each parallel worker has its own QApplication."""
    return qapp


@pytest.fixture(autouse=True)
def _no_translation_left_behind() -> Iterator[None]:
    """A test that switched the shared QApplication to Chinese must not leave it so for the next one."""
    yield
    from PySide6.QtCore import QCoreApplication, QTranslator

    app = QCoreApplication.instance()
    if app is not None:
        for translator in app.findChildren(QTranslator):
            app.removeTranslator(translator)
            translator.deleteLater()
