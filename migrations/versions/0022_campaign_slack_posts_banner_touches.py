"""campaign Slack posts, portal banners and their touches, replies to campaign mail

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 23:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, which SQLite does in place: a batch would copy and drop
    # marketing_campaigns, which the variants' and deliveries' foreign keys refuse once
    # campaigns exist.
    op.add_column(
        "marketing_campaigns",
        sa.Column("slack_channels", sa.String(length=500), nullable=False, server_default=""),
    )
    op.add_column(
        "marketing_campaigns", sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "marketing_campaigns",
        sa.Column("show_anonymous", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "marketing_deliveries", sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "marketing_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "posted", "failed", name="poststatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("ts", sa.String(length=40), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["marketing_campaigns.id"],
            name=op.f("fk_marketing_posts_campaign_id_marketing_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_posts")),
        sa.UniqueConstraint(
            "campaign_id", "target", name=op.f("uq_marketing_posts_campaign_id_target")
        ),
    )
    op.create_table(
        "marketing_touches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "impression", "click", "dismiss", name="touchkind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["marketing_campaigns.id"],
            name=op.f("fk_marketing_touches_campaign_id_marketing_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_marketing_touches_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_touches")),
    )
    with op.batch_alter_table("marketing_touches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_marketing_touches_campaign", ["campaign_id", "kind"], unique=False
        )
        batch_op.create_index(
            "ix_marketing_touches_customer", ["customer_id", "campaign_id", "kind"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("marketing_touches", schema=None) as batch_op:
        batch_op.drop_index("ix_marketing_touches_customer")
        batch_op.drop_index("ix_marketing_touches_campaign")
    op.drop_table("marketing_touches")
    op.drop_table("marketing_posts")
    with op.batch_alter_table("marketing_deliveries", schema=None) as batch_op:
        batch_op.drop_column("replied_at")
    with op.batch_alter_table("marketing_campaigns", schema=None) as batch_op:
        batch_op.drop_column("show_anonymous")
        batch_op.drop_column("ends_at")
        batch_op.drop_column("slack_channels")
