"""``./run bench download``: the course download engine over a slow, flaky link.

Prints four figures (targets from issue 2):
  1. goodput as % of a 1 Mbit/s link (tc tbf in a network namespace when root, else a
     throttling proxy) -- target >= 90 %
  2. bytes on the wire / package size with 5 connection cuts -- target <= 1.02
  3. bytes transferred for an update that changes 1 of 10 lessons
  4. peak RSS while downloading a 1 GB blob (loopback, separate process) -- target flat, < 100 MB
Options: --quick (smaller sizes), --no-netns (force the proxy), --skip-rss.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from sync.content.downloader import Downloader
from sync.content.store import ContentStore
from sync.protocol.keys import PublicKey
from tests.support.courses import publish_source, publisher_keys, random_bytes, write_course_source
from tests.support.netns import ShapedLink, netns_available, shaped_link
from tests.support.server_process import ServerProcess, free_port
from tests.support.throttle_proxy import ThrottleProxy

LINK_BPS = 1_000_000  # 1 Mbit/s
ROOT = Path(__file__).resolve().parent.parent


class NetnsServer:
    """``studydesk-server serve`` inside the shaped namespace, reachable from the host at ns_ip."""

    def __init__(self, link: ShapedLink, data: Path) -> None:
        self.port = free_port()
        self.url = f"http://{link.ns_ip}:{self.port}"
        cmd = [*link.exec_prefix(), sys.executable, "-m", "server.cli", "--data", str(data), "serve",
               "--host", link.ns_ip, "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/api/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server in the namespace did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def slow_link(data: Path, use_netns: bool) -> Iterator[tuple[str, str, int]]:
    """Yields (repository host, description, port) of a server behind a 1 Mbit/s link."""
    if use_netns:
        with shaped_link(rate="1mbit", burst="32kbit", latency="400ms") as link:
            server = NetnsServer(link, data)
            try:
                yield link.ns_ip, "netns + tc tbf 1mbit", server.port
            finally:
                server.stop()
        return
    local = ServerProcess(data).start()
    proxy = ThrottleProxy("127.0.0.1", local.port, rate_bps=LINK_BPS / 8).start()
    try:
        yield "127.0.0.1", "throttling proxy 1 Mbit/s", proxy.port
    finally:
        proxy.stop()
        local.stop()


def goodput_and_cuts(work: Path, use_netns: bool, size: int) -> dict[str, float | str]:
    data = work / "slow-server"
    publish_source(data, write_course_source(work / "src-slow", "slow", [random_bytes(size, 1)]))
    publish_source(data, write_course_source(work / "src-cuts", "cuts", [random_bytes(size // 2, 2),
                                                                          random_bytes(size // 2, 3)]))
    keys = publisher_keys(data)
    with slow_link(data, use_netns) as (host, how, port):
        store = ContentStore(work / "client-slow", keys)
        started = time.monotonic()
        Downloader(store, f"http://{host}:{port}/repo", keys).download_course("slow")
        elapsed = time.monotonic() - started
        goodput = size * 8 / elapsed / LINK_BPS

        cut_every = size // 6
        with ThrottleProxy(host, port, cut_after=[cut_every * i for i in range(1, 6)]) as proxy:
            d = Downloader(ContentStore(work / "client-cuts", keys), proxy.url + "/repo", keys,
                           backoff_base_s=0.1)
            d.download_course("cuts")
            ratio = proxy.bytes_down / size
            cuts = proxy.cuts
    return {"link": how, "goodput": goodput, "seconds": elapsed, "size": size, "ratio": ratio, "cuts": cuts,
            "retries": d.stats.retries}


def update_bytes(work: Path, lesson_size: int) -> dict[str, int]:
    data = work / "update-server"
    src = write_course_source(work / "src-update", "update", [random_bytes(lesson_size, 10 + i) for i in range(10)])
    publish_source(data, src)
    keys = publisher_keys(data)
    server = ServerProcess(data).start()
    try:
        store = ContentStore(work / "client-update", keys)
        with ThrottleProxy("127.0.0.1", server.port) as proxy:
            Downloader(store, proxy.url + "/repo", keys).download_course("update")
            first = proxy.bytes_down
        (src / "lesson7.mp4").write_bytes(random_bytes(lesson_size, 999))
        publish_source(data, src)
        with ThrottleProxy("127.0.0.1", server.port) as proxy:
            d = Downloader(store, proxy.url + "/repo", keys)
            d.download_course("update")
            second = proxy.bytes_down
    finally:
        server.stop()
    return {"full": first, "update": second, "payload": d.stats.bytes_received, "lesson": lesson_size}


def rss_child(url: str, key_text: str, content: str) -> None:
    """Runs in its own process: download the big course, sampling this process's RSS."""
    import psutil

    me = psutil.Process()
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(me.memory_info().rss)
            time.sleep(0.05)

    key = PublicKey.from_text(key_text)
    keys = {key.key_id: key}
    store = ContentStore(Path(content), keys)
    start_rss = me.memory_info().rss
    threading.Thread(target=sample, daemon=True).start()
    started = time.monotonic()
    Downloader(store, url, keys).download_course("big")
    done.set()
    print(json.dumps({"start": start_rss, "peak": max(samples), "end": me.memory_info().rss,
                      "seconds": time.monotonic() - started}))


