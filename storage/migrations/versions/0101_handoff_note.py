"""console: handoffs.note (why a flow handed the citizen over, in words)

Revision ID: 0101_handoff_note
Revises: 0100_console
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0101_handoff_note"
down_revision = "0100_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("note", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("note")
