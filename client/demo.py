"""``./run demo``: a local server with the demo course, and the client's window connected to it.

Keeps its files in one persistent demo folder (``$STUDYDESK_DEMO_DIR``, else
``studydesk-demo`` in the user data folder, e.g. ~/.local/share): ``server/`` (database, repository, publisher key),
``client/`` (the client's data root) and ``site.toml`` (pins the demo publisher key).

``prepare()`` is the hook for the window: it creates the publisher key once, publishes
``resources/demo_course`` (a new version only when its files changed), starts
``studydesk-server serve`` as a child process and writes the site file, then returns a DemoEnv.
``main()`` also has the demo person added (before the server starts), then downloads the demo
course with the client's engine and keeps the server running until Ctrl-C, which stops it cleanly.

The admin steps (``studydesk-server keys init``, ``publish``, ``user``, ``assign``) run one after
the other in one child interpreter (ServerAdmin): each as its own ``python -m server.cli`` would load
the server's code once per step. That child then becomes the server (``serve``, its output in
``server.log``), so the demo loads the server's code once, not twice (about a second of CPU on an
old PC).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import requests
from PySide6.QtCore import QCoreApplication

from client.command_parser import CommandParser
from client.i18n import QT_TRANSLATE_NOOP, command_language, command_translations
from sync.protocol.errors import FormatError
from sync.protocol.keys import PublicKey
from sync.storage.files import atomic_write_bytes
from sync.storage.folders import data_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_COURSE_DIR = REPO_ROOT / "resources" / "demo_course"
DEMO_COURSE_ID = "demo-party-theory"
DEFAULT_PORT = 8470


def _fill(text: str, *values: object) -> str:
    """A translated ``text`` with %1, %2, ... filled in."""
    for i, value in enumerate(values, 1):
        text = text.replace(f"%{i}", str(value))
    return text


def demo_root() -> Path:
    return data_dir("STUDYDESK_DEMO_DIR", "-demo")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DemoEnv:
    root: Path
    server_data: Path
    client_data: Path
    site_path: Path
    server_url: str
    public_key: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _checked(result: subprocess.CompletedProcess[str], args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    if result.returncode != 0:
        failed = QCoreApplication.translate("Demo", "studydesk-server %1 failed:")
        raise RuntimeError(_fill(failed, " ".join(args)) + "\n" + result.stderr)
    return result


_ADMIN_CHILD = r"""
import contextlib, io, json, sys
from server.cli import main
steps, answers, data = sys.stdin, sys.stdout, sys.argv[1]
for line in steps:
    step = json.loads(line)
    if "serve" in step:  # the last step: this process becomes the server, its output in the log
        import os
        log = os.open(step["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        quiet = os.open(os.devnull, os.O_RDONLY)
        os.dup2(quiet, 0), os.dup2(log, 1), os.dup2(log, 2), os.close(quiet), os.close(log)
        sys.stdin = open(os.devnull)
        sys.exit(main(["--data", data, "serve", *step["serve"]]))
    out, err = io.StringIO(), io.StringIO()
    sys.stdin = io.StringIO(step["input"])
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(["--data", data, *step["args"]])
        except SystemExit as exc:  # argparse's refusals (their message is in err)
            rc = exc.code if isinstance(exc.code, int) else 1 if exc.code else 0
    answers.write(json.dumps({"rc": rc, "out": out.getvalue(), "err": err.getvalue()}) + "\n")
    answers.flush()
"""
"""ServerAdmin's child: ``server.cli.main`` for each step read from stdin (a JSON line: the command's
words and its standard input), answering each with a JSON line (exit status, stdout, stderr); a
``serve`` step makes it the server, its standard input from /dev/null and its output into the log."""


class ServerAdmin:
    """``studydesk-server --data DATA ...`` commands run one after the other in one child interpreter
    (the client never imports the server), started by the first. Use as a context manager: the child
    ends with the block."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self._proc: subprocess.Popen[str] | None = None
        self._errors: IO[bytes] | None = None

    def _child(self) -> subprocess.Popen[str]:
        if self._proc is None:
            self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - the child's own errors (a crash); see close()
            self._proc = subprocess.Popen([sys.executable, "-c", _ADMIN_CHILD, str(self.data)],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
                                          text=True, encoding="ascii", cwd=REPO_ROOT,
                                          preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        return self._proc

    def run(self, *args: str, input: str = "", check: bool = True) -> subprocess.CompletedProcess[str]:
        """One command; unless ``check`` is false, a failed one raises RuntimeError with its error output."""
        proc = self._child()
        assert proc.stdin is not None and proc.stdout is not None and self._errors is not None
        try:
            proc.stdin.write(json.dumps({"args": list(args), "input": input}) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
        except (BrokenPipeError, ValueError):  # the child is gone
            line = ""
        if not line:  # the child ended (e.g. the server's code failed to import): its own error output
            proc.wait()
            self._errors.seek(0)
            answer = {"rc": proc.returncode or 1, "out": "", "err": self._errors.read().decode("utf-8", "replace")}
        else:
            answer = json.loads(line)
        result = subprocess.CompletedProcess(list(args), int(answer["rc"]), answer["out"], answer["err"])
        return _checked(result, args) if check else result

    def serve(self, port: int, log: Path) -> subprocess.Popen[str]:
        """The child becomes ``studydesk-server serve --port PORT``, its output appended to ``log``;
        the server process is the caller's from now on (this object ends with no child)."""
        proc = self._child()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(json.dumps({"serve": ["--port", str(port)], "log": str(log)}) + "\n")
            proc.stdin.flush()
        except (BrokenPipeError, ValueError):  # the child is gone: the caller sees the server stopped
            pass
        self._proc = None
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        proc.stdout.close()
        self.close()
        return proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.close()  # the child's loop ends at the end of its input
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._errors is not None:
            self._errors.close()
            self._errors = None

    def __enter__(self) -> ServerAdmin:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _die_with_parent() -> None:
    """Linux: the demo server gets SIGTERM if the demo dies without cleaning up (e.g. Qt aborts)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def write_site(path: Path, server_url: str, public_key: str) -> None:
    atomic_write_bytes(path, (
        "# Written by the StudyDesk demo (client/demo.py).\n"
        f'[server]\nurl = "{server_url}"\n\n'
        f'[publisher]\nkeys = ["{public_key}"]\n\n'
        '[ui]\nlanguage = "zh_CN"\n\n'
        '[credits]\nyearly_target_hours = 50\n\n'
        '[support]\ncontact = "示范镇组织办 培训管理员 0000-1234567"\n'
    ).encode())


def prepare(root: Path | None = None, port: int | None = None, *, with_person: bool = False) -> DemoEnv:
    """Start the demo server with the demo course published, and write the demo site file; with
    ``with_person``, the demo person is added first (add_demo_person)."""
    root = root or demo_root()
    server_data, client_data = root / "server", root / "client"
    for d in (server_data, client_data):
        d.mkdir(parents=True, exist_ok=True)
    with ServerAdmin(server_data) as admin:  # its child then becomes the server
        public_key = _kept_public_key(server_data)
        if public_key is None:  # first run: create the demo publisher key (unencrypted unless the passphrase
            public_key = admin.run("keys", "init").stdout.strip().splitlines()[-1]  # variable is set)
        before = _published_versions(server_data)
        admin.run("publish", str(DEMO_COURSE_DIR))
        after = _published_versions(server_data)
        if after - before:
            text = QCoreApplication.translate("Demo", "Published the demo course %1, version %2.")
            print(_fill(text, DEMO_COURSE_ID, max(after)))
        else:
            text = QCoreApplication.translate("Demo", "The demo course %1 is unchanged (version %2).")
            print(_fill(text, DEMO_COURSE_ID, max(after, default=0)))
        if with_person:
            add_demo_person(admin)
        port = port or (DEFAULT_PORT if _port_free(DEFAULT_PORT) else _free_port())
        url = f"http://127.0.0.1:{port}"
        proc = admin.serve(port, root / "server.log")
    env = DemoEnv(root, server_data, client_data, root / "site.toml", url, public_key, proc)
    try:
        _wait_healthy(env)
    except BaseException:
        env.stop()
        raise
    write_site(env.site_path, url, public_key)
    return env


def _kept_public_key(server_data: Path) -> str | None:
    """The public half of the demo publisher key as ``studydesk-server keys show`` prints it (from the
    file the server keeps it in beside the key, server.publisher_keys); None when there is none."""
    try:
        return PublicKey.from_text((server_data / "keys" / "publisher.pub").read_text("ascii").strip()).to_text()
    except (OSError, ValueError, FormatError):
        return None


def _published_versions(server_data: Path) -> set[int]:
    folder = server_data / "repo" / "manifests" / DEMO_COURSE_ID
    return {int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()} if folder.is_dir() else set()


def _wait_healthy(env: DemoEnv, timeout_s: float = 120.0) -> None:
    """Until the server answers. A server that dies is reported at once, so the limit is only for one
    that hangs; it is generous because an old or busy PC can take many seconds to start one."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if env.process.poll() is not None:
            stopped = QCoreApplication.translate("Demo", "The demo server stopped; see %1")
            raise RuntimeError(_fill(stopped, env.root / "server.log"))
        try:
            if requests.get(env.server_url + "/api/health", timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.1)
    not_started = QCoreApplication.translate("Demo", "The demo server did not start; see %1")
    raise RuntimeError(_fill(not_started, env.root / "server.log"))


def download_demo_course(env: DemoEnv, language: str | None = None) -> int:
    """Download the demo course with the client's own command (progress bar, resume), in ``language``."""
    from client.cli import main as client_main

    lang = ["--lang", language] if language else []
    return client_main(["--data", str(env.client_data), "--site", str(env.site_path), *lang,
                        "download", DEMO_COURSE_ID])


DEMO_USER, DEMO_PASSWORD = "demo", "demo-2024"


def add_demo_person(admin: ServerAdmin) -> None:
    """The demo account (王小明) with the demo course assigned as required; both steps are idempotent."""
    users = admin.run("user", "list").stdout
    if not any(line.split()[:1] == [DEMO_USER] for line in users.splitlines()):
        admin.run("user", "add", DEMO_USER, "--unit", "示范镇人民政府", "--new-unit", "--display-name", "王小明",
                  "--password-stdin", input=DEMO_PASSWORD + "\n")
    due = f"{time.localtime().tm_year}-12-31"
    admin.run("assign", DEMO_COURSE_ID, "--user", DEMO_USER, "--required", "--due", due)


def open_window(env: DemoEnv) -> int:
    """The app's window, signed in as the demo person through the sign-in page itself."""
    from client.cli import main as client_main

    script = Path(tempfile.mkstemp(prefix="studydesk-demo-", suffix=".json")[1])
    script.write_text(json.dumps([{"do": "sign_in", "username": DEMO_USER, "password": DEMO_PASSWORD},
                                  {"do": "stay"}]), encoding="utf-8")
    os.environ["STUDYDESK_TEST_SCRIPT"] = str(script)
    try:
        return client_main(["--data", str(env.client_data), "--site", str(env.site_path)])
    finally:
        os.environ.pop("STUDYDESK_TEST_SCRIPT", None)
        script.unlink(missing_ok=True)


def _display_available() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _parser(language: str) -> CommandParser:
    parser = CommandParser(prog="studydesk-demo", language=language,
                           description=QT_TRANSLATE_NOOP("CommandLine", "StudyDesk demo: server + demo course"))
    parser.add_argument("--port", type=int, default=None,
                        help=QT_TRANSLATE_NOOP("CommandLine",
                                               "port of the demo server (default 8470, else a free one)"))
    parser.add_argument("--no-wait", action="store_true",
                        help=QT_TRANSLATE_NOOP("CommandLine", "stop the server after the download"))
    parser.add_argument("--no-window", action="store_true",
                        help=QT_TRANSLATE_NOOP("CommandLine",
                                               "download with the command line instead of opening the window"))
    return parser


def _drop_command_app() -> None:
    """The window makes its own QApplication: shut down the plain one the demo's own lines used."""
    app = QCoreApplication.instance()
    if app is not None:
        app.shutdown()


def main(argv: list[str] | None = None) -> int:
    """Every line speaks one language: $STUDYDESK_LANG, else the demo site file's (Chinese)."""
    root = demo_root()
    language = command_language(None, root / "site.toml")
    with command_translations(language):
        args = _parser(language).parse_args(argv)
        if not args.no_window and not _display_available():
            print(QCoreApplication.translate("Demo", "No display found (DISPLAY is not set): downloading the demo "
                                             "course with the command line instead. Run ./run demo on a desktop "
                                             "to see the window."))
            args.no_window = True
        try:
            env = prepare(root, port=args.port, with_person=True)
        except RuntimeError as exc:
            print(f"studydesk-demo: {exc}", file=sys.stderr)
            return 1
    try:
        with command_translations(language):
            text = QCoreApplication.translate("Demo", "Demo server: %1  (data in %2)")
            print(_fill(text, env.server_url, env.root))
            if args.no_window:
                return _download_and_wait(env, args.no_wait, language)
            text = QCoreApplication.translate("Demo", "Opening StudyDesk signed in as %1 (password %2).")
            print(_fill(text, DEMO_USER, DEMO_PASSWORD))
        _drop_command_app()
        return open_window(env)
    except KeyboardInterrupt:
        with command_translations(language):
            print("\n" + QCoreApplication.translate("Demo", "Stopping the demo server."))
        return 0
    finally:
        env.stop()


def _download_and_wait(env: DemoEnv, no_wait: bool, language: str) -> int:
    status = download_demo_course(env, language)
    if status == 0:
        print(_fill(QCoreApplication.translate("Demo", "Demo course files: %1"), env.client_data / "content"))
        command = f"studydesk --data {env.client_data} --site {env.site_path}"
        print(_fill(QCoreApplication.translate("Demo", "Try: %1"), command))
    if no_wait or status != 0:
        return status
    print(QCoreApplication.translate("Demo", "The demo server keeps running; press Ctrl-C to stop it."), flush=True)
    while env.process.poll() is None:
        time.sleep(0.5)
    return 1


if __name__ == "__main__":
    sys.exit(main())
