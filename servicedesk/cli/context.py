"""How CLI commands get their container: one per process, from the environment."""

from __future__ import annotations

import click

from servicedesk.config import Config, ConfigError
from servicedesk.container import Container

_container: Container | None = None


def container() -> Container:
    """The process's container, built on first use; a bad setting exits with its name."""
    global _container
    if _container is None:
        try:
            _container = Container.build(Config.from_env())
        except ConfigError as error:
            raise click.ClickException(str(error)) from error
    return _container
