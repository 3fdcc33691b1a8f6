"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

import servicedesk.schema
from crm_core.db import Base
from servicedesk import migrate


def test_the_cli_knows_the_newest_migration() -> None:
    # The CLI's schema check compares the database with SCHEMA_HEAD instead of asking
    # Alembic: a new migration must be named there, or commands would not upgrade to it.
    assert migrate.script_heads() == {migrate.SCHEMA_HEAD}


def test_migrations_match_the_models(engine: Engine) -> None:
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), servicedesk.schema.metadata)
    assert diff == []


def test_chat_ratings_move_to_request_ratings_and_deflections_are_deduplicated(
    engine: Engine,
) -> None:
    Base.metadata.drop_all(engine)
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
        now = "2026-11-20 10:00:00+00:00"
        conn.execute(
            text(
                "INSERT INTO customers (id, name, lifecycle_stage, vip, created_at, updated_at)"
                " VALUES (1, 'Ann', 'PROSPECT', false, :now, :now)"
            ),
            {"now": now},
        )
        for request_id, status in ((1, "solved"), (2, "closed")):
            conn.execute(
                text(
                    "INSERT INTO service_requests (id, subject, customer_id, channel, status,"
                    " priority, tags, created_at, updated_at)"
                    " VALUES (:id, 'chat', 1, 'webchat', :status, 'normal', '[]', :now, :now)"
                ),
                {"id": request_id, "status": status, "now": now},
            )
        conn.execute(
            text(
                "INSERT INTO webchat_ratings (request_id, visitor_id, rating, comment, created_at)"
                " VALUES (1, 'v-1', 1, 'quick', :now), (2, 'v-2', -1, NULL, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO webchat_deflections (visitor_id, article_id, query, created_at)"
                " VALUES ('v-1', 7, 'a', :now), ('v-1', 7, 'b', :now), ('v-2', 7, 'c', :now)"
            ),
            {"now": now},
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT request_id, scale, score, comment, channel, rater FROM request_ratings"
                " ORDER BY request_id"
            )
        ).all()
        assert [tuple(row) for row in rows] == [
            (1, "good_bad", 1, "quick", "webchat", "v-1"),
            (2, "good_bad", 0, None, "webchat", "v-2"),
        ]
        assert "webchat_ratings" not in inspect(conn).get_table_names()
        kept = conn.execute(text("SELECT query FROM webchat_deflections ORDER BY id")).scalars()
        assert list(kept) == ["a", "c"]  # one per visitor and article
