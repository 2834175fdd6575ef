"""The scrypt work factor, one definition for the whole product.

A cost is log2(N) with r = 8 and p = 1: 2^14 (the default) takes 16 MiB and tens of
milliseconds a run. It is used by the server's password hashes, by the key a shared PC
derives from a person's password, and by the seals of fill-in answers. A cost below
MIN_COST is too cheap to guess against; above MAX_COST a run takes too much memory and time
on an ordinary PC. Pure: imports only sync/protocol.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sync.protocol.errors import FormatError

DEFAULT_COST = 14
MIN_COST = 10
MAX_COST = 16
R = 8
P = 1
MAXMEM = 256 * 1024 * 1024
"""Enough for scrypt at MAX_COST (128 * r * 2^cost bytes = 64 MiB), with room to spare."""

PASSWORD_COST_ENV = "STUDYDESK_PASSWORD_COST"
KDF_COST_ENV = "STUDYDESK_KDF_COST"


def valid_cost(cost: object) -> bool:
    return isinstance(cost, int) and not isinstance(cost, bool) and MIN_COST <= cost <= MAX_COST


def check_cost(cost: object, where: str) -> int:
    """``cost`` when it is a whole number from MIN_COST to MAX_COST; FormatError naming ``where``."""
    if not valid_cost(cost):
        raise FormatError("bad_cost", f"{where}: the scrypt cost must be a whole number from {MIN_COST} to "
                                      f"{MAX_COST} (log2 of N), not {cost!r}")
    assert isinstance(cost, int)
    return cost


def cost_from_env(name: str, environ: Mapping[str, str] | None = None) -> int:
    """The cost the environment variable ``name`` sets, DEFAULT_COST when it is unset or empty;
    FormatError when it is anything but a whole number from MIN_COST to MAX_COST."""
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    if not raw:
        return DEFAULT_COST
    return check_cost(int(raw) if raw.isascii() and raw.isdigit() else raw, f"${name}")
