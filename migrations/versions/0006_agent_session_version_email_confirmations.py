"""identity: agents' session version, email confirmations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "email_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_email_confirmations_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_confirmations")),
    )
    op.create_index(
        op.f("ix_email_confirmations_address"), "email_confirmations", ["address"], unique=False
    )
    op.create_index(
        op.f("ix_email_confirmations_customer_id"),
        "email_confirmations",
        ["customer_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_email_confirmations_customer_id"), table_name="email_confirmations")
    op.drop_index(op.f("ix_email_confirmations_address"), table_name="email_confirmations")
    op.drop_table("email_confirmations")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("session_version")
