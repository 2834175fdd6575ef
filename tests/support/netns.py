"""A rate-limited link for benches: a network namespace joined to the host by a veth pair,
shaped with ``tc qdisc tbf`` on the namespace side (so server -> client traffic is capped).

Needs root. Everything is named ``sdnet<pid>``; ``cleanup`` deletes the namespace (and with
it the veth pair) by that name, also after a failure. Only this private link is touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass


def netns_available() -> str | None:
    """None when usable, else the reason it is not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if not shutil.which("ip") or not shutil.which("tc"):
        return "iproute2 (ip, tc) is not installed"
    probe = f"sdprobe{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return f"cannot create a network namespace: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


@dataclass(frozen=True)
class ShapedLink:
    name: str
    host_ip: str
    ns_ip: str

    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]


def _run(*cmd: str) -> None:
    subprocess.run(list(cmd), check=True, capture_output=True, text=True)


def cleanup(name: str) -> None:
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    subprocess.run(["ip", "link", "del", f"{name}h"], capture_output=True)


@contextlib.contextmanager
def shaped_link(rate: str = "1mbit", burst: str = "32kbit", latency: str = "400ms",
                subnet: int = 231) -> Iterator[ShapedLink]:
    name = f"sdnet{os.getpid() % 100000}"
    host_if, ns_if = f"{name}h", f"{name}n"
    link = ShapedLink(name, f"10.{subnet}.0.1", f"10.{subnet}.0.2")
    cleanup(name)
    try:
        _run("ip", "netns", "add", name)
        _run("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _run("ip", "link", "set", ns_if, "netns", name)
        _run("ip", "addr", "add", f"{link.host_ip}/24", "dev", host_if)
        _run("ip", "link", "set", host_if, "up")
        ns = link.exec_prefix()
        _run(*ns, "ip", "addr", "add", f"{link.ns_ip}/24", "dev", ns_if)
        _run(*ns, "ip", "link", "set", ns_if, "up")
        _run(*ns, "ip", "link", "set", "lo", "up")
        _run(*ns, "tc", "qdisc", "add", "dev", ns_if, "root", "tbf", "rate", rate, "burst", burst,
             "latency", latency)
        yield link
    finally:
        cleanup(name)
