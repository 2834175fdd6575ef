"""server.storage.schema writes out where the numbered SQLite steps end, so that opening a database
kept by Alembic loads none of them: the number must be the steps' own."""

from __future__ import annotations

from server.storage import legacy
from server.storage.schema import ALEMBIC_USER_VERSION, LAST_NUMBERED_STEP


def test_the_written_out_last_step_is_the_numbered_steps_own() -> None:
    assert legacy.schema.version == LAST_NUMBERED_STEP
    assert legacy.schema.version + 1 == ALEMBIC_USER_VERSION
