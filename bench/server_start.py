"""``./run bench server_start``: what starting a test server costs, in CPU seconds.

The test suite starts a few hundred real servers (tests/support/server_process.py). Each is
started ``--repeat`` times on a new data folder, until it answers ``/api/health``, then stopped:
forked from the zygote (tests/support/zygote.py) from a copy of a migrated database (what the
tests do), forked with the server creating and migrating its database, and, as the reference
measured in the same run, a new interpreter (``STUDYDESK_TEST_ZYGOTE=0``) creating its database as
a new site does. The server's CPU time is its own and its children's, read when it has been waited
for; the test process's is what it spent starting and polling. On a machine shared with other work,
wall times lie; CPU times do not.

Usage: python -m bench.server_start [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from tests.support.server_process import ServerProcess
from tests.support.zygote import SWITCH_ENV, zygote_pid


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(root: Path, label: str, repeat: int, from_template: bool, zygote: bool) -> None:
    server_cpu, own_cpu, walls = [], [], []
    os.environ[SWITCH_ENV] = "1" if zygote else "0"
    for i in range(repeat):
        server = ServerProcess(root / f"{label}-{i}" / "data", from_template=from_template)
        children, own, wall = _children_cpu(), time.process_time(), time.monotonic()
        server.start()
        own_cpu.append(time.process_time() - own)
        walls.append(time.monotonic() - wall)
        server.stop()
        server_cpu.append(_children_cpu() - children)
    print(f"{label:48} server {statistics.median(server_cpu):5.2f} CPU-s  test process "
          f"{statistics.median(own_cpu):5.3f} CPU-s  until it answers {statistics.median(walls):5.2f} s (medians)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="studydesk-bench-start-") as tmp:
        root = Path(tmp)
        ServerProcess(root / "warm" / "data").start().stop()
        pid = zygote_pid()
        if pid is not None:
            times = psutil.Process(pid).cpu_times()
            print(f"{'the zygote, once per test process':48} {times.user + times.system:5.2f} CPU-s")
        measure(root, "forked, from a migrated copy (the tests)", args.repeat, from_template=True, zygote=True)
        measure(root, "forked, the server migrates", args.repeat, from_template=False, zygote=True)
        measure(root, "reference: new interpreter, the server migrates", args.repeat, from_template=False,
                zygote=False)


if __name__ == "__main__":
    main()
