"""Outbound MIME: threading headers, token, auto-submitted, deterministic Message-ID."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

import pytest

from channels.email.compose import ReplyRenderer, compose_reply, message_id_for, subject_with_token
from channels.email.secrets import SecretUnreadable, decrypt_password, encrypt_password
from channels.messages import OutboundMessage, Sender


def outbound(**kw: object) -> OutboundMessage:
    values: dict[str, object] = {
        "channel": "email",
        "request_id": 42,
        "request_reference": "SR-1042",
        "message_id": 7,
        "recipient": Sender("email", "alice@customer.example", "Alice"),
        "text": "We fixed it.\n\nCheers & bye <3",
        "subject": "Re: Printer jammed",
        "external_id": "sr-1042.m7",
        "in_reply_to": "CAG-2@mail.gmail.com",
        "references": ("CAG-2@mail.gmail.com", "sr-1042.m5@desk.example", "CAG-1@mail.gmail.com"),
        "author_name": "Dana",
    }
    values.update(kw)
    return OutboundMessage(**values)  # type: ignore[arg-type]


def roundtrip(message: OutboundMessage) -> EmailMessage:
    mail = compose_reply(message, "support@desk.example", ReplyRenderer(), "ACME Support")
    parsed = email.message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_reply_headers_thread_and_carry_the_token() -> None:
    mail = roundtrip(outbound())
    assert mail["Message-ID"] == "<sr-1042.m7@desk.example>"
    assert mail["In-Reply-To"] == "<CAG-2@mail.gmail.com>"
    # Oldest first in the header.
    assert mail["References"].split() == [
        "<CAG-1@mail.gmail.com>",
        "<sr-1042.m5@desk.example>",
        "<CAG-2@mail.gmail.com>",
    ]
    assert mail["Subject"] == "Re: Printer jammed [SR-1042]"
    assert mail["Reply-To"] == "support+SR-1042@desk.example"
    assert mail["Auto-Submitted"] is None
    assert mail["X-Auto-Response-Suppress"] == "All"


def test_text_and_html_bodies_from_templates_escape_only_html() -> None:
    mail = roundtrip(outbound())
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    assert "Cheers & bye <3" in text.get_content()
    assert "Cheers &amp; bye &lt;3" in html.get_content()
    assert "SR-1042" in text.get_content() and "Dana" in html.get_content()


def test_automatic_notice_is_marked_auto_submitted() -> None:
    mail = roundtrip(outbound(automatic=True))
    assert mail["Auto-Submitted"] == "auto-replied"


def test_message_id_is_deterministic_without_external_id() -> None:
    message = outbound(external_id=None)
    assert message_id_for(message, "desk.example") == "sr-1042.m7@desk.example"
    assert message_id_for(message, "desk.example") == message_id_for(message, "desk.example")


def test_token_is_added_once() -> None:
    assert subject_with_token("Re: x [SR-1042]", "SR-1042") == "Re: x [SR-1042]"
    assert subject_with_token(None, "SR-9") == "Your request SR-9 [SR-9]"


def test_mailbox_password_roundtrip_and_wrong_key() -> None:
    token = encrypt_password("app-secret", "hunter2")
    assert "hunter2" not in token
    assert decrypt_password("app-secret", token) == "hunter2"
    with pytest.raises(SecretUnreadable):
        decrypt_password("other-secret", token)
