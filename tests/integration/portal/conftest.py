"""A desk with outbound mail to a real SMTP sink, and help centre customers signing in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from channels.messages import AttachmentData, InboundMessage, Sender
from servicedesk.app import create_app
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.operations import receive_inbound
from tests.fixtures.smtp import Sink
from tests.integration.web.conftest import csrf_token

LINK = re.compile(r"http://[^\s]+/help/sign-in/([A-Za-z0-9_.\-]+)")


@pytest.fixture
def container(engine: Engine, tmp_path: Path, smtp_sink: tuple[Sink, int]) -> Iterator[Container]:
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret",
        mail_smtp_url=f"smtp://127.0.0.1:{smtp_sink[1]}",
        mail_from="support@desk.example",
        testing=True,
    )
    built = Container.build(config, synchronous_jobs=True)
    yield built
    built.engine.dispose()


@pytest.fixture
def app(container: Container) -> Flask:
    with container.uow() as uow:
        create_agent(uow.session, "agent@desk.example", "agent-password", name="Alex Agent")
        uow.commit()
    return create_app(container=container)


def mail_in(container: Container, address: str, subject: str, *, file: bool = False) -> int:
    """A request opened by email from `address` (whose address is thereby verified)."""
    attachments = (AttachmentData("receipt.txt", "text/plain", b"paid 20 EUR"),) if file else ()
    with container.uow() as uow:
        result = receive_inbound(
            uow,
            InboundMessage(
                channel="email",
                external_id=f"{subject}@{address}",
                sender=Sender("email", address, address.split("@")[0].title()),
                subject=subject,
                text=f"About {subject}.",
                attachments=attachments,
            ),
            attachments=container.attachments,
        )
        uow.commit()
    return result.request_id


def sign_in(client: FlaskClient, sink: Sink, address: str) -> None:
    page = client.get("/help/sign-in").get_data(as_text=True)
    before = len(sink.mails)
    response = client.post("/help/sign-in", data={"email": address, "csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert len(sink.mails) == before + 1, "one sign-in mail per request"
    token = LINK.search(sink.mails[-1].get_payload(decode=True).decode())
    assert token, "the mail carries the sign-in link"
    link = f"/help/sign-in/{token.group(1)}"
    landing = client.get(link).get_data(as_text=True)
    assert client.post(link, data={"csrf_token": csrf_token(landing)}).status_code == 302
