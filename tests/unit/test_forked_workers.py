"""The interpreter command the parallel workers get (tests/support/forked_workers.py) starts a fork of
the zygote that behaves as ``python -u -c "import sys;exec(eval(sys.stdin.readline()))"`` would: the
bootstrap line read from its own standard input, its requester's working folder, environment and
exit status; without a zygote it is that interpreter."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.support import forked_workers
from tests.support import zygote as servers

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ["-u", "-c", "import sys;exec(eval(sys.stdin.readline()))"]


@pytest.fixture(scope="module")
def zygote() -> Iterator[forked_workers.Zygote]:
    """A zygote that imports SQLAlchemy only: these tests are about how its forks are made and what they
    run, not about the whole suite's imports they hold in a run (its own zygote imports those)."""
    zygote = forked_workers.Zygote(str(ROOT), ("sqlalchemy",))
    yield zygote
    zygote.stop()
    assert zygote.proc.returncode == 0


def _start(python: str, code: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen([*shlex.split(python), *BOOTSTRAP], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            cwd=cwd, env=env, text=True)
    assert proc.stdin is not None
    proc.stdin.write(repr(code) + "\n")
    proc.stdin.flush()
    return proc


SHOW = ("import os, sys\n"
        "print(os.getppid(), os.getcwd(), os.environ['FORKED_WORKERS_PROBE'], 'sqlalchemy' in sys.modules,"
        " sys.argv, sys.path[0] == '', __name__, sys.stdin.readline().strip(), flush=True)\n"
        "sys.exit(int(sys.stdin.readline()))\n")


def test_a_worker_is_a_fork_of_the_zygote_in_its_requesters_place(zygote: forked_workers.Zygote,
                                                                   tmp_path: Path) -> None:
    env = {**os.environ, "FORKED_WORKERS_PROBE": "from the requester"}
    proc = _start(zygote.python, SHOW, tmp_path, env)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("the next line of its standard input\n3\n")
    proc.stdin.close()
    shown = proc.stdout.readline().strip()
    assert proc.wait() == 3  # the fork's exit status
    # a fork of the zygote (which had imported SQLAlchemy), not a child of the stub
    assert shown == (f"{zygote.proc.pid} {tmp_path} from the requester True ['-c'] True __main__ "
                     "the next line of its standard input")


def test_killing_the_stub_kills_its_fork(zygote: forked_workers.Zygote, tmp_path: Path) -> None:
    proc = _start(zygote.python, "import os; print(os.getpid(), flush=True); import sys; sys.stdin.read()",
                  tmp_path, dict(os.environ))
    assert proc.stdout is not None
    fork = psutil.Process(int(proc.stdout.readline()))
    assert fork.ppid() == zygote.proc.pid
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    fork.wait()  # it would otherwise wait for the end of its standard input, which this test keeps open
    assert not fork.is_running()


def test_without_a_zygote_the_stub_is_a_new_interpreter(tmp_path: Path) -> None:
    stub = shlex.join([sys.executable, "-I", "-S", forked_workers.__file__, str(tmp_path / "none"), sys.executable])
    env = {**os.environ, "FORKED_WORKERS_PROBE": "from the requester"}
    proc = _start(stub, SHOW, tmp_path, env)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("the next line of its standard input\n4\n")
    proc.stdin.close()
    shown = proc.stdout.readline().strip()
    assert proc.wait() == 4
    # the stub became the interpreter (its parent is this test), which has not imported SQLAlchemy
    assert shown == (f"{os.getpid()} {tmp_path} from the requester False ['-c'] True __main__ "
                     "the next line of its standard input")


SERVER_ZYGOTE = ("import os, sys, psutil\n"
                 "from tests.support import zygote\n"
                 "done = zygote.run_module('server.cli', ['--data', '.', 'rules', 'show'])\n"
                 "server_zygote = psutil.Process(zygote.zygote_pid())\n"
                 "print(done.returncode, 'the defaults' in done.stdout, server_zygote.ppid() == os.getpid(),"
                 " 'forked_workers.zygote' in ' '.join(server_zygote.cmdline()), flush=True)\n")


def _server_zygote_env() -> dict[str, str]:
    """The server zygote imports only what ``rules show`` needs: which process it is, and that it runs
    the command, is what these tests check."""
    return {**os.environ, servers.PRELOAD_ENV: "0"}


@pytest.mark.skipif(os.environ.get("STUDYDESK_TEST_ZYGOTE") == "0", reason="STUDYDESK_TEST_ZYGOTE=0: no zygote")
def test_a_workers_server_zygote_is_its_spare_fork(zygote: forked_workers.Zygote, tmp_path: Path) -> None:
    """A forked worker's server zygote (tests/support/zygote.py) is its own child, made before the
    worker started a thread, not a new interpreter; it runs the worker's commands as before."""
    proc = _start(zygote.python, SERVER_ZYGOTE, tmp_path, _server_zygote_env())
    assert proc.stdout is not None
    shown = proc.stdout.readline().strip()
    assert proc.wait() == 0
    assert shown == "0 True True True"


@pytest.mark.skipif(os.environ.get("STUDYDESK_TEST_ZYGOTE") == "0", reason="STUDYDESK_TEST_ZYGOTE=0: no zygote")
def test_a_worker_with_another_interpreter_setting_gets_a_new_server_zygote(zygote: forked_workers.Zygote,
                                                                           tmp_path: Path) -> None:
    """What the zygote's interpreter read at its start (here PYTHONWARNINGS) cannot be changed in a fork:
    a worker whose environment differs there starts its server zygote as a new interpreter."""
    proc = _start(zygote.python, SERVER_ZYGOTE, tmp_path, {**_server_zygote_env(), "PYTHONWARNINGS": "default"})
    assert proc.stdout is not None
    shown = proc.stdout.readline().strip()
    assert proc.wait() == 0
    assert shown == "0 True True False"
