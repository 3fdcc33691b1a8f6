"""Knowledge base tables: articles, revisions (saved and pending), passages, logs, solved requests.

Knowledge depends only on crm_core: agent and request ids are plain integer columns,
not foreign keys into the desk tables.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.db import Base, utcnow


class Visibility(enum.StrEnum):
    """Who may read an article: everyone, or agents only."""

    PUBLIC = "public"
    INTERNAL = "internal"


class ArticleStatus(enum.StrEnum):
    """The article's place in the review workflow."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    # Store the values ("in_review"), not the member names, on both dialects.
    return Enum(kind, name=name, values_callable=lambda members: [m.value for m in members])


class Category(Base):
    """A group of articles; review may be required for everything in it."""

    __tablename__ = "kb_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    review_required: Mapped[bool] = mapped_column(Boolean, default=False)


class Article(Base):
    """One help article in one locale; translations point at their original."""

    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(120), index=True)
    # A group of articles inside the category, as the help centre's browse pages show it.
    section: Mapped[str | None] = mapped_column(String(120))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(16), default="en", index=True)
    translation_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="SET NULL")
    )
    visibility: Mapped[Visibility] = mapped_column(
        _enum(Visibility, "kb_visibility"), default=Visibility.PUBLIC
    )
    status: Mapped[ArticleStatus] = mapped_column(
        _enum(ArticleStatus, "kb_article_status"), default=ArticleStatus.DRAFT, index=True
    )
    review_required: Mapped[bool] = mapped_column(Boolean, default=False)
    author_agent_id: Mapped[int | None] = mapped_column(Integer)
    reviewer_agent_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    unhelpful_count: Mapped[int] = mapped_column(Integer, default=0)
    used_in_reply_count: Mapped[int] = mapped_column(Integer, default=0)

    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article",
        order_by="ArticleRevision.number",
        cascade="all, delete-orphan",
    )

    @property
    def public_key(self) -> str:
        """The id shown to callers: the import key when there is one."""
        return self.external_key or str(self.id)


class ArticleRevision(Base):
    """A snapshot taken at every save, numbered from 1 per article."""

    __tablename__ = "kb_article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    author_agent_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    article: Mapped[Article] = relationship(back_populates="revisions")


class RevisionState(enum.StrEnum):
    """Where a pending revision of a published article stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class PendingRevision(Base):
    """An edit of a published article that waits for a reviewer; the article stays as it is.

    It holds every editable field, so approving it copies them onto the article. At most
    one per article is pending: later edits change it and bump `version`, so a reviewer
    approves only the text they saw.
    """

    __tablename__ = "kb_pending_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[RevisionState] = mapped_column(
        _enum(RevisionState, "kb_revision_state"), default=RevisionState.PENDING, index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(120))
    section: Mapped[str | None] = mapped_column(String(120))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    visibility: Mapped[Visibility] = mapped_column(
        _enum(Visibility, "kb_visibility"), default=Visibility.PUBLIC
    )
    author_agent_id: Mapped[int | None] = mapped_column(Integer)
    contributor_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    decided_by_agent_id: Mapped[int | None] = mapped_column(Integer)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ArticleFeedback(Base):
    """A rating (and optional comment) from the portal, chat or an agent."""

    __tablename__ = "kb_article_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="portal")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Passage(Base):
    """A searchable slice of a published article with its embedding (float32 bytes)."""

    __tablename__ = "kb_passages"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)


class SearchLog(Base):
    """One search, kept for the gap report."""

    __tablename__ = "kb_search_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    normalized_query: Mapped[str] = mapped_column(String(500), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    audience: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20), default="search")
    top_score: Mapped[float | None] = mapped_column(Float)
    result_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    no_answer: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class SolvedRequestDoc(Base):
    """A solved request kept for "similar solved requests" (agents only, never the portal)."""

    __tablename__ = "kb_solved_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(Integer, unique=True)
    subject: Mapped[str] = mapped_column(String(500), default="")
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    solved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IndexState(Base):
    """One row whose version is bumped whenever the derived search data changes."""

    __tablename__ = "kb_index_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
