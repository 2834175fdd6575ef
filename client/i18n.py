"""Translations: the .ts workflow and switching the UI language at run time.

    python -m client.i18n update   # pyside6-lupdate over client/ and player/ -> resources/translations/*.ts
    python -m client.i18n build    # pyside6-lrelease *.ts -> build/translations/*.qm (not committed)
    python -m client.i18n check    # list unfinished, missing or vanished entries (non-zero exit if any)

The app calls ``ensure_built()`` at start-up, which rebuilds a .qm that is missing or older
than its .ts. ``Translator.set_language`` swaps the installed QTranslators; Qt then sends a
LanguageChange event to every widget, and each window re-translates itself in changeEvent.

Must not import windows or widgets.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

if TYPE_CHECKING:
    def QT_TRANSLATE_NOOP(context: str, source_text: str, /) -> str:
        """Marks ``source_text`` for lupdate and returns it unchanged (PySide6's stub says ``object``)."""
else:  # re-exported for client.messages and the commands' tables
    from PySide6.QtCore import QT_TRANSLATE_NOOP as QT_TRANSLATE_NOOP

ROOT = Path(__file__).resolve().parent.parent
TS_DIR = ROOT / "resources" / "translations"
LANGUAGES = ("zh_CN", "en")  # en is the source language: no file needed
LANGUAGE_ENV = "STUDYDESK_LANG"
SOURCE_DIRS = ("client", "player")
APP = "studydesk"


def ts_path(language: str) -> Path:
    return TS_DIR / f"{APP}_{language}.ts"


def qm_dir() -> Path:
    """Where compiled .qm files live: beside a frozen app, else build/translations in the checkout."""
    if env := os.environ.get("STUDYDESK_QM_DIR"):
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "translations"
    return ROOT / "build" / "translations"


def qt_translation_dirs() -> list[Path]:
    """Where Qt's own catalogues (qtbase_zh_CN.qm) are: beside the app's (the frozen app ships it
    there), then the Qt installation's translations folder (pyside6-essentials has it)."""
    return [qm_dir(), Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))]


def _tool(name: str) -> str:
    import shutil

    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: install pyside6-essentials")
    return found


def source_files() -> list[Path]:
    files: list[Path] = []
    for folder in SOURCE_DIRS:
        base = ROOT / folder
        if base.is_dir():
            files.extend(sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts))
    return files


def update(ts_file: Path | None = None, *, quiet: bool = False) -> Path:
    """Run lupdate over the sources into ``ts_file`` (default: the zh_CN file), dropping vanished entries."""
    import subprocess
    import tempfile

    target = ts_file or ts_path("zh_CN")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".lst", delete=False, encoding="utf-8") as lst:
        lst.write("\n".join(str(p) for p in source_files()))
    try:
        cmd = [_tool("pyside6-lupdate"), f"@{lst.name}", "-locations", "none", "-no-obsolete",
               "-source-language", "en", "-target-language", "zh_CN", "-ts", str(target)]
        subprocess.run(cmd, check=True, capture_output=quiet)
        if ts_file is None:  # English is the source language; it only needs its plural forms
            en = ts_path("en")
            subprocess.run([_tool("pyside6-lupdate"), f"@{lst.name}", "-locations", "none", "-no-obsolete",
                            "-pluralonly", "-source-language", "en", "-target-language", "en", "-ts", str(en)],
                           check=True, capture_output=quiet)
            fill_english_plurals(en)
    finally:
        os.unlink(lst.name)
    return target


def fill_english_plurals(ts_file: Path) -> None:
    """"%n record(s) waiting" -> one: "%n record waiting", other: "%n records waiting"."""
    import xml.etree.ElementTree as ET

    tree = ET.parse(ts_file)
    for msg in tree.getroot().iter("message"):
        tr = msg.find("translation")
        if msg.get("numerus") != "yes" or tr is None or tr.get("type") != "unfinished":
            continue
        source = msg.findtext("source", "")
        for child in list(tr):
            tr.remove(child)
        for text in (source.replace("(s)", ""), source.replace("(s)", "s")):
            ET.SubElement(tr, "numerusform").text = text
        tr.attrib.pop("type")
    tree.write(ts_file, encoding="utf-8", xml_declaration=True)


