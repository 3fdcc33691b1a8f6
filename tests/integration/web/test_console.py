"""Sign-in, CSRF, the inbox, the request page, replies and notes through HTTP."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient

from channels.messages import InboundMessage, Sender
from servicedesk.app import create_app
from servicedesk.container import Container
from servicedesk.current import container_of
from servicedesk.desk.models import Agent, Direction, ServiceRequest, Team
from servicedesk.desk.operations import receive_inbound
from tests.integration.web.conftest import csrf_token, sign_in


def open_request(app: Flask, text: str = "Where is my parcel?", channel: str = "email") -> int:
    sender = (
        Sender("email", "ann@example.com", "Ann") if channel == "email" else Sender(channel, "v-1")
    )
    message = InboundMessage(
        channel=channel,
        external_id=f"{channel}-{text}",
        sender=sender,  # type: ignore[arg-type]
        text=text,
        subject="Parcel" if channel == "email" else None,
    )
    with container_of(app).uow() as uow:
        result = receive_inbound(uow, message)
        uow.commit()
    return result.request_id


def test_console_requires_sign_in(app: Flask) -> None:
    response = app.test_client().get("/console")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_is_refused(app: Flask) -> None:
    client = app.test_client()
    response = sign_in(client, password="nope-nope")
    assert response.status_code == 401
    assert "Email or password is wrong" in response.get_data(as_text=True)
    assert client.get("/console").status_code == 302


def test_login_without_csrf_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    client.get("/login")
    response = client.post(
        "/login", data={"email": "agent@desk.example", "password": "agent-password"}
    )
    assert response.status_code == 400
    assert client.get("/console").status_code == 302


def test_open_redirect_is_ignored(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=https://evil.test/x",
        data={"email": "agent@desk.example", "password": "agent-password", "csrf_token": token},
    )
    assert response.headers["Location"] == "/console"


def test_session_cookie_is_httponly_and_expires(agent_client: FlaskClient) -> None:
    cookie = agent_client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.expires is not None


def test_inbox_lists_and_filters_requests(app: Flask, agent_client: FlaskClient) -> None:
    open_request(app, "Where is my parcel?")
    open_request(app, "Chat question", channel="webchat")
    page = agent_client.get("/console?view=all").get_data(as_text=True)
    assert "Parcel" in page and "Chat question" in page
    only_chat = agent_client.get("/console?channel=webchat").get_data(as_text=True)
    assert "Chat question" in only_chat and "Parcel" not in only_chat
    found = agent_client.get("/console?text=parcel").get_data(as_text=True)
    assert "Parcel" in found and "Chat question" not in found
    assert agent_client.get("/console?status=bogus").status_code == 400


def test_reply_and_note_show_in_conversation_and_audit_trail(
    app: Flask, agent_client: FlaskClient
) -> None:
    request_id = open_request(app)
    page = agent_client.get(f"/console/requests/{request_id}").get_data(as_text=True)
    token = csrf_token(page)
    agent_client.post(
        f"/console/requests/{request_id}/reply",
        data={"text": "It ships today.", "csrf_token": token},
    )
    agent_client.post(
        f"/console/requests/{request_id}/note",
        data={"text": "Checked with the warehouse.", "csrf_token": token},
    )
    page = agent_client.get(f"/console/requests/{request_id}").get_data(as_text=True)
    assert "It ships today." in page and "Checked with the warehouse." in page
    assert "replied" in page and "note added" in page
    with container_of(app).uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None
        assert [m.direction for m in request.messages] == [
            Direction.INBOUND,
            Direction.OUTBOUND,
            Direction.NOTE,
        ]


def test_form_without_csrf_changes_nothing(app: Flask, agent_client: FlaskClient) -> None:
    request_id = open_request(app)
    agent_client.post(f"/console/requests/{request_id}/note", data={"text": "sneaky"})
    with container_of(app).uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None and len(request.messages) == 1


def test_empty_reply_names_the_field(app: Flask, agent_client: FlaskClient) -> None:
    request_id = open_request(app)
    token = csrf_token(agent_client.get(f"/console/requests/{request_id}").get_data(as_text=True))
    response = agent_client.post(
        f"/console/requests/{request_id}/reply",
        data={"text": "", "csrf_token": token},
        follow_redirects=True,
    )
    assert "text: This field is required." in response.get_data(as_text=True)


def test_stale_reply_is_held_on_the_page(app: Flask, agent_client: FlaskClient) -> None:
    request_id = open_request(app)
    page = agent_client.get(f"/console/requests/{request_id}").get_data(as_text=True)
    token = csrf_token(page)
    seen = page.split('name="seen_message_id" type="hidden" value="')[1].split('"')[0]
    reference = f"SR-{request_id + 1000}"
    with container_of(app).uow() as uow:
        receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id="late@x",
                text="one more thing",
                sender=Sender("email", "ann@example.com"),
                subject=f"[{reference}]",
            ),
        )
        uow.commit()
    response = agent_client.post(
        f"/console/requests/{request_id}/reply",
        data={"text": "Done!", "csrf_token": token, "seen_message_id": seen},
        follow_redirects=True,
    )
    assert "Not sent" in response.get_data(as_text=True)


def test_healthz_reports_the_database(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok"}


def test_healthz_names_a_failing_redis(container: Container) -> None:
    # Nothing listens on port 1: the check must fail fast and name Redis.
    broken_config = replace(container.config, redis_url="redis://127.0.0.1:1/0")
    broken = replace(container, config=broken_config)
    response = create_app(container=broken).test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["redis"]
    assert body["checks"]["database"] == "ok"


def test_assign_form_sets_and_clears_assignee_and_team(
    app: Flask, agent_client: FlaskClient
) -> None:
    request_id = open_request(app)
    with container_of(app).uow() as uow:
        team = Team(name="Billing")
        uow.session.add(team)
        uow.commit()
        team_id = team.id
        agent_id = uow.session.query(Agent).filter_by(email="agent@desk.example").one().id
    token = csrf_token(agent_client.get(f"/console/requests/{request_id}").get_data(as_text=True))
    url = f"/console/requests/{request_id}/assign"
    agent_client.post(
        url, data={"assignee_id": str(agent_id), "team_id": str(team_id), "csrf_token": token}
    )
    with container_of(app).uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None
        assert (request.assignee_id, request.team_id) == (agent_id, team_id)
    agent_client.post(url, data={"assignee_id": "", "team_id": "", "csrf_token": token})
    with container_of(app).uow() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        assert request is not None
        assert (request.assignee_id, request.team_id) == (None, None)
