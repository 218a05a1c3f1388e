"""Jobs: background work (imports, finding duplicates, sending emails) with progress and outcome

Revision ID: 0010_jobs
Revises: 0009_counters
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_jobs"
down_revision = "0009_counters"
branch_labels = None
depends_on = None

KINDS = ("import_accounts", "import_wishes", "find_duplicates", "send_emails")
STATUSES = ("queued", "running", "succeeded", "failed")


def upgrade():
    """Create the job table."""
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum(*KINDS, name="jobkind", native_enum=False, length=32), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="jobstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=300), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_job_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index(op.f("ix_job_created_at"), "job", ["created_at"])
    op.create_index(op.f("ix_job_created_by_id"), "job", ["created_by_id"])


def downgrade():
    """Drop the job table."""
    op.drop_index(op.f("ix_job_created_by_id"), table_name="job")
    op.drop_index(op.f("ix_job_created_at"), table_name="job")
    op.drop_table("job")
