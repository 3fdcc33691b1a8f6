"""Real peers for the email tests: a throwaway Dovecot and an aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from tests.fixtures.dovecot import Dovecot, dovecot_binary, running_dovecot
from tests.fixtures.servers import free_port


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the session; each test uses its own user (a fresh maildir)."""
    if dovecot_binary() is None:
        pytest.fail("dovecot is not installed: apt-get install -y dovecot-imapd")
    with running_dovecot({f"user{i}": f"pw{i}" for i in range(20)}) as server:
        yield server


_user_counter = iter(range(20))


@pytest.fixture
def imap_user(dovecot: Dovecot) -> str:
    """A mail user no other test has touched."""
    return f"user{next(_user_counter)}"


class RecordingHandler:
    """aiosmtpd handler that keeps every accepted message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, RecordingHandler]]:
    """A real SMTP server on a free port; yields its smtp:// URL and the handler."""
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", handler
    finally:
        controller.stop()
