"""Article workflow: create, edit (a revision per save), review, publish, archive, restore.

Every operation takes a session and ids, changes rows and returns the article; the caller
commits and then re-indexes the article (`knowledge.indexing.index_article`), because
search only shows published articles. An edit of a published article that needs review
becomes a pending revision instead (`knowledge.review`), and the article stays as it is.
Actions that take a `can_review` flag are for reviewers and admins.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db import utcnow
from knowledge.drafts import (
    ArticleDraft,
    add_revision,
    content_of,
    latest_revision_number,
    same_content,
    write_content,
)
from knowledge.errors import ArticleNotFound, InvalidTransition, NotAllowed, ReviewRequired
from knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleStatus,
    Category,
    PendingRevision,
    Visibility,
)
from knowledge.review import (
    edit_needs_review,
    pending_revision,
    propose_revision,
    review_is_required,
    withdraw_revision,
)


@dataclass(frozen=True)
class EditResult:
    """What a save did: changed the article, or left it and kept a pending revision."""

    article: Article
    pending: PendingRevision | None = None

    @property
    def is_live(self) -> bool:
        return self.pending is None


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
    write_content(article, draft)
    article.review_required = bool(draft.review_required)  # asking for review needs no role
    session.add(article)
    session.flush()
    add_revision(session, article, author_agent_id, "created")
    return article


def update_article(
    session: Session,
    article_id: int,
    draft: ArticleDraft,
    *,
    author_agent_id: int | None,
    can_review: bool = False,
) -> EditResult:
    """Save changes as a new revision, or as the pending revision when review is needed.

    A published article changes at once only when neither it nor the category it leaves or
    enters needs review, and no revision of it is pending; otherwise the edit waits for a
    reviewer and readers keep seeing the approved text. Only reviewers change the
    article's review flag.
    """
    article = get_article(session, article_id)
    if article.status is ArticleStatus.ARCHIVED:
        raise InvalidTransition("an archived article must be reopened before editing")
    flagged_before = article.review_required
    _change_review_flag(article, draft.review_required, can_review)
    if article.status is ArticleStatus.PUBLISHED:
        pending = pending_revision(session, article_id)
        result = draft.over(content_of(pending or article))
        if pending is None and same_content(result, content_of(article)):
            return EditResult(article)  # nothing to review (at most a reviewer's flag change)
        # A pending revision is decided by a reviewer even if review was switched off since:
        # otherwise the next save would publish text written while review was required.
        if pending is not None or flagged_before or edit_needs_review(session, article, result):
            return EditResult(article, propose_revision(session, article, result, author_agent_id))
    write_content(article, draft)
    article.updated_at = utcnow()
    add_revision(session, article, author_agent_id, "edited")
    return EditResult(article)


def _change_review_flag(article: Article, wanted: bool | None, can_review: bool) -> None:
    if wanted is None or wanted == article.review_required:
        return
    if not can_review:
        raise NotAllowed("only reviewers and admins change whether an article needs a reviewer")
    article.review_required = wanted


def submit_article_for_review(session: Session, article_id: int) -> Article:
    """draft -> in_review."""
    article = get_article(session, article_id)
    _require_status(article, {ArticleStatus.DRAFT}, "submit for review")
    article.status = ArticleStatus.IN_REVIEW
    return article


def publish_article(
    session: Session,
    article_id: int,
    *,
    reviewer_agent_id: int | None,
    can_review: bool,
    seen_revision: int | None = None,
) -> Article:
    """Publish; when review is required the reviewer must hold the role and not be an author.

    `seen_revision` is the revision number the reviewer read: an article edited after that
    is not published, so a reviewer never publishes text they did not see.
    """
    article = get_article(session, article_id)
    if review_is_required(session, article):
        _require_status(article, {ArticleStatus.IN_REVIEW}, "publish (review required)")
        if not can_review or reviewer_agent_id is None:
            raise ReviewRequired("publishing this article needs an agent with the reviewer role")
        if reviewer_agent_id in _writers(article):
            raise ReviewRequired("the author cannot review their own article")
        if seen_revision != latest_revision_number(session, article_id):
            raise InvalidTransition("the article changed since you opened it: look again")
    else:
        _require_status(article, {ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW}, "publish")
    article.status = ArticleStatus.PUBLISHED
    article.reviewer_agent_id = reviewer_agent_id
    article.published_at = utcnow()
    return article


def _writers(article: Article) -> set[int | None]:
    """Everyone who wrote a revision of the article: none of them may review it."""
    return {article.author_agent_id, *(r.author_agent_id for r in article.revisions)}


def archive_article(session: Session, article_id: int, *, can_review: bool) -> Article:
    """Any status -> archived (hidden from search); a published article only by a reviewer."""
    article = get_article(session, article_id)
    _require_status(
        article,
        {ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW, ArticleStatus.PUBLISHED},
        "archive",
    )
    if article.status is ArticleStatus.PUBLISHED and not can_review:
        raise NotAllowed("only reviewers and admins archive a published article")
    withdraw_revision(session, article_id, "the article was archived")
    article.status = ArticleStatus.ARCHIVED
    return article


def reopen_article(session: Session, article_id: int, *, can_review: bool) -> Article:
    """archived -> draft, so it can be edited and published again.

    An article that was once published is reopened only by a reviewer.
    """
    article = get_article(session, article_id)
    _require_status(article, {ArticleStatus.ARCHIVED}, "reopen")
    if article.published_at is not None and not can_review:
        raise NotAllowed("only reviewers and admins reopen an article that was published")
    article.status = ArticleStatus.DRAFT
    return article


def restore_revision(
    session: Session,
    article_id: int,
    number: int,
    *,
    author_agent_id: int | None,
    can_review: bool = False,
) -> EditResult:
    """Bring back an old revision's title and body as an edit (a reviewer's, when published)."""
    if get_article(session, article_id).status is ArticleStatus.PUBLISHED and not can_review:
        raise NotAllowed("only reviewers and admins restore a revision of a published article")
    old = _revision(session, article_id, number)
    return update_article(
        session,
        article_id,
        ArticleDraft(title=old.title, body=old.body),
        author_agent_id=author_agent_id,
        can_review=can_review,
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


def set_category_review(
    session: Session, name: str, *, review_required: bool, can_review: bool
) -> Category:
    """Create or update a category and its review rule (reviewers and admins only)."""
    if not can_review:
        raise NotAllowed("only reviewers and admins decide which categories need review")
    category = session.scalar(select(Category).where(Category.name == name))
    if category is None:
        category = Category(name=name, review_required=review_required)
        session.add(category)
    category.review_required = review_required
    session.flush()
    return category


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
