"""`servicedesk demo`'s recorded Slack conversation: through the door, visible in the console."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from servicedesk.container import Container
from servicedesk.demo import load_demo, mark_outage
from servicedesk.demo_slack import DEMO_CHANNEL, load_slack_conversation
from servicedesk.desk.models import Priority, ServiceRequest
from tests.integration.web.conftest import sign_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_the_demo_shows_a_slack_request_with_its_thread_and_edit(
    app: Flask, container: Container
) -> None:
    load_demo(container.uow, container.router)
    opened = load_slack_conversation(container)
    mark_outage(container.uow, opened)
    assert load_slack_conversation(container) == []  # loading twice changes nothing
    with container.uow() as uow:
        [request] = uow.session.scalars(
            select(ServiceRequest).where(ServiceRequest.channel == "slack")
        )
        assert [request.id] == opened
        assert request.thread_key == f"{DEMO_CHANNEL}:1764400000.000100"
        assert request.priority == Priority.URGENT and request.customer.name == "Priya (Acme)"
        assert [m.text for m in request.messages][-1].endswith("Firefox and the mobile app.")
    client = app.test_client()
    sign_in(client, "agent@demo.local", "demo-agent")
    page = client.get(f"/console/requests/{opened[0]}").get_data(as_text=True)
    assert "Our whole team gets a 502" in page
    assert "edited" in page and "in Chrome and Firefox." in page  # the text before the edit
