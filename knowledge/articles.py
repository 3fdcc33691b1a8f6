"""Article workflow: create, edit (a revision per save), review, publish, archive, restore.

Every operation takes a session and ids, changes rows and returns the article; the caller
commits and then re-indexes the article (`knowledge.indexing.index_article`), because
search only shows published articles.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.db import utcnow
from knowledge.errors import ArticleNotFound, InvalidTransition, ReviewRequired
from knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleStatus,
    Category,
    Visibility,
)


@dataclass(frozen=True)
class ArticleDraft:
    """The editable fields of an article; None leaves a field unchanged on update."""

    title: str | None = None
    body: str | None = None
    summary: str | None = None
    category: str | None = None
    tags: tuple[str, ...] | None = None
    locale: str | None = None
    visibility: Visibility | None = None
    review_required: bool | None = None


def get_article(session: Session, article_id: int) -> Article:
    """The article with this id, or ArticleNotFound."""
    article = session.get(Article, article_id)
    if article is None:
        raise ArticleNotFound(f"no article with id {article_id}")
    return article


def create_article(
    session: Session,
    draft: ArticleDraft,
    *,
    author_agent_id: int | None = None,
    external_key: str | None = None,
    translation_of_id: int | None = None,
) -> Article:
    """A new draft article with its first revision."""
    if not (draft.title or "").strip():
        raise ValueError("an article needs a title")
    article = Article(
        external_key=external_key,
        title="",
        body="",
        summary="",
        tags=[],
        locale="en",
        visibility=Visibility.PUBLIC,
        status=ArticleStatus.DRAFT,
        review_required=False,
        author_agent_id=author_agent_id,
        translation_of_id=translation_of_id,
        helpful_count=0,
        unhelpful_count=0,
        used_in_reply_count=0,
    )
    _apply(article, draft)
    session.add(article)
    session.flush()
    _add_revision(session, article, author_agent_id, "created")
    return article


def update_article(
    session: Session, article_id: int, draft: ArticleDraft, *, author_agent_id: int | None
) -> Article:
    """Save changes as a new revision; the status stays as it is (archived cannot be edited)."""
    article = get_article(session, article_id)
    if article.status is ArticleStatus.ARCHIVED:
        raise InvalidTransition("an archived article must be reopened before editing")
    _apply(article, draft)
    article.updated_at = utcnow()
    _add_revision(session, article, author_agent_id, "edited")
    return article


def submit_article_for_review(session: Session, article_id: int) -> Article:
    """draft -> in_review."""
    article = get_article(session, article_id)
    _require_status(article, {ArticleStatus.DRAFT}, "submit for review")
    article.status = ArticleStatus.IN_REVIEW
    return article


def review_is_required(session: Session, article: Article) -> bool:
    """True when the article or its category demands a second pair of eyes."""
    if article.review_required:
        return True
    if article.category is None:
        return False
    flag = session.scalar(select(Category.review_required).where(Category.name == article.category))
    return bool(flag)


def publish_article(
    session: Session, article_id: int, *, reviewer_agent_id: int | None, can_review: bool
) -> Article:
    """Publish; when review is required the reviewer must hold the role and not be the author."""
    article = get_article(session, article_id)
    if review_is_required(session, article):
        _require_status(article, {ArticleStatus.IN_REVIEW}, "publish (review required)")
        if not can_review or reviewer_agent_id is None:
            raise ReviewRequired("publishing this article needs an agent with the reviewer role")
        if reviewer_agent_id == article.author_agent_id:
            raise ReviewRequired("the author cannot review their own article")
    else:
        _require_status(article, {ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW}, "publish")
    article.status = ArticleStatus.PUBLISHED
    article.reviewer_agent_id = reviewer_agent_id
    article.published_at = utcnow()
    return article


def archive_article(session: Session, article_id: int) -> Article:
    """Any status -> archived (hidden from search)."""
    article = get_article(session, article_id)
    _require_status(
        article,
        {ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW, ArticleStatus.PUBLISHED},
        "archive",
    )
    article.status = ArticleStatus.ARCHIVED
    return article


def reopen_article(session: Session, article_id: int) -> Article:
    """archived -> draft, so it can be edited and published again."""
    article = get_article(session, article_id)
    _require_status(article, {ArticleStatus.ARCHIVED}, "reopen")
    article.status = ArticleStatus.DRAFT
    return article


def restore_revision(
    session: Session, article_id: int, number: int, *, author_agent_id: int | None
) -> Article:
    """Bring back an old revision's title and body, as a new revision."""
    old = _revision(session, article_id, number)
    return update_article(
        session,
        article_id,
        ArticleDraft(title=old.title, body=old.body),
        author_agent_id=author_agent_id,
    )


