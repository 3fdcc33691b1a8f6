"""Edits and deletions of customer messages, on channels that allow them (Slack).

A message is never lost: an edit keeps the text it replaced in a `MessageRevision`, so the
first revision holds the original; a deletion keeps the text and only marks the message.
The provider's id of the change (`change_key`) makes a repeated notification a no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db import Base, UnitOfWork, utcnow
from servicedesk.desk import events
from servicedesk.desk.audit import record
from servicedesk.desk.models import Direction, Message

RevisionKind = Literal["edited", "deleted"]


class MessageRevision(Base):
    """One change of a customer message: the text before it, and the text after an edit."""

    __tablename__ = "message_revisions"
    __table_args__ = (UniqueConstraint("message_id", "change_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    change_key: Mapped[str] = mapped_column(String(120))
    previous_text: Mapped[str] = mapped_column(Text)
    new_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


_CUSTOMER_MESSAGE = select(Message).where(
    Message.channel == bindparam("c"),
    Message.external_id == bindparam("e"),
    Message.direction == Direction.INBOUND,
)
_REVISION = select(MessageRevision).where(
    MessageRevision.message_id == bindparam("m"), MessageRevision.change_key == bindparam("k")
)


def revise_message(
    uow: UnitOfWork,
    channel: str,
    external_id: str,
    kind: RevisionKind,
    change_key: str,
    *,
    text: str | None = None,
    at: datetime | None = None,
) -> MessageRevision | None:
    """Record that the customer edited (to `text`) or deleted a message they sent.

    None when the message is unknown (sent before the desk listened, or not a request's).
    """
    message = uow.session.scalars(_CUSTOMER_MESSAGE, {"c": channel, "e": external_id}).first()
    if message is None:
        return None
    seen = uow.session.scalars(_REVISION, {"m": message.id, "k": change_key}).first()
    if seen is not None:
        return seen
    revision = MessageRevision(
        message_id=message.id,
        kind=kind,
        change_key=change_key,
        previous_text=message.text,
        new_text=text if kind == "edited" else None,
        created_at=at or utcnow(),
    )
    uow.session.add(revision)
    if kind == "edited" and text is not None:
        message.text = text
    uow.session.flush()
    record(uow.session, message.request, f"message_{kind}", "customer", message_id=message.id)
    uow.events.append(events.RequestUpdated(message.request_id, ("messages",)))
    return revision


def revisions_of(uow: UnitOfWork, message_ids: list[int]) -> dict[int, list[MessageRevision]]:
    """Each message's revisions, oldest first (for showing a request)."""
    found: dict[int, list[MessageRevision]] = {}
    if not message_ids:
        return found
    query = (
        select(MessageRevision)
        .where(MessageRevision.message_id.in_(message_ids))
        .order_by(MessageRevision.id)
    )
    for revision in uow.session.scalars(query):
        found.setdefault(revision.message_id, []).append(revision)
    return found
