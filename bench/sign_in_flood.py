"""``./run bench sign_in_flood``: a record batch's time during a flood of sign-ins.

A real server (``studydesk-server serve``, SQLite by default, ``--postgresql URL`` for a database
there) and one enrolled learner who uploads a chain of ``--records`` signed records in one batch,
``--rounds`` times: once on the quiet server (the reference, measured in the same run, in turns),
once while ``--flood`` sign-ins with wrong passwords arrive from ``--threads`` threads at once, each
from an address of its own. Printed side by side: the batch's time (median and worst), and how the
flood was answered (401 for a checked password, 503 with Retry-After for a sign-in turned away
before it touched the database). The target: every batch stored, none answered 503, the median
within 3 s of the quiet one.

Usage: python -m bench.sign_in_flood [--rounds N] [--flood N] [--threads N] [--records N]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import statistics
import tempfile
import time
from pathlib import Path

from sync.protocol.errors import ServerBusyError
from sync.protocol.records import GENESIS
from tests.support.ingest import chain, enrolled_client, login, statuses
from tests.support.server_process import ServerProcess, add_user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--flood", type=int, default=120, help="sign-ins per round")
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--records", type=int, default=20, help="records per batch")
    parser.add_argument("--postgresql", metavar="URL", help="a PostgreSQL database instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
        server = ServerProcess(Path(tmp) / "data", database_url=args.postgresql).start()
        try:
            add_user(server, "steady", "pass-word")
            steady = enrolled_client(server, "steady")
            quiet: list[float] = []
            flooded: list[float] = []
            answers: collections.Counter[int] = collections.Counter()
            busy_batches = 0
            seq, prev = 1, GENESIS
            for round_no in range(args.rounds):
                for during_flood in (False, True):
                    records = chain(steady.signer, args.records, start=seq, prev=prev)
                    with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
                        flood = [pool.submit(login, server, f"flood-{round_no}-{i}", "guess-pw",
                                             f"10.{round_no}.{i // 250}.{i % 250 + 1}")
                                 for i in range(args.flood if during_flood else 0)]
                        start = time.monotonic()
                        try:
                            stored = statuses(steady.api.post_batch(records))
                        except ServerBusyError:
                            busy_batches += 1
                            stored = []
                        took = time.monotonic() - start
                        answers.update(f.result().status_code for f in flood)
                    if stored:
                        if stored != ["stored"] * args.records:
                            raise SystemExit(f"the batch was answered {stored}")
                        seq, prev = seq + args.records, records[-1].hash
                    (flooded if during_flood else quiet).append(took)
        finally:
            server.stop()

    def figures(times: list[float]) -> str:
        return f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s"

    print(f"{args.rounds} rounds, a batch of {args.records} records; {args.flood} sign-ins from "
          f"{args.threads} threads per flooded round ({'PostgreSQL' if args.postgresql else 'SQLite'})")
    print(f"reference (quiet server):   {figures(quiet)}")
    print(f"during the sign-in flood:   {figures(flooded)}")
    print(f"flood answered: {dict(sorted(answers.items()))}; batches answered 503: {busy_batches}")
    ok = busy_batches == 0 and statistics.median(flooded) <= statistics.median(quiet) + 3.0
    print(f"target (every batch stored, median within 3 s of the quiet one): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