def revision_diff(session: Session, article_id: int, old_number: int, new_number: int) -> str:
    """A unified diff of title and body between two revisions."""
    old = _revision(session, article_id, old_number)
    new = _revision(session, article_id, new_number)
    lines = difflib.unified_diff(
        _snapshot_lines(old),
        _snapshot_lines(new),
        fromfile=f"revision {old_number}",
        tofile=f"revision {new_number}",
        lineterm="",
    )
    return "\n".join(lines)


def list_revisions(session: Session, article_id: int) -> list[ArticleRevision]:
    """The article's revisions, oldest first."""
    return list(get_article(session, article_id).revisions)


def rate_article(
    session: Session, article_id: int, *, helpful: bool, comment: str = "", source: str = "portal"
) -> Article:
    """Record a reader's rating (and comment) from the portal, chat or an agent."""
    article = get_article(session, article_id)
    session.add(
        ArticleFeedback(article_id=article.id, helpful=helpful, comment=comment, source=source)
    )
    if helpful:
        article.helpful_count += 1
    else:
        article.unhelpful_count += 1
    return article


def record_article_use(session: Session, article_id: int) -> Article:
    """Count that an agent inserted the article into a reply (the caller commits).

    The one entry point for "used in a reply": the console calls it when an agent
    inserts a suggested article. The count feeds the hybrid ranking as a bounded prior
    (`knowledge.feedback`), picked up by every process within its refresh interval.
    """
    article = get_article(session, article_id)
    article.used_in_reply_count += 1
    return article


def set_category_review(session: Session, name: str, *, review_required: bool) -> Category:
    """Create or update a category and its review rule."""
    category = session.scalar(select(Category).where(Category.name == name))
    if category is None:
        category = Category(name=name, review_required=review_required)
        session.add(category)
    category.review_required = review_required
    session.flush()
    return category


def _apply(article: Article, draft: ArticleDraft) -> None:
    for name in ("title", "body", "summary", "category", "locale", "visibility"):
        value = getattr(draft, name)
        if value is not None:
            setattr(article, name, value)
    if draft.tags is not None:
        article.tags = _clean_tags(draft.tags)
    if draft.review_required is not None:
        article.review_required = draft.review_required


def _clean_tags(tags: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        if tag.strip():
            seen.setdefault(tag.strip().lower(), None)
    return list(seen)


def _add_revision(
    session: Session, article: Article, author_agent_id: int | None, note: str
) -> ArticleRevision:
    last = session.scalar(
        select(func.max(ArticleRevision.number)).where(ArticleRevision.article_id == article.id)
    )
    revision = ArticleRevision(
        article_id=article.id,
        number=(last or 0) + 1,
        title=article.title,
        body=article.body,
        author_agent_id=author_agent_id,
        note=note,
    )
    session.add(revision)
    session.flush()
    return revision


def _revision(session: Session, article_id: int, number: int) -> ArticleRevision:
    revision = session.scalar(
        select(ArticleRevision).where(
            ArticleRevision.article_id == article_id, ArticleRevision.number == number
        )
    )
    if revision is None:
        raise ArticleNotFound(f"article {article_id} has no revision {number}")
    return revision


def _snapshot_lines(revision: ArticleRevision) -> list[str]:
    return [f"# {revision.title}", "", *revision.body.splitlines()]


def _require_status(article: Article, allowed: set[ArticleStatus], action: str) -> None:
    if article.status not in allowed:
        raise InvalidTransition(f"cannot {action} an article that is {article.status.value}")
