"""The SLA countdown in real Chromium: it ticks, turns amber within the hour, red at breach."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import text

from channels.messages import InboundMessage, Sender
from crm_core.db import utcnow
from servicedesk.container import Container
from servicedesk.desk.automation.admin import load_automation_file
from servicedesk.desk.operations import receive_inbound
from servicedesk.desk.sla.admin import load_setup_file
from tests.e2e.conftest import agent_page
from tests.integration.sockets.live import LiveServer

POLICY = {"name": "standard", "targets": {"normal": {"first_response": 120}}}


def _request_due_in(container: Container, name: str, delta: timedelta) -> None:
    with container.uow() as uow:
        load_setup_file(uow.session, {"policies": [POLICY]})
        opened = receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id=name,
                sender=Sender("email", f"{name}@customer.example", name),
                subject=name,
                text="Hello",
            ),
        )
        uow.session.execute(
            text("UPDATE service_requests SET sla_due_at = :t WHERE id = :i"),
            {"t": utcnow() + delta, "i": opened.request_id},
        )
        uow.commit()


def test_countdown_ticks_and_turns_red_at_breach(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    _request_due_in(container, "relaxed", timedelta(hours=2))
    _request_due_in(container, "tight", timedelta(minutes=10))
    page = agent_page(browser, live)
    # The page's clock is driven by the test, so a slow sign-in or reload on a loaded
    # machine cannot use up the time before the breach.
    page.clock.install()
    page.reload()
    relaxed = page.locator("tr", has_text="relaxed").locator(".sla-countdown")
    tight = page.locator("tr", has_text="tight").locator(".sla-countdown")
    expect(relaxed).to_have_class("sla-countdown sla-ok")
    expect(relaxed).to_contain_text("left")
    expect(tight).to_have_class("sla-countdown sla-soon")
    first = tight.inner_text()
    page.clock.run_for(2000)
    expect(tight).not_to_have_text(first)  # it ticks
    page.clock.run_for(10 * 60 * 1000)
    expect(tight).to_have_class("sla-countdown sla-breached")
    expect(tight).to_contain_text("overdue")
    expect(relaxed).to_have_class("sla-countdown sla-ok")  # 1 h 50 min left


def test_canned_reply_shortcut_expands_in_the_reply_box(
    browser: Browser, live: LiveServer, container: Container
) -> None:
    with container.uow() as uow:
        load_automation_file(
            uow.session,
            {
                "macros": [
                    {
                        "name": "Thanks",
                        "shortcut": "thanks",
                        "body": "Hi {{ customer.name }}, see {{ request.reference }}.",
                    }
                ]
            },
        )
        uow.commit()
    _request_due_in(container, "macro", timedelta(hours=1))
    page = agent_page(browser, live)
    page.get_by_role("link", name="SR-1001").click()
    box = page.locator("#reply-text")
    box.fill("Hello. /thanks")
    box.press("Tab")
    expect(box).to_have_value("Hello. Hi macro, see SR-1001.")
