"""transparency indexes: what the public figures' aggregate queries read

Revision ID: 0301_transparency_indexes
Revises: 0300_ratings
Create Date: 2026-12-04

Why each index (storage/transparency.py, measured with `python -m tooling.transparency_bench`):
- ix_tickets_transparency (created_at, kind, agency, category_or_service, status): the one
  grouped count over the period reads only these columns, so PostgreSQL answers it from the
  index (index-only scan) instead of reading every ticket row with its description.
- ix_tsh_ticket_event_status_at (ticket_id, event, status, at): the first status change and
  the first `selesai` of each complaint are MIN(at) lookups per ticket; with this index each is
  one index probe.
- ix_ratings_transparency (created_at, agency, score): the ratings count per day, agency and
  score, again without touching the sealed comments.
- ix_tickets_updated_at, ix_ratings_updated_at: `data_version()` asks MAX(updated_at) on every
  cached request to see whether anything changed; with these it is one index look-up.
"""

from alembic import op

revision = "0301_transparency_indexes"
down_revision = "0300_ratings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_tickets_transparency",
        "tickets",
        ["created_at", "kind", "agency", "category_or_service", "status"],
    )
    op.create_index(
        "ix_tsh_ticket_event_status_at",
        "ticket_status_history",
        ["ticket_id", "event", "status", "at"],
    )
    op.create_index("ix_ratings_transparency", "ratings", ["created_at", "agency", "score"])
    op.create_index("ix_tickets_updated_at", "tickets", ["updated_at"])
    op.create_index("ix_ratings_updated_at", "ratings", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_ratings_updated_at", table_name="ratings")
    op.drop_index("ix_tickets_updated_at", table_name="tickets")
    op.drop_index("ix_ratings_transparency", table_name="ratings")
    op.drop_index("ix_tsh_ticket_event_status_at", table_name="ticket_status_history")
    op.drop_index("ix_tickets_transparency", table_name="tickets")
