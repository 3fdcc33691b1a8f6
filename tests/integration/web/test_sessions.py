"""Sign-out and password change end every session of the agent; sessions have an end."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient

from servicedesk.web.auth import SIGNED_IN_AT
from tests.integration.web.conftest import csrf_token, sign_in


def _copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding the same session cookie (copied before sign-out)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _sign_out(client: FlaskClient) -> None:
    token = csrf_token(client.get("/console").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_a_cookie_copied_before_sign_out_opens_nothing_after(
    app: Flask, agent_client: FlaskClient
) -> None:
    thief = _copy_of(app, agent_client)
    assert thief.get("/console").status_code == 200  # the copy works while signed in
    _sign_out(agent_client)
    response = thief.get("/console")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_sign_out_ends_the_agents_sessions_in_other_browsers(app: Flask) -> None:
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone)
    _sign_out(laptop)
    assert phone.get("/console").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(app: Flask) -> None:
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone)
    token = csrf_token(laptop.get("/account/password").get_data(as_text=True))
    form = {"current": "agent-password", "new": "a-new-password", "repeat": "a-new-password"}
    response = laptop.post("/account/password", data={**form, "csrf_token": token})
    assert response.status_code == 302
    assert laptop.get("/console").status_code == 200
    assert phone.get("/console").status_code == 302
    assert sign_in(app.test_client(), password="agent-password").status_code == 401
    assert sign_in(app.test_client(), password="a-new-password").status_code == 302


def test_password_change_needs_the_current_password(app: Flask, agent_client: FlaskClient) -> None:
    token = csrf_token(agent_client.get("/account/password").get_data(as_text=True))
    form = {"current": "wrong-password", "new": "a-new-password", "repeat": "a-new-password"}
    response = agent_client.post("/account/password", data={**form, "csrf_token": token})
    assert response.status_code == 400
    assert "current password" in response.get_data(as_text=True)
    assert agent_client.get("/console").status_code == 200


def test_a_session_ends_at_its_absolute_lifetime_however_active(
    app: Flask, agent_client: FlaskClient
) -> None:
    lifetime = app.extensions["servicedesk"].config.session_absolute_minutes * 60
    with agent_client.session_transaction() as stored:
        stored[SIGNED_IN_AT] = int(time.time()) - lifetime + 60
    assert agent_client.get("/console").status_code == 200  # a minute left, still in
    with agent_client.session_transaction() as stored:
        stored[SIGNED_IN_AT] = int(time.time()) - lifetime - 1
    assert agent_client.get("/console").status_code == 302


def test_every_request_renews_the_idle_limit_not_the_absolute_one(
    app: Flask, agent_client: FlaskClient
) -> None:
    with agent_client.session_transaction() as stored:
        first = stored[SIGNED_IN_AT]
    agent_client.get("/console")
    with agent_client.session_transaction() as stored:
        assert stored[SIGNED_IN_AT] == first
