"""desk: request_ratings for every channel's satisfaction answers (was webchat_ratings);
one webchat deflection per visitor and article

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 17:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("scale", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("rater", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_request_ratings_request_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_ratings")),
        sa.UniqueConstraint("request_id", name=op.f("uq_request_ratings_request_id")),
    )
    # The widget's good (1) and bad (-1) become scores 1 and 0 on the good/bad scale.
    op.execute(
        "INSERT INTO request_ratings"
        " (request_id, scale, score, comment, channel, rater, created_at, updated_at)"
        " SELECT request_id, 'good_bad', CASE WHEN rating > 0 THEN 1 ELSE 0 END, comment,"
        " 'webchat', visitor_id, created_at, created_at FROM webchat_ratings"
    )
    op.drop_table("webchat_ratings")
    # Repeated deflections counted an article "helpful" again each time; keep the first.
    op.execute(
        "DELETE FROM webchat_deflections WHERE id NOT IN"
        " (SELECT MIN(id) FROM webchat_deflections GROUP BY visitor_id, article_id)"
    )
    with op.batch_alter_table("webchat_deflections") as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_webchat_deflections_visitor_id_article_id"), ["visitor_id", "article_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("webchat_deflections") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_webchat_deflections_visitor_id_article_id"), type_="unique"
        )
    op.create_table(
        "webchat_ratings",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.String(length=100), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_webchat_ratings_request_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_webchat_ratings")),
    )
    op.execute(
        "INSERT INTO webchat_ratings (request_id, visitor_id, rating, comment, created_at)"
        " SELECT request_id, COALESCE(rater, ''), CASE WHEN score > 0 THEN 1 ELSE -1 END,"
        " comment, created_at FROM request_ratings"
        " WHERE channel = 'webchat' AND scale = 'good_bad'"
    )
    op.drop_table("request_ratings")
