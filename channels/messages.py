"""The one message type every channel produces and the one every channel sends."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from crm_core.db import utcnow

ChannelName = Literal["email", "slack", "webchat", "portal"]
IdentityKind = Literal["email", "slack", "webchat", "portal", "phone"]


@dataclass(frozen=True)
class Sender:
    """Who sent a message, as the channel knows them.

    `verified` is False for an address the sender only typed into a form (the help
    centre's contact form): the desk treats them as an unverified contact of their own
    until they follow a confirmation link (crm_core.confirmations).
    """

    kind: IdentityKind
    address: str
    display_name: str | None = None
    verified: bool = True


@dataclass(frozen=True)
class AttachmentData:
    """A file carried by a message, content in memory (size-checked by the adapter)."""

    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str | None = None


def _empty_extra() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class InboundMessage:
    """A customer message, normalised; the desk never sees MIME, Slack JSON or socket payloads.

    `external_id` is the provider's id (Message-ID, Slack event ts, client message id) and
    makes a second arrival a no-op. `thread_key` names a conversation on channels that have
    one (chat conversation, Slack thread); `references` lists provider ids of earlier
    messages this one answers (email In-Reply-To first, then References, newest first).
    `live` says the sender waits in a live conversation (chat) rather than an inbox: the
    desk continues it by email when no agent is online to answer.
    """

    channel: ChannelName
    external_id: str
    sender: Sender
    text: str
    html: str | None = None
    subject: str | None = None
    thread_key: str | None = None
    references: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    attachments: tuple[AttachmentData, ...] = ()
    original_text: str | None = None
    received_at: datetime = field(default_factory=utcnow)
    extra: Mapping[str, str] = field(default_factory=_empty_extra)
    live: bool = False

    @property
    def content_hash(self) -> str:
        """Hash of who said what; finds re-deliveries whose provider id changed."""
        digest = hashlib.sha256()
        for part in (self.channel, self.sender.address.lower(), self.subject or "", self.text):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.hexdigest()


@dataclass(frozen=True)
class OutboundMessage:
    """A reply or notice leaving the desk through one channel's adapter."""

    channel: ChannelName
    request_id: int
    request_reference: str
    message_id: int
    recipient: Sender
    text: str
    html: str | None = None
    subject: str | None = None
    external_id: str | None = None
    thread_key: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    attachments: tuple[AttachmentData, ...] = ()
    author_name: str | None = None
    automatic: bool = False
