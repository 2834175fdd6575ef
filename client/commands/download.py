"""``studydesk download COURSE``: fetch a course from the site's repository, with a progress bar.

Reads the site file for the repository (``[repository] url``, else ``<server>/repo``),
the pinned publisher keys, the TLS CA bundle and the bandwidth cap. The download runs on
a worker thread so Ctrl-C only sets the cancel event: the partial files stay and the same
command resumes them. Exits 0 when every file is verified, 130 when cancelled, 1 on error.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from PySide6.QtCore import QCoreApplication

from client.commands.login import fail
from client.durations import format_duration
from client.i18n import QT_TRANSLATE_NOOP
from client.paths import content_dir
from sync.content.cancel import CancelEvent
from sync.content.downloader import DownloadProgress
from sync.content.sources import RepoSource, open_source
from sync.content.store import ContentStore
from sync.protocol.errors import SyncError
from sync.protocol.keys import PublicKey
from sync.site.config import SiteConfig, load_site

_CTX = "DownloadCommand"


def tr(text: str) -> str:
    # lupdate files a bare tr("literal") under the empty context; strings marked with
    # QT_TRANSLATE_NOOP(_CTX, ...) live under _CTX. Look in both.
    found = QCoreApplication.translate(_CTX, text)
    return found if found != text else QCoreApplication.translate("", text)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("download", help=QT_TRANSLATE_NOOP(
        "CommandLine", "download a course from the repository (resumes where it stopped)"))
    p.add_argument("course", help=QT_TRANSLATE_NOOP("CommandLine", "course id"))
    p.add_argument("--version", type=int, default=None,
                   help=QT_TRANSLATE_NOOP("CommandLine", "a specific version (default: the latest)"))
    p.add_argument("--from", dest="source", default=None,
                   help=QT_TRANSLATE_NOOP("CommandLine", "repository URL or folder (default: from the site file)"))
    p.add_argument("--concurrency", type=int, default=2,
                   help=QT_TRANSLATE_NOOP("CommandLine", "files downloaded at the same time (default 2)"))
    p.add_argument("--rate-kbps", type=int, default=None,
                   help=QT_TRANSLATE_NOOP("CommandLine", "bandwidth cap in kbit/s (default: the site's)"))
    p.set_defaults(func=run)


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class ProgressLine:
    """One line of progress. On a terminal it rewrites itself in place ("\r") and ends with a newline;
    into a file or a pipe it prints a line at most every ``interval_s`` seconds, and the last state."""

    def __init__(self, out: TextIO | None = None, interval_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        # sys.stderr is looked up now, not when the module was imported (it may have been replaced since)
        self.out = out or sys.stderr
        self.tty = self.out.isatty()
        self.interval_s, self._clock = interval_s, clock
        self._last_print: float | None = None
        self._line = self._printed = ""

    def show(self, line: str) -> None:
        self._line = line
        if self.tty:
            self.out.write("\r" + line + "\x1b[K")
            self.out.flush()
            return
        now = self._clock()
        if self._last_print is None or now - self._last_print >= self.interval_s:
            self._last_print, self._printed = now, line
            print(line, file=self.out, flush=True)

    def done(self) -> None:
        if self.tty:
            if self._line:
                self.out.write("\n")
                self.out.flush()
        elif self._line and self._line != self._printed:
            print(self._line, file=self.out, flush=True)
        self._line = self._printed = ""


class ProgressBar(ProgressLine):
    """A download's or an import's progress: bar, percent, bytes, speed, time left, files."""

    def __init__(self, out: TextIO | None = None, width: int = 24, interval_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(out, interval_s, clock)
        self.width = width

    def __call__(self, p: DownloadProgress) -> None:
        frac = p.bytes_done / p.bytes_total if p.bytes_total else 1.0
        filled = int(frac * self.width)
        left_label, files_label = tr("time left"), tr("files")  # outside the f-string, where lupdate sees them
        finished = p.blobs_done >= p.blobs_total and p.bytes_done >= p.bytes_total
        if finished:  # the final state: a speed and a time left would only say "0 B/s, --"
            speed = ""
        else:
            left = format_duration(p.eta_s) if p.eta_s is not None else "--"
            speed = f"{human_bytes(p.rate_bps)}/s  {left_label} {left}  "
        self.show(f"[{'#' * filled}{'-' * (self.width - filled)}] {frac * 100:3.0f}%  "
                  f"{human_bytes(p.bytes_done)} / {human_bytes(p.bytes_total)}  {speed}"
                  f"({p.blobs_done}/{p.blobs_total} {files_label})")


def repository_source(site: SiteConfig, override: str | None) -> RepoSource:
    location = override or site.repository or f"{site.server_url}/repo"
    return open_source(location, verify=site.tls_verify())


def trusted(site: SiteConfig) -> dict[str, PublicKey]:
    keys = site.trusted_keys()
    if not keys:
        raise SyncError("no_publisher_keys", "the site file pins no publisher keys ([publisher] keys)")
    return keys


def run_cancellable(work: Callable[[CancelEvent], Any]) -> Any:
    """Run ``work(cancel)`` on a thread; Ctrl-C sets ``cancel`` and waits for it to stop cleanly."""
    cancel, finished = CancelEvent(), threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = work(cancel)
        except BaseException as exc:
            box["error"] = exc
        finally:
            finished.set()

    # While the work runs, Ctrl-C only sets ``cancel``: a KeyboardInterrupt could land anywhere in
    # this function (even between two checks of a loop), and the work would not stop cleanly. A
    # run that ignores Ctrl-C (started in the background) keeps ignoring it.
    previous = signal.getsignal(signal.SIGINT)
    catch = threading.current_thread() is threading.main_thread() and previous is not signal.SIG_IGN
    if catch:
        signal.signal(signal.SIGINT, lambda _signum, _frame: cancel.set())
    try:
        thread = threading.Thread(target=target, name="command-worker", daemon=True)
        thread.start()
        while not finished.wait(0.5):  # the handler runs at the latest when a wait ends
            pass
        thread.join()
    finally:
        if catch:
            signal.signal(signal.SIGINT, previous)
    if "error" in box:
        raise box["error"]
    return box.get("result")


def run(args: argparse.Namespace) -> int:
    from sync.content.downloader import Downloader

    bar = ProgressBar()
    started = time.monotonic()
    try:
        site = load_site(args.site)
        keys = trusted(site)
        store = ContentStore(content_dir(Path(args.data)), keys)
        cap_kbps = args.rate_kbps if args.rate_kbps is not None else site.bandwidth_cap_kbps
        source = repository_source(site, args.source)

        def work(cancel: CancelEvent) -> Any:
            d = Downloader(store, source, keys, concurrency=args.concurrency, rate_limit_bps=cap_kbps * 1000 / 8,
                           on_progress=bar, cancel=cancel)
            return d.download_course(args.course, args.version)

        manifest = run_cancellable(work)
    except (SyncError, OSError) as exc:
        bar.done()
        return fail(exc)
    bar.done()
    print(tr("Downloaded %1 version %2 (%3) in %4.").replace("%1", manifest.course_id)
          .replace("%2", str(manifest.version)).replace("%3", manifest.title)
          .replace("%4", format_duration(time.monotonic() - started)))
    print(tr("Stored in %1").replace("%1", str(store.root)))
    return 0
