"""Outbound mail through a real SMTP server (aiosmtpd): exactly once, capped automatic notices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from channels.base import DeliveryRefused
from channels.email.adapter import AutomaticMailCapped, EmailAdapter, adapter_from_settings
from channels.messages import InboundMessage, OutboundMessage, Sender
from channels.registry import AdapterRegistry
from crm_core.db import UnitOfWork, make_session_factory
from servicedesk.desk.delivery import deliver_reply
from servicedesk.desk.models import Agent, DeliveryState, Message
from servicedesk.desk.operations import post_reply, receive_inbound
from tests.fixtures.servers import free_port

UowFactory = Callable[[], UnitOfWork]


def notice(**kw: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "channel": "email",
        "request_id": 1,
        "request_reference": "SR-1001",
        "message_id": 3,
        "recipient": Sender("email", "alice@customer.example", "Alice"),
        "text": "We received your request.",
        "subject": "Printer",
        "automatic": True,
    }
    values.update(kw)
    return OutboundMessage(**values)


def test_retried_delivery_sends_once_with_the_same_message_id(
    uow_factory: UowFactory, smtp_server: tuple[str, Any]
) -> None:
    smtp_url, handler = smtp_server
    reply_id = _reply_to_alice(uow_factory, "first@customer.example", "Fixed.")
    adapters = AdapterRegistry()
    adapters.register(adapter_from_settings(smtp_url, "support@desk.example"))
    assert deliver_reply(uow_factory, adapters, reply_id) == DeliveryState.SENT
    assert deliver_reply(uow_factory, adapters, reply_id) == DeliveryState.SENT  # the retry
    assert len(handler.messages) == 1
    sent = handler.messages[0]
    assert sent["In-Reply-To"] == "<first@customer.example>"
    assert sent["Subject"] == "Re: Printer [SR-1001]"
    assert handler.envelopes[0][1] == ["alice@customer.example"]


def test_send_is_deterministic_given_external_id(smtp_server: tuple[str, Any]) -> None:
    smtp_url, handler = smtp_server
    adapter = adapter_from_settings(smtp_url, "support@desk.example")
    message = notice(automatic=False, external_id="sr-1001.m3")
    first, second = adapter.send(message), adapter.send(message)
    assert first == second == "sr-1001.m3@desk.example"
    assert [m["Message-ID"] for m in handler.messages] == ["<sr-1001.m3@desk.example>"] * 2


def test_automatic_notices_are_capped_per_recipient(
    uow_factory: UowFactory, smtp_server: tuple[str, Any], engine: Any
) -> None:
    smtp_url, handler = smtp_server
    base = adapter_from_settings(smtp_url, "support@desk.example", make_session_factory(engine))
    adapter = EmailAdapter(**{**base.__dict__, "automatic_per_day": 2})
    adapter.send(notice(message_id=1))
    adapter.send(notice(message_id=2))
    with pytest.raises(AutomaticMailCapped):
        adapter.send(notice(message_id=3))
    adapter.send(notice(message_id=4, automatic=False))  # agents' replies are never capped
    adapter.send(notice(message_id=5, recipient=Sender("email", "bob@customer.example")))
    assert len(handler.messages) == 4
    assert handler.messages[0]["Auto-Submitted"] == "auto-replied"
    assert handler.messages[2]["Auto-Submitted"] is None


@dataclass
class NoticesOnly(EmailAdapter):
    """Sends every message as an automatic notice, so the real daily cap applies."""

    def send(self, message: OutboundMessage) -> str:
        return super().send(replace(message, automatic=True))


def _reply_to_alice(
    uow_factory: UowFactory,
    external_id: str = "capped@customer.example",
    reply: str = "We are on it.",
) -> int:
    """Alice's mail opens a request; Dana answers it. Returns the reply's id."""
    with uow_factory() as uow:
        inbound = InboundMessage(
            channel="email",
            external_id=external_id,
            sender=Sender("email", "alice@customer.example", "Alice"),
            text="Printer jammed",
            subject="Printer",
        )
        request_id = receive_inbound(uow, inbound).request_id
        agent = Agent(email="dana@desk.example", name="Dana", password_hash="x", roles=["agent"])
        uow.session.add(agent)
        uow.session.flush()
        reply_id = post_reply(uow, request_id, agent.id, reply).id
        uow.commit()
    return reply_id


def test_refused_delivery_fails_with_the_reason_and_is_not_raised(
    uow_factory: UowFactory, smtp_server: tuple[str, Any], engine: Any
) -> None:
    smtp_url, handler = smtp_server
    reply_id = _reply_to_alice(uow_factory)
    base = adapter_from_settings(smtp_url, "support@desk.example", make_session_factory(engine))
    adapters = AdapterRegistry()
    adapters.register(NoticesOnly(**{**base.__dict__, "automatic_per_day": 0}))
    # Returning (not raising) is what keeps the rq job from being retried.
    assert deliver_reply(uow_factory, adapters, reply_id) == DeliveryState.FAILED
    with uow_factory() as uow:
        message = uow.session.get(Message, reply_id)
        assert message is not None
        assert message.delivery_state == DeliveryState.FAILED
        assert message.delivery_error is not None
        assert "alice@customer.example already got 0 automatic mails" in message.delivery_error
    assert handler.messages == []


def test_unreachable_smtp_fails_and_raises_so_the_job_is_retried(
    uow_factory: UowFactory,
) -> None:
    reply_id = _reply_to_alice(uow_factory)
    adapters = AdapterRegistry()
    adapters.register(adapter_from_settings(f"smtp://127.0.0.1:{free_port()}", "s@desk.example"))
    with pytest.raises(ConnectionRefusedError):
        deliver_reply(uow_factory, adapters, reply_id)
    with uow_factory() as uow:
        message = uow.session.get(Message, reply_id)
        assert message is not None
        assert message.delivery_state == DeliveryState.FAILED
        assert message.delivery_error and "ConnectionRefusedError" in message.delivery_error


def test_automatic_mail_capped_is_a_delivery_refusal() -> None:
    assert issubclass(AutomaticMailCapped, DeliveryRefused)
