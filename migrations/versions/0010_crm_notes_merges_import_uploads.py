"""crm: notes on customers, customer merges (undoable), uploaded import files

Revision ID: 0010
Revises: 0014
Create Date: 2026-11-29 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_notes_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_notes")),
    )
    op.create_index(
        op.f("ix_customer_notes_customer_id"), "customer_notes", ["customer_id"], unique=False
    )
    op.create_table(
        "customer_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("survivor_before", sa.JSON(), nullable=False),
        sa.Column("repointed", sa.JSON(), nullable=False),
        sa.Column("set_aside", sa.JSON(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.Column("status_note", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_merges")),
    )
    op.create_index(
        op.f("ix_customer_merges_survivor_id"), "customer_merges", ["survivor_id"], unique=False
    )
    op.create_index(
        op.f("ix_customer_merges_merged_id"), "customer_merges", ["merged_id"], unique=False
    )
    op.create_table(
        "import_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=False),
        sa.Column("last_row", sa.Integer(), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "UPLOADED", "QUEUED", "RUNNING", "FINISHED", "FAILED",
                name="uploadstatus", native_enum=False, length=20,
            ),
            nullable=False,
        ),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dry_run", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_uploads")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("import_uploads")
    op.drop_index(op.f("ix_customer_merges_merged_id"), table_name="customer_merges")
    op.drop_index(op.f("ix_customer_merges_survivor_id"), table_name="customer_merges")
    op.drop_table("customer_merges")
    op.drop_index(op.f("ix_customer_notes_customer_id"), table_name="customer_notes")
    op.drop_table("customer_notes")
