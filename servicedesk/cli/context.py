"""How CLI commands get their container: one per process and configuration.

The container is built from the environment on first use and the database is brought
up to date, so every command works on a fresh instance directory without a separate
`db upgrade` step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from servicedesk.config import Config, ConfigError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from servicedesk.container import Container

_containers: dict[tuple[object, ...], Container] = {}


def container() -> Container:
    """The container for the current environment; a bad setting exits with its name.

    CLI processes are short-lived, so in-process jobs run synchronously: a command never
    exits with work still queued in memory.
    """
    try:
        config = Config.from_env()
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    key = (config.instance_dir, config.database_url, config.redis_url)
    if key not in _containers:
        # Imported here, not at the top, so `--help` and argument errors answer at once:
        # the container pulls in SQLAlchemy's models and the routing and search code.
        from servicedesk import migrate
        from servicedesk.container import Container

        built = Container.build(config, synchronous_jobs=True)
        migrate.ensure_current(built.engine)
        _containers[key] = built
    return _containers[key]


def load_yaml_into(
    file: Path, load: Callable[[Session, Any], tuple[int, int]], error: type[Exception]
) -> tuple[int, int]:
    """Parse a YAML file and hand it to `load` in one committed unit of work.

    A YAML or setup error exits with the file's name and the problem (which names the field).
    """
    import yaml

    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as problem:
        raise click.ClickException(f"{file}: not valid YAML: {problem}") from problem
    with container().uow() as uow:
        try:
            counts = load(uow.session, document or {})
        except error as problem:
            raise click.ClickException(f"{file}: {problem}") from problem
        uow.commit()
    return counts
