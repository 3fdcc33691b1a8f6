"""A help centre customer's request not filed because an article answered it.

One per customer and article: deflections count as the article's "helpful" ratings and
feed ranking, so clicking twice must not count twice. Reports count them beside the
chat widget's (channels.webchat.models.ChatDeflection).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, Text, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm_core.db import Base, utcnow
from crm_core.privacy.registry import Erasure
from knowledge.articles import rate_article
from knowledge.models import Article, ArticleStatus, Visibility
from servicedesk.desk.errors import NotFound


class PortalDeflection(Base):
    """A signed-in customer said a suggested article answered the question they typed."""

    __tablename__ = "portal_deflections"
    __table_args__ = (UniqueConstraint("customer_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    article_id: Mapped[int] = mapped_column(Integer, index=True)
    query: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def record_deflection(session: Session, customer_id: int, article_id: int, query: str) -> bool:
    """Record it once; False when this customer had already said so for this article."""
    article = session.get(Article, article_id)
    if (
        article is None
        or article.status != ArticleStatus.PUBLISHED
        or article.visibility != Visibility.PUBLIC
    ):
        raise NotFound("no such article")
    seen = select(PortalDeflection.id).where(
        PortalDeflection.customer_id == customer_id, PortalDeflection.article_id == article_id
    )
    if session.scalars(seen.limit(1)).first() is not None:
        return False
    session.add(PortalDeflection(customer_id=customer_id, article_id=article_id, query=query))
    rate_article(session, article_id, helpful=True, comment=query, source="portal")
    session.flush()
    return True


def count_deflections(session: Session, since: datetime, until: datetime) -> int:
    """Requests the help centre's suggestions spared the team in a period."""
    query = select(func.count(PortalDeflection.id)).where(
        PortalDeflection.created_at >= since, PortalDeflection.created_at < until
    )
    return int(session.scalar(query) or 0)


def export_deflections(session: Session, customer_id: int) -> list[dict[str, object]]:
    """A customer's deflections, for their GDPR export."""
    query = select(PortalDeflection).where(PortalDeflection.customer_id == customer_id)
    return [
        {"article_id": d.article_id, "query": d.query, "at": d.created_at.isoformat()}
        for d in session.scalars(query.order_by(PortalDeflection.id))
    ]


def erase_deflections(session: Session, erasure: Erasure) -> None:
    """Deflections stay counted; what the customer typed goes."""
    session.execute(
        update(PortalDeflection)
        .where(PortalDeflection.customer_id == erasure.customer_id)
        .values(query="")
    )
