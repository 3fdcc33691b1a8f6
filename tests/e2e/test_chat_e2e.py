"""A customer with the widget and agents in the console, each in their own browser context."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from servicedesk.container import Container
from servicedesk.desk.models import ServiceRequest
from servicedesk.desk.operations import post_reply
from tests.e2e.conftest import agent_page, customer_page, customer_says
from tests.integration.sockets.live import LiveServer

REQUEST_LINK = re.compile(r"SR-\d+")


def open_first_request(agent: Page) -> None:
    agent.get_by_role("link", name=REQUEST_LINK).first.click()
    expect(agent.locator("#collision")).to_contain_text("Viewing:")


def agent_replies(agent: Page, text: str) -> None:
    agent.get_by_label("Reply to the customer").fill(text)
    agent.get_by_role("button", name="Send reply").click()


def test_conversation_both_ways_with_typing(browser: Browser, live: LiveServer) -> None:
    agent = agent_page(browser, live)
    customer = customer_page(browser, live)
    customer_says(customer, "Hi, my parcel never arrived")
    # The inbox updates without a reload.
    expect(agent.get_by_role("link", name=REQUEST_LINK)).to_have_count(1)
    expect(agent.locator('.count[data-view="all"]')).to_have_text("1")
    open_first_request(agent)

    customer.get_by_label("Your message").press_sequentially("It was ", delay=20)
    expect(agent.locator("#collision")).to_contain_text("typing")
    agent.get_by_label("Reply to the customer").press_sequentially("Sorry", delay=20)
    expect(customer.locator(".sdw-typing")).to_contain_text("Alex Agent is typing")

    agent_replies(agent, "Sorry about that, a new one is on its way.")
    reply = customer.locator(".sdw-msg").filter(has_text="a new one is on its way")
    expect(reply).to_contain_text("Alex Agent")
    expect(reply.locator(".sdw-avatar")).to_have_text("AA")
    customer_says(customer, "Thank you!")
    expect(agent.locator(".messages")).to_contain_text("Thank you!")
    expect(customer.locator(".sdw-mine .sdw-receipt").last).to_have_text(re.compile("Sent|Read"))

    # Reload: the signed token in localStorage finds the conversation again.
    customer.reload()
    expect(customer.locator(".sdw-msg")).to_have_count(3)


def test_reconnect_after_server_restart_replays_the_gap(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    customer = customer_page(browser, live)
    customer_says(customer, "Is anyone there?")
    expect(customer.locator(".sdw-mine .sdw-receipt")).to_have_text("Sent")
    port = live.server.server_port
    live.stop()
    expect(customer.locator(".sdw-connection")).to_be_visible()

    # While the server is down, an agent answers (say from another web process) ...
    with container.uow() as uow:
        request_id = uow.session.scalar(select(func.max(ServiceRequest.id)))
        post_reply(uow, request_id, 1, "Yes, I am here.")
        uow.commit()
    # ... and the customer writes on: the message waits in the browser's queue.
    customer_says(customer, "Hello again")
    expect(customer.locator(".sdw-mine .sdw-receipt").last).to_have_text("Sending…")

    live.start(port)
    expect(customer.locator(".sdw-msg").filter(has_text="Yes, I am here.")).to_be_visible()
    expect(customer.locator(".sdw-mine .sdw-receipt").last).to_have_text("Sent")
    agent = agent_page(browser, live)
    open_first_request(agent)
    expect(agent.locator(".messages .message")).to_have_count(3)
    expect(agent.locator(".messages")).to_contain_text("Hello again")


def test_stale_reply_is_held_until_the_new_message_was_shown(
    browser: Browser, live: LiveServer
) -> None:
    customer = customer_page(browser, live)
    customer_says(customer, "My order number is 1234")
    agent = agent_page(browser, live)
    open_first_request(agent)
    agent.get_by_label("Reply to the customer").fill("Thanks, checking order 1234.")
    customer_says(customer, "Sorry, it is 4321")
    expect(agent.locator(".messages")).to_contain_text("Sorry, it is 4321")

    agent.get_by_role("button", name="Send reply").click()
    expect(agent.locator("#stale-notice")).to_contain_text("Not sent: 1 new message")
    expect(customer.locator(".sdw-msg")).to_have_count(2)
    expect(agent.get_by_label("Reply to the customer")).to_have_value(
        "Thanks, checking order 1234."
    )
    agent.get_by_label("Reply to the customer").fill("Thanks, checking order 4321.")
    agent.get_by_role("button", name="Send reply").click()
    expect(customer.locator(".sdw-msg").filter(has_text="order 4321.")).to_be_visible()
    expect(agent.locator("#stale-notice")).to_be_hidden()


def test_two_agents_on_one_request_see_each_other(browser: Browser, live: LiveServer) -> None:
    customer = customer_page(browser, live)
    customer_says(customer, "Can two of you help?")
    alex = agent_page(browser, live)
    open_first_request(alex)
    blair = agent_page(browser, live, "blair@desk.example")
    open_first_request(blair)
    expect(alex.locator("#collision")).to_contain_text("Alex Agent, Blair Agent")
    blair.get_by_label("Reply to the customer").press_sequentially("On it", delay=20)
    expect(alex.locator("#collision")).to_contain_text("Blair Agent typing")
    agent_replies(blair, "Blair here, I will take this one.")
    expect(alex.locator(".messages")).to_contain_text("Blair here")
    # Alex has now been shown Blair's reply live, so Alex's first send is held once.
    agent_replies(alex, "Thanks Blair!")
    expect(alex.locator("#stale-notice")).to_be_visible()
