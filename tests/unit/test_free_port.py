"""Test processes hand out server ports from blocks of their own, below the kernel's ephemeral range."""

from __future__ import annotations

import itertools
import socket
from pathlib import Path

import pytest

from tests.support import server_process


def _ports(monkeypatch: pytest.MonkeyPatch, worker: str | None, n: int) -> list[int]:
    if worker is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    monkeypatch.setattr(server_process, "_next_port", [])
    return [server_process.free_port() for _ in range(n)]


def test_each_worker_has_its_own_block_below_the_ephemeral_range(monkeypatch: pytest.MonkeyPatch) -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    blocks = {w: _ports(monkeypatch, w, 30) for w in (None, "gw0", "gw1", "gw12")}
    for ports in blocks.values():
        assert len(set(ports)) == len(ports) and max(ports) < low
    spans = sorted((min(p), max(p)) for p in blocks.values())
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # no two blocks share a port


def test_a_port_in_use_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    # The block of gw12, which no run with fewer than 13 workers uses: the test's own worker may be
    # gw3 and have servers (or connections in TIME_WAIT) on its ports. Two neighbouring free ports
    # in it: the first is held, the second must be the one handed out.
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw12")
    base = server_process._PORTS_FROM + 13 * server_process.PORT_BLOCK
    for offset in range(100, server_process.PORT_BLOCK - 1):
        with socket.socket() as taken, socket.socket() as probe:
            try:
                taken.bind(("127.0.0.1", base + offset))
                probe.bind(("127.0.0.1", base + offset + 1))
            except OSError:
                continue
            probe.close()
            taken.listen()
            monkeypatch.setattr(server_process, "_next_port", [offset])
            assert server_process.free_port() == base + offset + 1
            return
    pytest.fail(f"no two neighbouring free ports from {base + 100} to {base + server_process.PORT_BLOCK - 1}")
