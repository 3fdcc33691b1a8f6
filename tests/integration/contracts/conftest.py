"""A container on the test database with synchronous jobs, a recording notifier and no
router (the tests that want one set it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.realtime.notifier import RecordingNotifier


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> Container:
    config = Config(instance_dir=tmp_path, database_url=str(engine.url), secret_key="k")
    built = Container.build(config, synchronous_jobs=True)
    built.notifier = RecordingNotifier()
    built.router = None
    return built
