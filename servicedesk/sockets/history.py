"""What a socket client sees of a conversation, read from SQL (the source of truth)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from servicedesk.desk.display import neutralise_bidi
from servicedesk.desk.models import Agent, Direction, Message, Presence, ServiceRequest

REPLAY_LIMIT = 500
PUBLIC = (Direction.INBOUND, Direction.OUTBOUND)


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


def messages_after(
    session: Session, request_id: int, after_id: int, *, include_notes: bool
) -> list[dict[str, Any]]:
    """The gap a reconnecting client missed: messages newer than `after_id`, oldest first."""
    query = (
        select(Message)
        .where(Message.request_id == request_id, Message.id > after_id)
        .options(selectinload(Message.author), selectinload(Message.attachments))
        .order_by(Message.id)
        .limit(REPLAY_LIMIT)
    )
    if not include_notes:
        query = query.where(Message.direction.in_(PUBLIC))
    return [message_view(m) for m in session.scalars(query)]


def conversation_request(session: Session, conversation_id: str) -> ServiceRequest | None:
    """The newest chat request of a conversation (a closed one is followed by a new one)."""
    query = (
        select(ServiceRequest)
        .where(ServiceRequest.channel == "webchat", ServiceRequest.thread_key == conversation_id)
        .order_by(ServiceRequest.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def agents_online(session: Session) -> int:
    query = select(func.count(Agent.id)).where(
        Agent.is_active.is_(True), Agent.presence == Presence.ONLINE
    )
    return session.scalar(query) or 0
