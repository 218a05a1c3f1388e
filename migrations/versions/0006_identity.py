"""Identity: session tokens (Flask-Login alternative id) and verified self-service sign-up

Revision ID: 0006_identity
Revises: 0005_embeddings
Create Date: 2026-12-02 21:00:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_identity"
down_revision = "0005_embeddings"
branch_labels = None
depends_on = None


def upgrade():
    """Add the columns, give every existing user their own random token, then require it."""
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("verify_nonce", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
        )
    conn = op.get_bind()
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    # One UPDATE per user: every token must be different, which no single SQL default gives.
    for (user_id,) in conn.execute(sa.select(user.c.id)).fetchall():
        conn.execute(
            user.update()
            .where(user.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_user_session_token"), ["session_token"])


def downgrade():
    """Drop the identity columns."""
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_session_token"), type_="unique")
        batch_op.drop_column("email_verified_at")
        batch_op.drop_column("verify_nonce")
        batch_op.drop_column("session_token")
