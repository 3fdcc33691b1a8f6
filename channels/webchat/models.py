"""Chat deflections: a suggested article answered the visitor (ratings are the desk's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.db import Base, utcnow


class ChatDeflection(Base):
    """A visitor said a suggested article answered their question (no agent needed)."""

    __tablename__ = "webchat_deflections"
    # One per visitor and article: deflections count as "helpful" and feed ranking.
    __table_args__ = (UniqueConstraint("visitor_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[str] = mapped_column(String(100), index=True)
    article_id: Mapped[int] = mapped_column(Integer, index=True)
    query: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
