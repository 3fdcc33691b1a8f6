"""A live server per test on the test database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio
from sqlalchemy.engine import Engine

from servicedesk.container import Container
from tests.integration.sockets.live import LiveServer, build_container, seed_agents, serve

CHAT_ORIGIN = "http://shop.example"


@pytest.fixture
def container(engine: Engine, tmp_path: Path) -> Iterator[Container]:
    built = build_container(
        engine.url.render_as_string(hide_password=False),
        tmp_path / "instance",
        widget_origins=(CHAT_ORIGIN,),
    )
    seed_agents(built)
    yield built
    built.engine.dispose()


@pytest.fixture
def live(container: Container) -> Iterator[LiveServer]:
    server = serve(container)
    yield server
    server.stop()


@pytest.fixture
def clients() -> Iterator[list[socketio.Client]]:
    """Socket clients a test opens; all disconnected at the end."""
    opened: list[socketio.Client] = []
    yield opened
    for client in opened:
        client.disconnect()
