"""`servicedesk db upgrade`: apply the Alembic migrations."""

from __future__ import annotations

import click

from servicedesk.cli.context import container


@click.group("db")
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration to the configured database."""
    from servicedesk import migrate

    engine = container().engine
    migrate.upgrade(engine)
    click.echo(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")


commands: list[click.Command] = [db]
