"""How many record batches each worker of ``serve`` ingests at once when the site names no number."""

from __future__ import annotations

import pytest

from server.commands.serve import default_upload_slots
from server.config import DEFAULT_UPLOAD_SLOTS


@pytest.mark.parametrize(("cores", "slots"), [
    (1, 1),  # one core: one batch at a time
    (2, DEFAULT_UPLOAD_SLOTS),  # one batch's Python runs while the other waits on the database
    (16, DEFAULT_UPLOAD_SLOTS),  # never more than one Python process gains from
])
def test_each_worker_overlaps_two_batches_whatever_the_number_of_workers(cores: int, slots: int) -> None:
    assert DEFAULT_UPLOAD_SLOTS == 2
    assert default_upload_slots(cores) == slots
