"""What ingest reads of a person's history before each batch, without reading it all: the people
every one of whose stored records has its credit (records stored without credit by a server from
before credit was decided at ingest are credited once, at the person's next upload), and the
person's quiz and exam records, to find those without a grade.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # empty: everyone's history is looked at once more, so records stored before are never missed
    op.create_table("credited_people", sa.Column("user_id", sa.Text, primary_key=True))
    op.create_index("records_user_type", "records", ["user_id", "type"])


def downgrade() -> None:
    op.drop_index("records_user_type", "records")
    op.drop_table("credited_people")
