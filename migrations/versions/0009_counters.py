"""Counters: each wish's vote and comment counts, kept with every write, and the forum's indexes

Adds wish.vote_count, critical_votes, important_votes, public_comments and internal_comments
(filled from the existing votes and comments), the indexes the forum's "top" order reads, and
a covering index for "trending" (votes since a date, by wish).

Revision ID: 0009_counters
Revises: 0008_status_votes
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_counters"
down_revision = "0008_status_votes"
branch_labels = None
depends_on = None

COUNTERS = (
    "vote_count",
    "critical_votes",
    "important_votes",
    "public_comments",
    "internal_comments",
)

wish = sa.table("wish", sa.column("id"), *(sa.column(name) for name in COUNTERS))
vote = sa.table("vote", sa.column("wish_id"), sa.column("importance"))
comment = sa.table("comment", sa.column("wish_id"), sa.column("internal"))


def _count(table, *where):  # noqa: ANN001, ANN202 - SQL expression
    """A correlated count of a table's rows for each wish."""
    return (
        sa.select(sa.func.count())
        .select_from(table)
        .where(table.c.wish_id == wish.c.id, *where)
        .scalar_subquery()
    )


def upgrade():
    """Add the counters, fill them from the rows, and index the orders that read them."""
    for name in COUNTERS:
        op.add_column("wish", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        wish.update().values(
            vote_count=_count(vote),
            critical_votes=_count(vote, vote.c.importance == "critical"),
            important_votes=_count(vote, vote.c.importance == "important"),
            public_comments=_count(comment, comment.c.internal.is_(False)),
            internal_comments=_count(comment, comment.c.internal.is_(True)),
        )
    )
    op.create_index("ix_wish_votes", "wish", ["vote_count", "id"])
    op.create_index("ix_wish_status_votes", "wish", ["status", "vote_count", "id"])
    op.create_index("ix_vote_created_wish", "vote", ["created_at", "wish_id"])


def downgrade():
    """Drop the indexes and counters."""
    op.drop_index("ix_vote_created_wish", table_name="vote")
    op.drop_index("ix_wish_status_votes", table_name="wish")
    op.drop_index("ix_wish_votes", table_name="wish")
    with op.batch_alter_table("wish") as batch:
        for name in COUNTERS:
            batch.drop_column(name)