def big_blob_rss(work: Path, size: int) -> dict[str, float]:
    data = work / "big-server"
    src = work / "src-big"
    src.mkdir()
    with open(src / "lesson1.mp4", "wb") as f:
        f.truncate(size)  # sparse: instant to make; publish and download still move every byte
    (src / "course.toml").write_text('id = "big"\ntitle = "big"\ncategory = "bench"\n[[lessons]]\n'
                                     'file = "lesson1.mp4"\ntitle = "big"\nduration_s = 3600\n', encoding="utf-8")
    publish_source(data, src)
    key = next(iter(publisher_keys(data).values()))
    server = ServerProcess(data).start()
    try:
        out = subprocess.run([sys.executable, "-m", "bench.download", "--rss-child", server.url + "/repo",
                              key.to_text(), str(work / "client-big")], cwd=ROOT, capture_output=True, text=True,
                             check=True)
    finally:
        server.stop()
    figures: dict[str, float] = json.loads(out.stdout)
    return figures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.download")
    p.add_argument("--quick", action="store_true", help="smaller sizes (about 30 s in all)")
    p.add_argument("--no-netns", action="store_true", help="use the throttling proxy even as root")
    p.add_argument("--skip-rss", action="store_true", help="skip the 1 GB download")
    p.add_argument("--rss-child", nargs=3, metavar=("URL", "KEY", "CONTENT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.rss_child:
        rss_child(*args.rss_child)
        return 0
    reason = netns_available()
    use_netns = reason is None and not args.no_netns
    if reason and not args.no_netns:
        print(f"(no network namespace: {reason}; using a throttling proxy)")
    work = Path(tempfile.mkdtemp(prefix="studydesk-bench-"))
    rows: list[tuple[str, str, str]] = []
    try:
        g = goodput_and_cuts(work, use_netns, 600_000 if args.quick else 1_500_000)
        rows.append((f"goodput over {g['link']}", f"{g['goodput'] * 100:.1f} % "
                     f"({g['size']:,} B in {g['seconds']:.1f} s)", ">= 90 %"))
        rows.append((f"wire bytes / package size, {g['cuts']} cuts", f"{g['ratio']:.4f} "
                     f"({g['retries']} retries)", "<= 1.02"))
        u = update_bytes(work, 100_000)
        rows.append(("update changing 1 of 10 lessons", f"{u['update']:,} B on the wire, {u['payload']:,} B "
                     f"payload (full course: {u['full']:,} B)", f"~ 1 lesson ({u['lesson']:,} B)"))
        if not args.skip_rss:
            size = 256 * 1024 * 1024 if args.quick else 1024 * 1024 * 1024
            r = big_blob_rss(work, size)
            rows.append((f"peak RSS downloading a {size // 2**20} MB blob",
                         f"{r['peak'] / 2**20:.1f} MB (start {r['start'] / 2**20:.1f} MB, "
                         f"{size / r['seconds'] / 2**20:.0f} MB/s)", "flat, < 100 MB"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print(f"\n{'figure'.ljust(width)}  {'measured'.ljust(vwidth)}  target")
    print(f"{'-' * width}  {'-' * vwidth}  ------")
    for name, value, target in rows:
        print(f"{name.ljust(width)}  {value.ljust(vwidth)}  {target}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
