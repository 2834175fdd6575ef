"""How many record batches each worker of ``serve`` ingests at once when the site names no number."""

from __future__ import annotations

import pytest

from server.commands.serve import default_upload_slots
from server.config import DEFAULT_UPLOAD_SLOTS


@pytest.mark.parametrize(("workers", "cores", "slots"), [
    (1, 1, 1),
    (1, 2, 2),  # one worker on 2 cores: as before
    (2, 2, 1),  # two workers on 2 cores ingest 2 batches at once in all, not 4
    (3, 2, 1),  # at least one each
    (4, 4, 1),
    (2, 8, 2),
    (1, 16, DEFAULT_UPLOAD_SLOTS),  # never more than one Python process gains from
])
def test_the_workers_share_the_cores(workers: int, cores: int, slots: int) -> None:
    assert default_upload_slots(workers, cores) == slots
