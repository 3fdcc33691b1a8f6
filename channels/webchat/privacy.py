"""What the chat keeps about a person (deflected questions by visitor id), for erasure."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from channels.webchat.models import ChatDeflection
from crm_core.privacy import Erasure


def erase_chat_traces(session: Session, erasure: Erasure) -> None:
    """An eraser: the visitor ids are the person's chat addresses."""
    visitors = list(erasure.addresses)
    if visitors:
        session.execute(delete(ChatDeflection).where(ChatDeflection.visitor_id.in_(visitors)))
