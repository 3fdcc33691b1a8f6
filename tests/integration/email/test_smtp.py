"""Outbound mail through a real SMTP server (aiosmtpd): exactly once, capped automatic notices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from channels.email.adapter import AutomaticMailCapped, EmailAdapter, adapter_from_settings
from channels.messages import InboundMessage, OutboundMessage, Sender
from channels.registry import AdapterRegistry
from crm_core.db import UnitOfWork, make_session_factory
from servicedesk.desk.delivery import deliver_reply
from servicedesk.desk.models import Agent, DeliveryState
from servicedesk.desk.operations import post_reply, receive_inbound

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
    with uow_factory() as uow:
        inbound = InboundMessage(
            channel="email",
            external_id="first@customer.example",
            sender=Sender("email", "alice@customer.example", "Alice"),
            text="Printer jammed",
            subject="Printer",
        )
        request_id = receive_inbound(uow, inbound).request_id
        agent = Agent(email="dana@desk.example", name="Dana", password_hash="x", roles=["agent"])
        uow.session.add(agent)
        uow.session.flush()
        reply_id = post_reply(uow, request_id, agent.id, "Fixed.").id
        uow.commit()
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
