"""Unverified senders (the contact form) never reach another customer's request; replies to
them by email wait until the address is confirmed, through the real SMTP peer."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message as MailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from channels.messages import InboundMessage, Sender
from crm_core.confirmations import EmailConfirmation
from crm_core.db import utcnow
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from servicedesk.desk.identity import LinkInvalid, confirm_contact
from servicedesk.desk.models import DeliveryState, Message, ServiceRequest, Status
from servicedesk.desk.operations import change_status, post_reply, receive_inbound
from tests.fixtures.smtp import Sink
from tests.integration.desk.test_delivery import build

MARIA = "maria@customer.example"
LINK = re.compile(r"/help/confirm/(\S+)")


@pytest.fixture
def desk(engine: Engine, tmp_path: Path, smtp_sink: tuple[Sink, int]) -> Iterator[Container]:
    container = build(engine, tmp_path, smtp_sink[1])
    yield container
    container.engine.dispose()


def _body(mail: MailMessage) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def _intake(container: Container, message: InboundMessage):  # type: ignore[no-untyped-def]
    with container.uow() as uow:
        result = receive_inbound(uow, message)
        uow.commit()
        return result


def _portal(subject: str, address: str = MARIA) -> InboundMessage:
    return InboundMessage(
        channel="portal",
        external_id=f"portal:{subject}",
        sender=Sender("email", address, "Mallory", verified=False),
        subject=subject,
        text="Please resend everything to me.",
    )


def _solved_request_of_maria(container: Container) -> tuple[int, str, int]:
    mail = InboundMessage(
        channel="email",
        external_id="m1@customer.example",
        sender=Sender("email", MARIA, "Maria Silva"),
        subject="Invoice 2291",
        text="The VAT is wrong.",
    )
    first = _intake(container, mail)
    with container.uow() as uow:
        agent = create_agent(uow.session, "ana@desk.example", "password-1", name="Ana")
        change_status(uow, first.request_id, Status.SOLVED)
        customer_id = uow.session.get(ServiceRequest, first.request_id).customer_id  # type: ignore[union-attr]
        uow.commit()
        return first.request_id, first.reference, customer_id if agent else 0


def _mails(sink: Sink) -> list[Any]:
    """What went out apart from the rating invitation of Maria's solved request."""
    return [m for m in sink.mails if not str(m["Subject"]).startswith("How did we do?")]


def test_a_quoted_reference_from_an_unverified_sender_opens_a_request_of_their_own(
    desk: Container,
    smtp_sink: tuple[Sink, int],
) -> None:
    marias, reference, maria_id = _solved_request_of_maria(desk)
    result = _intake(desk, _portal(f"Re: [{reference}]"))
    assert result.outcome == "created" and result.request_id != marias
    with desk.uow() as uow:
        original = uow.session.get(ServiceRequest, marias)
        opened = uow.session.get(ServiceRequest, result.request_id)
        assert original is not None and opened is not None
        assert original.status == Status.SOLVED and len(original.messages) == 1
        assert opened.customer_id != maria_id
    sink = smtp_sink[0]
    assert [m["To"] for m in _mails(sink)] == [MARIA]
    assert _mails(sink)[0]["Subject"] == "Confirm your email address"
    assert reference not in _body(_mails(sink)[0])


def test_replies_by_email_wait_for_confirmation_then_go_out_once(
    desk: Container,
    smtp_sink: tuple[Sink, int],
) -> None:
    _, _, maria_id = _solved_request_of_maria(desk)
    result = _intake(desk, _portal("Where is my refund?"))
    sink = smtp_sink[0]
    token = LINK.search(_body(_mails(sink)[0]))
    assert token
    with desk.uow() as uow:
        reply = post_reply(uow, result.request_id, 1, "Your refund left today.")
        uow.commit()
        reply_id = reply.id
    with desk.uow() as uow:
        waiting = uow.session.get(Message, reply_id)
        assert waiting is not None and waiting.delivery_state == DeliveryState.UNCONFIRMED
    assert len(_mails(sink)) == 1  # only the confirmation link went to the address

    with desk.uow() as uow:
        confirm_contact(uow, desk.config.secret_key, token.group(1))
        uow.commit()
    with desk.uow() as uow:
        opened = uow.session.get(ServiceRequest, result.request_id)
        sent = uow.session.get(Message, reply_id)
        assert opened is not None and opened.customer_id == maria_id  # history merged
        assert sent is not None and sent.delivery_state == DeliveryState.SENT
    assert len(_mails(sink)) == 2 and MARIA in _mails(sink)[1]["To"]
    assert result.reference in _mails(sink)[1]["Subject"]
    with desk.uow() as uow, pytest.raises(LinkInvalid, match="already used"):
        confirm_contact(uow, desk.config.secret_key, token.group(1))


def test_a_new_address_confirmed_becomes_the_contacts_own(
    desk: Container,
    smtp_sink: tuple[Sink, int],
) -> None:
    result = _intake(desk, _portal("Hello", address="new@customer.example"))
    token = LINK.search(_body(_mails(smtp_sink[0])[0]))
    assert token
    with desk.uow() as uow:
        customer = confirm_contact(uow, desk.config.secret_key, token.group(1))
        uow.commit()
        assert customer.emails == ["new@customer.example"]
        opened = uow.session.get(ServiceRequest, result.request_id)
        assert opened is not None and opened.customer_id == customer.id


def test_a_forged_or_expired_link_is_refused(desk: Container, smtp_sink: tuple[Sink, int]) -> None:
    _intake(desk, _portal("Hello"))
    token = LINK.search(_body(_mails(smtp_sink[0])[0]))
    assert token
    with desk.uow() as uow, pytest.raises(LinkInvalid, match="not valid"):
        confirm_contact(uow, "another-secret", token.group(1))
    with desk.uow() as uow:
        for claim in uow.session.query(EmailConfirmation):
            claim.expires_at = utcnow() - timedelta(seconds=1)
        uow.commit()
    with desk.uow() as uow, pytest.raises(LinkInvalid, match="expired"):
        confirm_contact(uow, desk.config.secret_key, token.group(1))


def test_without_outbound_mail_the_link_goes_to_the_log(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="k",
        testing=True,
    )
    container = Container.build(config, synchronous_jobs=True)
    with caplog.at_level(logging.WARNING, logger="servicedesk.desk.identity"):
        _intake(container, _portal("Hello"))
    assert f"confirmation link for {MARIA}: http://127.0.0.1:5000/help/confirm/" in caplog.text
    container.engine.dispose()
