"""The help centre in Chromium: a customer signs in by the mailed link, files a request
with a file, is spared one by an article, sees an agent's reply arrive live, and rates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from channels.messages import InboundMessage, Sender
from knowledge.embedding import MiniLMEmbedder
from knowledge.importing import import_articles
from servicedesk.container import Container
from servicedesk.desk.deflections import PortalDeflection
from servicedesk.desk.feedback import RequestRating
from servicedesk.desk.models import Attachment, ServiceRequest, Status
from servicedesk.desk.operations import change_status, post_reply, receive_inbound
from tests.e2e.conftest import new_page
from tests.fixtures.smtp import Sink
from tests.integration.sockets.live import LiveServer, build_container, seed_agents

LINK = re.compile(r"http://[^\s]+(/help/sign-in/[A-Za-z0-9_.\-]+)")
ADDRESS = "maria@customer.example"


@pytest.fixture
def container(
    sqlite_engine: Engine,
    tmp_path: Path,
    port: int,
    smtp_sink: tuple[Sink, int],
    embedder: MiniLMEmbedder,
) -> Iterator[Container]:
    built = build_container(
        sqlite_engine.url.render_as_string(hide_password=False),
        tmp_path / "instance",
        base_url=f"http://127.0.0.1:{port}",
        mail_smtp_url=f"smtp://127.0.0.1:{smtp_sink[1]}",
        mail_from="support@desk.example",
    )
    built.__dict__["embedder"] = embedder
    seed_agents(built)
    with built.uow() as uow:
        report = import_articles(
            uow.session,
            [
                {
                    "_id": "returns",
                    "title": "Return a damaged item",
                    "text": "Open the order, choose Return item and we email a prepaid label.",
                }
            ],
        )
        receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id="lamp@customer.example",
                sender=Sender("email", ADDRESS, "Maria"),
                subject="Broken lamp",
                text="It flickers.",
            ),
        )
        uow.commit()
    built.knowledge.index_articles(report.changed_ids)
    yield built
    built.engine.dispose()


def signed_in_customer(browser: Browser, live: LiveServer, sink: Sink) -> Page:
    page = new_page(browser)
    page.goto(f"{live.url}/help/sign-in")
    page.get_by_label("Your email").fill(ADDRESS)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    link = LINK.search(sink.mails[-1].get_payload(decode=True).decode())
    assert link
    page.goto(f"{live.url}{link.group(1)}")
    page.get_by_role("button", name="Sign me in").click()
    page.wait_for_url("**/help/requests")
    return page


def assert_account_links_share_one_row(page: Page) -> None:
    """The account links and both sign-out buttons sit on one line (they once stacked)."""
    account = page.get_by_role("navigation", name="Your account")
    items = [
        account.get_by_role("link", name="My data"),
        account.get_by_role("button", name="Sign out", exact=True),
        account.get_by_role("button", name="Sign out everywhere"),
    ]
    middles = []
    for item in items:
        box = item.bounding_box()
        assert box is not None
        middles.append(box["y"] + box["height"] / 2)
    assert max(middles) - min(middles) < 4


def test_customer_journey(
    browser: Browser, live: LiveServer, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    page = signed_in_customer(browser, live, smtp_sink[0])
    expect(page.get_by_role("link", name="SR-", exact=False).first).to_be_visible()
    expect(page.get_by_text("Broken lamp")).to_be_visible()
    assert_account_links_share_one_row(page)

    # Filing a request with a file.
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Subject").fill("Invoice address is wrong")
    page.get_by_label("Describe your question").fill("Please change it to Hauptstrasse 5.")
    page.set_input_files(
        "#files",
        files=[{"name": "invoice.txt", "mimeType": "text/plain", "buffer": b"Invoice 2291"}],
    )
    page.get_by_role("button", name="Send to our team").click()
    page.wait_for_url("**/help/requests")
    expect(page.get_by_text("Invoice address is wrong")).to_be_visible()

    # Deflection: an article answers while the subject is typed; nothing is filed.
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Subject").press_sequentially("how do I return a damaged item")
    suggestion = page.locator("#deflection").get_by_role("link", name="Return a damaged item")
    expect(suggestion).to_be_visible()
    page.get_by_role("button", name="This answers my question").click()
    expect(page.get_by_text("Glad that helped")).to_be_visible()

    with container.uow() as uow:
        lamp_id = uow.session.scalars(
            select(ServiceRequest.id).where(ServiceRequest.subject == "Broken lamp")
        ).one()
        assert uow.session.scalar(select(func.count(ServiceRequest.id))) == 2
        assert uow.session.scalar(select(func.count(PortalDeflection.id))) == 1
        assert uow.session.scalars(select(Attachment.filename)).all() == ["invoice.txt"]

    # A live agent reply, then the rating once it is solved.
    page.goto(f"{live.url}/help/requests/{lamp_id}")
    expect(page.locator("#conversation")).to_contain_text("It flickers.")
    with container.uow() as uow:
        post_reply(uow, lamp_id, 1, "A new lamp is on its way.")
        uow.commit()
    expect(page.locator("#conversation")).to_contain_text("A new lamp is on its way.")
    with container.uow() as uow:
        change_status(uow, lamp_id, Status.SOLVED)
        uow.commit()
    expect(page.locator("#request-status")).to_contain_text("solved")
    page.reload()
    page.get_by_role("button", name="Good, I'm satisfied").click()
    expect(page.get_by_text("Thank you for your rating.")).to_be_visible()
    with container.uow() as uow:
        rating = uow.session.scalars(select(RequestRating)).one()
        assert (rating.request_id, rating.score, rating.channel) == (lamp_id, 1, "portal")
