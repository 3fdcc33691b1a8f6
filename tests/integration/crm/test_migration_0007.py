"""Migration 0007 gives organisations that existed before it their name key."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_core.db import Base
from servicedesk import migrate


def upgrade_to(engine: Engine, revision: str) -> None:
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_existing_organisations_get_their_name_key(engine: Engine) -> None:
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade_to(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organizations (name, tier, created_at) "
                "VALUES ('École  Polytechnique', 'standard', CURRENT_TIMESTAMP)"
            )
        )
    upgrade_to(engine, "0007")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name_key FROM organizations")).scalar_one() == (
            "ecole polytechnique"
        )
