"""The intake door asks the registered adapter to verify and parse before anything is stored."""

from __future__ import annotations

from channels.base import Ignored, ParseResult, Rejected
from channels.messages import OutboundMessage
from channels.registry import AdapterRegistry
from servicedesk.desk.door import IntakeDoor
from servicedesk.desk.writer import WriteGuard


class SignedChannel:
    """A pushed channel (as Slack will be): a signature header, and bot echoes ignored."""

    name = "slack"

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        return headers.get("X-Signature") == "good"

    def parse(self, raw: bytes) -> ParseResult:
        return Ignored("our own bot's message")

    def send(self, message: OutboundMessage) -> str:
        raise NotImplementedError


def door() -> IntakeDoor:
    registry = AdapterRegistry()
    registry.register(SignedChannel())

    def no_database() -> object:
        raise AssertionError("nothing may be stored")

    return IntakeDoor(no_database, registry, WriteGuard("postgresql"))  # type: ignore[arg-type]


def test_an_unverified_payload_is_rejected_before_parsing() -> None:
    refused = door().accept("slack", b"{}", lambda result: result, headers={"X-Signature": "x"})
    assert refused == Rejected("slack: the payload's signature does not verify")


def test_an_ignored_payload_is_returned_and_not_stored() -> None:
    answer = door().accept("slack", b"{}", lambda result: result, headers={"X-Signature": "good"})
    assert answer == Ignored("our own bot's message")
