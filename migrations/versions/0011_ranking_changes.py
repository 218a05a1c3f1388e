"""Ranking changes: the journal of wishes and bundles whose ranking facts changed

Each row names a wish or a bundle to rescore; the backlog cache of every worker reads the rows
after the last one it saw and rescores only those, instead of ranking everything again.

Revision ID: 0011_ranking_changes
Revises: 0010_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_ranking_changes"
down_revision = "0010_jobs"
branch_labels = None
depends_on = None


def upgrade():
    """Create the journal."""
    op.create_table(
        "ranking_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=True),
        sa.Column("bundle_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_change")),
    )
    op.create_index(op.f("ix_ranking_change_created_at"), "ranking_change", ["created_at"])


def downgrade():
    """Drop the journal."""
    op.drop_index(op.f("ix_ranking_change_created_at"), table_name="ranking_change")
    op.drop_table("ranking_change")
