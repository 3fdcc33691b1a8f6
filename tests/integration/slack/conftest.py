"""A desk with Slack on, against a local Slack Web API stub, and signed Slack requests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine
from werkzeug.test import TestResponse

from servicedesk.app import create_app
from servicedesk.config import Config
from servicedesk.container import Container
from tests.factories import make_agent
from tests.fixtures.slack_stub import TEAM, SlackStub, running_stub

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SUPPORT = "CSUPPORT"


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with running_stub() as running:
        running.add_user("UCUST", "Maria", "maria@customer.example")
        running.add_user("UAGENT", "Alex", "agent@desk.example")
        running.add_user("UOUTSIDER", "Eve", "eve@elsewhere.example")
        running.add_user("UGUEST", "Gus", "agent@desk.example", team="T0OTHER")
        yield running


def slack_config(engine: Engine, tmp_path: Path, stub: SlackStub, **overrides: Any) -> Config:
    values: dict[str, Any] = {
        "instance_dir": tmp_path / "instance",
        "database_url": engine.url.render_as_string(hide_password=False),
        "secret_key": "test-secret",
        "testing": True,
        "slack_signing_secret": SECRET,
        "slack_bot_token": "xoxb-test",
        "slack_api_url": stub.api_url,
        "slack_channels": (SUPPORT,),
        "base_url": "http://desk.example",
    }
    values.update(overrides)
    return Config(**values)


@pytest.fixture
def container(engine: Engine, tmp_path: Path, stub: SlackStub) -> Iterator[Container]:
    built = Container.build(slack_config(engine, tmp_path, stub), synchronous_jobs=True)
    yield built
    built.engine.dispose()


@pytest.fixture
def app(container: Container) -> Flask:
    """The app, with the agent whose email the stub's UAGENT has (no password: no hash)."""
    with container.uow() as uow:
        make_agent(uow, "Alex Agent", email="agent@desk.example")
        uow.commit()
    return create_app(container=container)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def signed_headers(
    body: bytes, *, timestamp: int | None = None, secret: str = SECRET
) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def post_signed(
    client: FlaskClient, body: bytes, content_type: str, **headers: str
) -> TestResponse:
    sent = {**signed_headers(body), "Content-Type": content_type, **headers}
    return client.post("/slack/events", data=body, headers=sent)


def message_event(
    text: str,
    *,
    ts: str,
    user: str = "UCUST",
    channel: str = SUPPORT,
    event_id: str | None = None,
    **event: Any,
) -> dict[str, Any]:
    """An `event_callback` envelope as Slack sends it for a message."""
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A0DESK",
        "type": "event_callback",
        "event_id": event_id or f"Ev{ts.replace('.', '')}",
        "event_time": int(float(ts)),
        "event": {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im" if channel.startswith("D") else "channel",
            **event,
        },
    }


def send_event(client: FlaskClient, envelope: dict[str, Any], **headers: str) -> TestResponse:
    return post_signed(client, json.dumps(envelope).encode(), "application/json", **headers)


def send_command(
    client: FlaskClient,
    stub: SlackStub,
    command: str,
    text: str,
    user: str = "UAGENT",
    team: str = TEAM,
) -> TestResponse:
    """A slash command, form-encoded as Slack posts it."""
    form = {
        "token": "legacy",
        "team_id": team,
        "team_domain": "desk",
        "channel_id": SUPPORT,
        "channel_name": "support",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0DESK",
        "response_url": f"{stub.url}/respond/{command.strip('/')}",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }
    return post_signed(client, urlencode(form).encode(), "application/x-www-form-urlencoded")


def send_interaction(client: FlaskClient, payload: dict[str, Any]) -> TestResponse:
    """Block actions and view submissions arrive as a form field `payload` holding JSON."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return post_signed(client, body, "application/x-www-form-urlencoded")


def _interaction(kind: str, user: str) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": TEAM, "domain": "desk"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0DESK",
        "token": "legacy",
        "trigger_id": "1.2.trigger",
    }


def block_action(
    stub: SlackStub, action_id: str, value: str, user: str = "UAGENT"
) -> dict[str, Any]:
    return {
        **_interaction("block_actions", user),
        "channel": {"id": SUPPORT},
        "response_url": f"{stub.url}/respond/action",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "type": "button",
                "action_ts": "1",
            }
        ],
    }


def view_submission(
    callback_id: str, values: dict[str, str], *, metadata: str = "", user: str = "UAGENT"
) -> dict[str, Any]:
    return {
        **_interaction("view_submission", user),
        "view": {
            "id": f"V{callback_id.upper()}",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": {
                "values": {
                    block: {"value": {"type": "plain_text_input", "value": value}}
                    for block, value in values.items()
                }
            },
        },
    }
