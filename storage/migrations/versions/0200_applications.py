"""applications: restricted, encrypted identity numbers of application tickets

Revision ID: 0200_applications
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0200_applications"
down_revision = None
branch_labels = ("applications",)
# Rows belong to tickets (foreign key), so the tickets schema must exist first.
depends_on = "0001_tickets"


def upgrade() -> None:
    op.create_table(
        "ticket_personal_data",
        sa.Column(
            "ticket_id",
            sa.String(16),
            sa.ForeignKey("tickets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("field", sa.String(32), primary_key=True),
        sa.Column("ciphertext", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_ticket_personal_data_created_at", "ticket_personal_data", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_personal_data_created_at", table_name="ticket_personal_data")
    op.drop_table("ticket_personal_data")
