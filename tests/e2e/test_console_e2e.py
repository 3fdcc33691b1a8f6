"""Console presence: automatic away after idle; live notices when requests are assigned."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from channels.messages import InboundMessage, Sender
from servicedesk.container import Container
from servicedesk.desk.models import Agent, Presence, ServiceRequest
from servicedesk.desk.operations import assign_request, receive_inbound
from tests.e2e.conftest import agent_page, customer_page, customer_says
from tests.integration.sockets.live import LiveServer


def presence_of(container: Container, email: str) -> Presence:
    with container.uow() as uow:
        agent = uow.session.scalars(select(Agent).where(Agent.email == email)).one()
        return agent.presence


def wait_for_presence(container: Container, email: str, wanted: Presence) -> None:
    deadline = time.monotonic() + 10
    while presence_of(container, email) != wanted:
        assert time.monotonic() < deadline, f"{email} never became {wanted}"
        time.sleep(0.1)


def test_idle_agent_becomes_away_then_online_and_offline(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    # Set before the first page: a second navigation could leave the first page's socket
    # half-open (still polling) until its ping timeout, and the agent would not be offline.
    live.app.config["CONSOLE_IDLE_SECONDS"] = 1
    page = agent_page(browser, live)
    wait_for_presence(container, "alex@desk.example", Presence.AWAY)
    page.mouse.move(200, 200)
    page.mouse.move(220, 240)
    wait_for_presence(container, "alex@desk.example", Presence.ONLINE)
    page.goto("about:blank")  # the tab leaves the console
    wait_for_presence(container, "alex@desk.example", Presence.OFFLINE)


def test_assignment_is_announced_live(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    customer = customer_page(browser, live)
    customer_says(customer, "Who will help me?")
    agent = agent_page(browser, live)
    agent.context.grant_permissions(["notifications"])
    expect(agent.locator("table.requests")).to_contain_text("Who will help me?")
    with container.uow() as uow:
        request = uow.session.scalars(select(ServiceRequest)).one()
        alex = uow.session.scalars(select(Agent).where(Agent.email == "alex@desk.example")).one()
        assign_request(uow, request.id, alex.id)
        uow.commit()
    expect(agent.locator(".live-toasts")).to_contain_text("A request was assigned to you.")
    expect(agent.locator('.count[data-view="mine"]')).to_have_text("1")


def open_requests(container: Container, count: int) -> list[int]:
    ids = []
    for n in range(count):
        message = InboundMessage(
            channel="email",
            external_id=f"burst-{n}",
            sender=Sender("email", f"customer{n}@example.com", f"Customer {n}"),
            text=f"Question number {n}",
            subject=f"Question {n}",
        )
        with container.uow() as uow:
            ids.append(receive_inbound(uow, message).request_id)
            uow.commit()
    return ids


def test_a_burst_of_assignments_is_announced_once(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    # As when an agent signs in and the desk hands over the requests that waited for them.
    request_ids = open_requests(container, 4)
    agent = agent_page(browser, live)
    expect(agent.locator('.count[data-view="unassigned"]')).to_have_text("4")
    # Online once the console's socket has joined the agent's room, where notices go.
    wait_for_presence(container, "alex@desk.example", Presence.ONLINE)
    with container.uow() as uow:
        alex = uow.session.scalars(select(Agent).where(Agent.email == "alex@desk.example")).one()
        for request_id in request_ids:
            assign_request(uow, request_id, alex.id)
        uow.commit()
    expect(agent.locator(".live-toasts")).to_have_text("4 requests were assigned to you.")
    expect(agent.locator('.count[data-view="mine"]')).to_have_text("4")
    expect(agent.locator(".live-toasts .flash")).to_have_count(1)
