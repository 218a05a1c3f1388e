"""Status votes: make bundle and wish statuses coherent under the bundle-governs rule

A confirmed bundle whose status a person set (it has bundle_status_change rows) keeps it;
any other confirmed bundle takes the most advanced status among its live confirmed wishes.
Then those wishes take their bundle's status, without notifications or history rows (nobody
decided anything new; the data only stops contradicting itself). Votes need no schema change:
vote.added_by_id and vote.created_at already record who recorded a vote on behalf, and when.

Revision ID: 0008_status_votes
Revises: 0005_embeddings
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_status_votes"
down_revision = "0006_identity"
branch_labels = None
depends_on = None

# The same order as wishlist.services.status._ADVANCE; copied so the migration never changes.
ADVANCE = ["declined", "new", "under_review", "planned", "in_progress", "shipped"]

bundle = sa.table("bundle", sa.column("id"), sa.column("confirmed"), sa.column("status"))
wish = sa.table(
    "wish",
    sa.column("id"),
    sa.column("bundle_id"),
    sa.column("bundle_state"),
    sa.column("status"),
    sa.column("withdrawn_at"),
)
change = sa.table("bundle_status_change", sa.column("bundle_id"))


def upgrade():
    """Give each confirmed bundle one status and its live confirmed wishes the same."""
    conn = op.get_bind()
    set_by_person = {row[0] for row in conn.execute(sa.select(change.c.bundle_id).distinct())}
    bundles = conn.execute(
        sa.select(bundle.c.id, bundle.c.status).where(bundle.c.confirmed.is_(sa.true()))
    ).all()
    for bundle_id, status in bundles:
        members = sa.and_(
            wish.c.bundle_id == bundle_id,
            wish.c.bundle_state == "confirmed",
            wish.c.withdrawn_at.is_(None),
        )
        if bundle_id not in set_by_person:
            found = [row[0] for row in conn.execute(sa.select(wish.c.status).where(members))]
            if found:
                status = max(found, key=ADVANCE.index)
                conn.execute(
                    bundle.update().where(bundle.c.id == bundle_id).values(status=status)
                )
        conn.execute(
            wish.update().where(members, wish.c.status != status).values(status=status)
        )


def downgrade():
    """Nothing to undo: the earlier statuses contradicted each other and are not kept."""
