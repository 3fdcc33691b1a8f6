"""Running Alembic from code: `servicedesk db upgrade` and the CLI's schema check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The newest revision in migrations/versions. The CLI compares the database with it before
# every command without loading Alembic (a seventh of a second of start-up);
# tests/integration/test_migrations.py fails when a new migration is not named here.
SCHEMA_HEAD = "0022"


def alembic_config(database_url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (all heads)."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def script_heads() -> set[str]:
    """The heads Alembic finds in migrations/versions."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest revision already."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        current = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    return current == {SCHEMA_HEAD}


def ensure_current(engine: Engine) -> None:
    """Upgrade when behind; cheap when already current."""
    if not is_current(engine):
        upgrade(engine)
