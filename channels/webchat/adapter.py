"""The web chat adapter: widget payloads become `InboundMessage`s; replies are socket emits."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

from channels.base import ParseResult, Rejected
from channels.messages import AttachmentData, InboundMessage, OutboundMessage, Sender
from channels.text import is_storable
from channels.webchat.tokens import Visitor

MAX_TEXT = 20_000
MAX_CLIENT_ID = 64

Emit = Callable[[str, dict[str, Any], str], None]
RoomOf = Callable[[int], str]


class WebchatAdapter:
    """verify / parse / send for the chat widget.

    `emit(event, payload, room)` pushes to Socket.IO; `room_of(request_id)` names the
    conversation room, so this package needs neither Flask nor the room module.
    """

    name = "webchat"

    def __init__(self, emit: Emit, room_of: RoomOf) -> None:
        self._emit = emit
        self._room_of = room_of

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        # Visitors authenticate with a signed token at the socket layer; nothing to check here.
        return True

    def parse(self, raw: bytes) -> ParseResult:
        """A payload built by `widget_payload`: the visitor (checked by the socket layer or
        the upload hook from its signed token), the widget's fields and any files."""
        try:
            payload = json.loads(raw)
            visitor = Visitor(str(payload["visitor_id"]), str(payload["conversation_id"]))
            files = tuple(_attachment(item) for item in payload.get("attachments") or ())
            name = payload.get("name")
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            return Rejected("not a widget message payload")
        display_name = name if isinstance(name, str) and is_storable(name) else None
        return to_inbound(visitor, payload, display_name=display_name, attachments=files)

    def send(self, message: OutboundMessage) -> str:
        """Push the reply to the conversation room; the widget dedupes by message id."""
        self._emit(
            "chat.message",
            {
                "id": message.message_id,
                "direction": "outbound",
                "text": message.text,
                "author": message.author_name,
            },
            self._room_of(message.request_id),
        )
        return f"webchat:{message.request_reference.lower()}.m{message.message_id}"


def to_inbound(
    visitor: Visitor,
    payload: Mapping[str, Any],
    *,
    display_name: str | None = None,
    attachments: tuple[AttachmentData, ...] = (),
) -> ParseResult:
    """A visitor's message; the client id makes a resend after reconnect a no-op."""
    text = payload.get("text")
    client_id = payload.get("client_id")
    if not isinstance(text, str) or not (text.strip() or attachments):
        return Rejected("a chat message needs text")
    if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID:
        return Rejected("a chat message needs a client id")
    if len(text) > MAX_TEXT:
        return Rejected(f"a chat message is at most {MAX_TEXT} characters")
    if not is_storable(text) or not is_storable(client_id):
        return Rejected("a chat message must be valid Unicode text")
    return InboundMessage(
        channel="webchat",
        # Client ids are only unique per browser, so the visitor id scopes them.
        external_id=f"{visitor.visitor_id}:{client_id}",
        sender=Sender("webchat", visitor.visitor_id, display_name),
        text=text.strip() or "(attachment)",
        thread_key=visitor.conversation_id,
        attachments=attachments,
        extra={"client_id": client_id},
        live=True,  # the visitor waits in the widget for an answer
    )


def widget_payload(
    visitor: Visitor,
    data: Mapping[str, Any],
    *,
    name: str | None = None,
    attachments: tuple[AttachmentData, ...] = (),
) -> bytes:
    """The raw form `WebchatAdapter.parse` reads: what the widget sent, for a verified visitor."""
    payload = {
        "visitor_id": visitor.visitor_id,
        "conversation_id": visitor.conversation_id,
        "client_id": data.get("client_id"),
        "text": data.get("text"),
        "name": name,
        "attachments": [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "content": base64.b64encode(item.content).decode("ascii"),
            }
            for item in attachments
        ],
    }
    return json.dumps(payload).encode()


def _attachment(item: Mapping[str, Any]) -> AttachmentData:
    return AttachmentData(
        filename=str(item["filename"]),
        content_type=str(item["content_type"]),
        content=base64.b64decode(item["content"], validate=True),
    )
