"""Review of published articles: when an edit needs a reviewer, and deciding pending revisions.

A published article serves its approved text everywhere (help centre, search, widget)
until a reviewer approves the pending revision: the article row is never touched by an
edit that needs review, so every reader of `Article` is safe without knowing about review.
Nobody reviews their own text, as in `knowledge.articles.publish_article`.
"""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db import utcnow
from knowledge.drafts import ArticleDraft, add_revision, content_of, write_content
from knowledge.errors import ArticleNotFound, InvalidTransition, NotAllowed, ReviewRequired
from knowledge.models import Article, ArticleStatus, Category, PendingRevision, RevisionState


def category_needs_review(session: Session, name: str | None) -> bool:
    """True when the named category exists and requires review."""
    if not name:
        return False
    return bool(session.scalar(select(Category.review_required).where(Category.name == name)))


def review_is_required(session: Session, article: Article) -> bool:
    """True when the article or its category demands a second pair of eyes."""
    return article.review_required or category_needs_review(session, article.category)


def edit_needs_review(session: Session, article: Article, result: ArticleDraft) -> bool:
    """Whether changing a published article into `result` must wait for a reviewer.

    Both the category it leaves and the one it enters count: otherwise moving an article
    out, editing it live and moving it back would skip review.
    """
    return review_is_required(session, article) or category_needs_review(session, result.category)


def pending_revision(session: Session, article_id: int) -> PendingRevision | None:
    """The article's revision that waits for a reviewer, if any."""
    return session.scalar(
        select(PendingRevision).where(
            PendingRevision.article_id == article_id,
            PendingRevision.state == RevisionState.PENDING,
        )
    )


def pending_revisions(session: Session) -> list[PendingRevision]:
    """Every revision waiting for a reviewer, oldest first."""
    query = select(PendingRevision).where(PendingRevision.state == RevisionState.PENDING)
    return list(session.scalars(query.order_by(PendingRevision.created_at, PendingRevision.id)))


def latest_decision(session: Session, article_id: int) -> PendingRevision | None:
    """The article's most recently closed revision (approved, rejected or withdrawn)."""
    query = select(PendingRevision).where(
        PendingRevision.article_id == article_id,
        PendingRevision.state != RevisionState.PENDING,
    )
    return session.scalar(query.order_by(PendingRevision.id.desc()).limit(1))


def propose_revision(
    session: Session, article: Article, result: ArticleDraft, author_agent_id: int | None
) -> PendingRevision:
    """Keep `result` (every content field set) as the article's pending revision."""
    pending = pending_revision(session, article.id)
    if pending is None:
        pending = PendingRevision(
            article_id=article.id,
            state=RevisionState.PENDING,
            version=0,
            author_agent_id=author_agent_id,
            contributor_ids=[],
            decision_note="",
        )
        session.add(pending)
    write_content(pending, result)
    pending.version += 1
    pending.updated_at = utcnow()
    if author_agent_id is not None and author_agent_id not in pending.contributor_ids:
        # Reassign the list: SQLAlchemy does not see in-place changes of a JSON value.
        pending.contributor_ids = [*pending.contributor_ids, author_agent_id]
    session.flush()
    return pending


def approve_revision(
    session: Session,
    article_id: int,
    *,
    reviewer_agent_id: int | None,
    can_review: bool,
    seen_version: int,
) -> Article:
    """Copy the pending revision onto the live article (the caller commits and reindexes)."""
    pending = _decidable(session, article_id, reviewer_agent_id, can_review, seen_version)
    if reviewer_agent_id in pending.contributor_ids:
        raise ReviewRequired("the author cannot review their own revision")
    article = session.get(Article, article_id)
    if article is None or article.status is not ArticleStatus.PUBLISHED:
        raise InvalidTransition("only a published article's revision can be approved")
    write_content(article, content_of(pending))
    article.updated_at = utcnow()
    article.reviewer_agent_id = reviewer_agent_id
    add_revision(session, article, pending.author_agent_id, "approved by a reviewer")
    _close(pending, RevisionState.APPROVED, reviewer_agent_id, "")
    return article


def reject_revision(
    session: Session,
    article_id: int,
    *,
    reviewer_agent_id: int | None,
    can_review: bool,
    seen_version: int,
    note: str = "",
) -> PendingRevision:
    """Close the pending revision without changing the article."""
    pending = _decidable(session, article_id, reviewer_agent_id, can_review, seen_version)
    _close(pending, RevisionState.REJECTED, reviewer_agent_id, note)
    return pending


def withdraw_revision(session: Session, article_id: int, note: str) -> None:
    """Close the pending revision, if any, because the article moved on without it."""
    pending = pending_revision(session, article_id)
    if pending is not None:
        _close(pending, RevisionState.WITHDRAWN, None, note)


def pending_diff(session: Session, article: Article, pending: PendingRevision) -> str:
    """A unified diff from the live article to its pending revision, every field included."""
    lines = difflib.unified_diff(
        _lines(content_of(article)),
        _lines(content_of(pending)),
        fromfile="live",
        tofile="pending",
        lineterm="",
    )
    return "\n".join(lines)


def _lines(draft: ArticleDraft) -> list[str]:
    header = [
        f"category: {draft.category or '(none)'}",
        f"visibility: {draft.visibility}",
        f"locale: {draft.locale}",
        f"tags: {', '.join(draft.tags or ())}",
        f"summary: {draft.summary}",
    ]
    return [f"# {draft.title}", *header, "", *(draft.body or "").splitlines()]


def _decidable(
    session: Session,
    article_id: int,
    reviewer_agent_id: int | None,
    can_review: bool,
    seen_version: int,
) -> PendingRevision:
    if not can_review or reviewer_agent_id is None:
        raise NotAllowed("deciding a pending revision needs an agent with the reviewer role")
    pending = pending_revision(session, article_id)
    if pending is None:
        raise ArticleNotFound(f"article {article_id} has no pending revision")
    if pending.version != seen_version:
        # Someone changed it after the reviewer opened it: they must see what they approve.
        raise InvalidTransition("the pending revision changed since you opened it: look again")
    return pending


def _close(pending: PendingRevision, state: RevisionState, agent_id: int | None, note: str) -> None:
    pending.state = state
    pending.decided_by_agent_id = agent_id
    pending.decided_at = utcnow()
    pending.decision_note = note
