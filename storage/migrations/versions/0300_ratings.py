"""ratings: citizen satisfaction ratings (CSAT) and the pending requests for them

Revision ID: 0300_ratings
Revises:
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0300_ratings"
down_revision = None
branch_labels = ("ratings",)
# A rating is about a ticket (or a handoff); the tickets schema must exist first.
depends_on = "0001_tickets"


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_ref", sa.String(64), nullable=False),
        sa.Column("agency", sa.String(64), nullable=True),
        sa.Column("score", sa.SmallInteger, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("score >= 1 AND score <= 5", name="ck_ratings_score"),
        sa.CheckConstraint("subject_kind IN ('ticket', 'handoff')", name="ck_ratings_subject_kind"),
        sa.UniqueConstraint("subject_kind", "subject_ref", name="uq_ratings_subject"),
    )
    op.create_index("ix_ratings_agency", "ratings", ["agency"])
    op.create_index("ix_ratings_created_at", "ratings", ["created_at"])
    op.create_table(
        "rating_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("owner_digest", sa.String(64), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_ref", sa.String(64), nullable=False),
        sa.Column("agency", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("asked_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("subject_kind", "subject_ref", name="uq_rating_requests_subject"),
    )
    op.create_index("ix_rating_requests_owner_digest", "rating_requests", ["owner_digest"])
    op.create_index("ix_rating_requests_expires_at", "rating_requests", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_rating_requests_expires_at", table_name="rating_requests")
    op.drop_index("ix_rating_requests_owner_digest", table_name="rating_requests")
    op.drop_table("rating_requests")
    op.drop_index("ix_ratings_created_at", table_name="ratings")
    op.drop_index("ix_ratings_agency", table_name="ratings")
    op.drop_table("ratings")
