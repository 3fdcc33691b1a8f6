"""What a socket client sees of a message: the JSON shape; the queries are the desk's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from servicedesk.desk.display import neutralise_bidi
from servicedesk.desk.models import Message


def message_view(message: Message) -> dict[str, Any]:
    """A message as JSON for the widget and the console."""
    return {
        "id": message.id,
        "request_id": message.request_id,
        "direction": message.direction.value,
        "channel": message.channel,
        "text": message.text,
        "author": message.author.name if message.author else None,
        "author_id": message.author_id,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
        "attachments": [
            {"filename": neutralise_bidi(a.filename), "size": a.size} for a in message.attachments
        ],
    }


def message_views(messages: Iterable[Message]) -> list[dict[str, Any]]:
    return [message_view(m) for m in messages]
