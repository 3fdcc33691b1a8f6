"""The admin page of Slack users: the email match, and an admin's fix that sticks."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from channels.slack.directory import CACHE_FOR
from channels.slack.models import SlackUser
from crm_core.db import utcnow
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.models import Agent
from tests.fixtures.slack_stub import SlackStub
from tests.integration.slack.conftest import send_command
from tests.integration.web.conftest import csrf_token, sign_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_an_admin_sees_the_mapping_and_fixes_it(
    app: Flask, container: Container, stub: SlackStub
) -> None:
    with container.uow() as uow:
        create_agent(uow.session, "admin@desk.example", "admin-password", roles=["admin"])
        uow.commit()
    client = app.test_client()
    send_command(client, stub, "/ticket", "SR-2000")  # Alex, matched by email
    send_command(client, stub, "/ticket", "SR-2000", user="UOUTSIDER")  # nobody
    assert sign_in(client, "admin@desk.example", "admin-password").status_code == 302
    page = client.get("/console/slack/users").get_data(as_text=True)
    assert "UAGENT" in page and "Alex Agent" in page and "UOUTSIDER" in page
    with container.uow() as uow:
        alex = uow.session.scalars(select(Agent).where(Agent.email == "agent@desk.example")).one()
        alex_id = alex.id
    token = csrf_token(page)
    # Eve works for us after all: the admin links her to Alex's account.
    response = client.post(
        "/console/slack/users/UOUTSIDER", data={"csrf_token": token, "agent": str(alex_id)}
    )
    assert response.status_code == 302
    bad = client.post(
        "/console/slack/users/UOUTSIDER", data={"csrf_token": token, "agent": "99999"}
    )
    assert bad.status_code == 302
    with container.uow() as uow:
        eve = uow.session.get(SlackUser, "UOUTSIDER")
        assert eve is not None and (eve.agent_id, eve.agent_pinned) == (alex_id, True)
        eve.fetched_at = utcnow() - 2 * CACHE_FOR  # stale: the next use asks Slack again
        uow.commit()
    answer = send_command(client, stub, "/ticket", "SR-2000", user="UOUTSIDER").get_json()
    assert "no request" in answer["text"]  # served, not refused: the pin survived the refresh
    assert (
        client.post(
            "/console/slack/users/UNKNOWN", data={"csrf_token": token, "agent": "none"}
        ).status_code
        == 404
    )


def test_the_page_is_for_admins(app: Flask, container: Container) -> None:
    with container.uow() as uow:
        create_agent(uow.session, "plain@desk.example", "plain-password")
        uow.commit()
    client = app.test_client()
    assert client.get("/console/slack/users").status_code == 302  # to sign-in
    sign_in(client, "plain@desk.example", "plain-password")
    assert client.get("/console/slack/users").status_code == 403
