"""Read-side queries for live conversations: the widget's request, its history, who is online."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from crm_core.customers import find_identity
from servicedesk.desk.models import Agent, Direction, Message, Presence, ServiceRequest

REPLAY_LIMIT = 500
PUBLIC = (Direction.INBOUND, Direction.OUTBOUND)

# Built once: the chat path runs them per message or per connect.
_CONVERSATION = (
    select(ServiceRequest)
    .where(
        ServiceRequest.channel == "webchat",
        ServiceRequest.thread_key == bindparam("conversation_id"),
    )
    .order_by(ServiceRequest.id.desc())
    .limit(1)
)
_AGENTS_ONLINE = select(func.count(Agent.id)).where(
    Agent.is_active.is_(True), Agent.presence == Presence.ONLINE
)


def conversation_request(session: Session, conversation_id: str) -> ServiceRequest | None:
    """The newest chat request of a conversation (a closed one is followed by a new one)."""
    return session.scalars(_CONVERSATION, {"conversation_id": conversation_id}).first()


def agents_online(session: Session) -> int:
    """Active agents whose console is open and not away."""
    return session.scalar(_AGENTS_ONLINE) or 0


def messages_after(
    session: Session,
    request_id: int,
    after_id: int,
    *,
    include_notes: bool,
    customer_ids: Collection[int] | None = None,
) -> list[Message]:
    """The gap a reconnecting client missed: messages newer than `after_id`, oldest first.

    With `customer_ids`, only messages from or to those customers: a request may hold
    messages of another customer merged into it, and a chat visitor must never read them.
    Replies stored before replies named their customer (customer unset) still show.
    """
    query = (
        select(Message)
        .where(Message.request_id == request_id, Message.id > after_id)
        .options(selectinload(Message.author), selectinload(Message.attachments))
        .order_by(Message.id)
        .limit(REPLAY_LIMIT)
    )
    if not include_notes:
        query = query.where(Message.direction.in_(PUBLIC))
    if customer_ids is not None:
        legacy_reply = Message.customer_id.is_(None) & (Message.direction == Direction.OUTBOUND)
        query = query.where(or_(Message.customer_id.in_(list(customer_ids)), legacy_reply))
    return list(session.scalars(query))


def visitor_customer_ids(session: Session, request: ServiceRequest, visitor_id: str) -> set[int]:
    """Whose messages a chat visitor may read: the conversation's customer and their own."""
    identity = find_identity(session, "webchat", visitor_id)
    own = {identity.customer_id} if identity is not None else set()
    return {request.customer_id, *own}
