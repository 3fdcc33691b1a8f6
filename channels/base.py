"""The contract every channel adapter implements: verify, parse, send."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from channels.messages import InboundMessage, OutboundMessage


@dataclass(frozen=True)
class Ignored:
    """A payload that is valid but must not reach the desk (auto-reply, bounce, our own mail)."""

    reason: str


@dataclass(frozen=True)
class Rejected:
    """A payload that could not be understood; it is kept (quarantined) with the reason."""

    reason: str


ParseResult = InboundMessage | Ignored | Rejected


class DeliveryRefused(Exception):
    """The channel will never deliver this message; retrying cannot help."""


class ChannelNotConfigured(DeliveryRefused):
    """The channel can receive but has no way out configured (an email desk without SMTP)."""


class ChannelAdapter(Protocol):
    """What the desk needs from a channel."""

    name: str

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        """Whether a pushed payload really comes from the provider (signature, origin)."""
        ...

    def parse(self, raw: bytes) -> ParseResult:
        """Turn a provider payload into one normalised message, or say why not."""
        ...

    def send(self, message: OutboundMessage) -> str:
        """Deliver a message; return the provider's id for it."""
        ...
