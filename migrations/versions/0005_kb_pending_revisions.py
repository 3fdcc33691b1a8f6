"""knowledge: pending revisions of published articles, decided by a reviewer

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# kb_visibility exists since 0002; on PostgreSQL the new table reuses the type.
VISIBILITY = sa.Enum("public", "internal", name="kb_visibility").with_variant(
    postgresql.ENUM("public", "internal", name="kb_visibility", create_type=False), "postgresql"
)
STATE = sa.Enum("pending", "approved", "rejected", "withdrawn", name="kb_revision_state")


def upgrade() -> None:
    op.create_table(
        "kb_pending_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("state", STATE, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("visibility", VISIBILITY, nullable=False),
        sa.Column("author_agent_id", sa.Integer(), nullable=True),
        sa.Column("contributor_ids", sa.JSON(), nullable=False),
        sa.Column("decided_by_agent_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_pending_revisions_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_pending_revisions")),
    )
    with op.batch_alter_table("kb_pending_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_pending_revisions_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_kb_pending_revisions_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_pending_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_pending_revisions_state"))
        batch_op.drop_index(batch_op.f("ix_kb_pending_revisions_article_id"))
    op.drop_table("kb_pending_revisions")
    STATE.drop(op.get_bind(), checkfirst=True)