def build(out_dir: Path | None = None) -> list[Path]:
    """Compile every .ts into a .qm in ``out_dir`` (default: qm_dir())."""
    import subprocess

    out = out_dir or qm_dir()
    out.mkdir(parents=True, exist_ok=True)
    built = []
    for ts in sorted(TS_DIR.glob(f"{APP}_*.ts")):
        qm = out / (ts.stem + ".qm")
        subprocess.run([_tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
        built.append(qm)
    return built


def ensure_built() -> None:
    """Build .qm files that are missing or older than their .ts (start-up; a frozen app ships them)."""
    if getattr(sys, "frozen", False):
        return
    out = qm_dir()
    for ts in TS_DIR.glob(f"{APP}_*.ts"):
        qm = out / (ts.stem + ".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            import subprocess

            try:
                build(out)
            except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
                print(f"studydesk: could not build translations: {exc}", file=sys.stderr)
            return


def problems(ts_file: Path) -> list[str]:
    """Entries that are unfinished, empty, obsolete or vanished, as readable lines."""
    import xml.etree.ElementTree as ET

    found = []
    for ctx in ET.parse(ts_file).getroot().iter("context"):
        name = ctx.findtext("name", "")
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            source = msg.findtext("source", "")
            kind = tr.get("type") if tr is not None else "missing"
            text = "".join(tr.itertext()) if tr is not None else ""
            if kind in ("unfinished", "vanished", "obsolete", "missing") or not text.strip():
                found.append(f"{name}: {source!r} ({kind or 'empty'})")
    return found


def check() -> list[str]:
    """Run lupdate into a copy of the zh_CN file and report what is not translated."""
    import shutil
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / ts_path("zh_CN").name
        if ts_path("zh_CN").exists():
            shutil.copy(ts_path("zh_CN"), copy)
        # keep vanished entries in the copy so that they are reported, not silently dropped
        with tempfile.NamedTemporaryFile("w", suffix=".lst", delete=False, encoding="utf-8") as lst:
            lst.write("\n".join(str(p) for p in source_files()))
        try:
            subprocess.run([_tool("pyside6-lupdate"), f"@{lst.name}", "-locations", "none", "-ts", str(copy)],
                           check=True, capture_output=True)
        finally:
            os.unlink(lst.name)
        return problems(copy)


class Translator:
    """Installs the app's and Qt's own translations and swaps them at run time. GUI thread only."""

    def __init__(self, app: QCoreApplication) -> None:
        self._app = app
        self._installed: list[QTranslator] = []
        self.language = "en"

    def uninstall(self) -> None:
        """Remove the translations this object installed."""
        for t in self._installed:
            self._app.removeTranslator(t)
            t.deleteLater()
        self._installed = []

    def set_language(self, language: str) -> bool:
        """Switch to ``language``; widgets get a LanguageChange event. False if its .qm is missing."""
        self.uninstall()
        self.language = language
        QLocale.setDefault(QLocale(language))
        ok = self._load(f"{APP}_{language}", qm_dir())
        if language == "en":  # the source language: only plural forms, and no Qt translation to add
            return True
        # Qt's own texts (file dialogs, standard buttons). Installed last, so asked first; what it
        # lacks falls through to the app's catalogue, which fills those gaps under Qt's contexts.
        for folder in qt_translation_dirs():
            if self._load(f"qtbase_{language}", folder):
                break
        return ok

    def _load(self, name: str, folder: Path) -> bool:
        t = QTranslator(self._app)
        if t.load(name, str(folder)):
            self._app.installTranslator(t)
            self._installed.append(t)
            return True
        return False


def command_language(option: str | None = None, site_path: Path | None = None) -> str:
    """The one language of a command-line run: ``--lang``, else $STUDYDESK_LANG, else the site file's.

    A value that is not one of LANGUAGES is passed over; a site file that cannot be read gives
    Chinese (the command itself then reports the broken file, in Chinese).
    """
    for candidate in (option, os.environ.get(LANGUAGE_ENV)):
        if candidate in LANGUAGES:
            return str(candidate)
    from sync.protocol.errors import SyncError
    from sync.site.config import load_site

    try:
        language = load_site(site_path).language
    except (SyncError, OSError):
        return "zh_CN"
    return language if language in LANGUAGES else "zh_CN"


def install_command_language(language: str) -> Translator:
    """Install ``language`` for a command-line run, making a QCoreApplication when there is none."""
    app = QCoreApplication.instance() or QCoreApplication([APP])
    ensure_built()
    translator = Translator(app)
    translator.set_language(language)
    return translator


@contextmanager
def command_translations(language: str) -> Iterator[None]:
    """``language`` installed while one command runs, and taken away afterwards."""
    translator = install_command_language(language)
    try:
        yield
    finally:
        translator.uninstall()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    cmd = args[0] if args else "build"
    if cmd == "update":
        print(f"updated {update()}")
        left = problems(ts_path("zh_CN"))
        print(f"{len(left)} entries still need a translation")
        return 0
    if cmd == "build":
        for qm in build():
            print(f"built {qm}")
        return 0
    if cmd == "check":
        left = check()
        for line in left:
            print(line)
        return 1 if left else 0
    print("usage: python -m client.i18n update|build|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
