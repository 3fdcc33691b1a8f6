"""A real app on the test database, and a signed-in test client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from servicedesk.app import create_app
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent

CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1) or match.group(2)


@pytest.fixture
def container(engine: Engine, tmp_path: Path) -> Iterator[Container]:
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret",
        testing=True,
        session_minutes=30,
    )
    built = Container.build(config, synchronous_jobs=True)
    yield built
    built.engine.dispose()


@pytest.fixture
def app(container: Container) -> Flask:
    with container.uow() as uow:
        create_agent(uow.session, "agent@desk.example", "agent-password", name="Alex Agent")
        create_agent(uow.session, "admin@desk.example", "admin-password", roles=["admin"])
        uow.commit()
    return create_app(container=container)


def sign_in(
    client: FlaskClient, email: str = "agent@desk.example", password: str = "agent-password"
):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def agent_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = sign_in(client)
    assert response.status_code == 302
    return client


def signed_in(app: Flask, who: str) -> FlaskClient:
    """A client signed in as `who@desk.example` (password `who-password`)."""
    client = app.test_client()
    assert sign_in(client, f"{who}@desk.example", f"{who}-password").status_code == 302
    return client
