"""An article's editable fields as a value, and the primitives that write them.

Shared by the article workflow (`knowledge.articles`) and the review of pending revisions
(`knowledge.review`); neither rule lives here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.models import Article, ArticleRevision, PendingRevision, Visibility


@dataclass(frozen=True)
class ArticleDraft:
    """The editable fields of an article; None leaves a field unchanged on update.

    `category=""` clears the category (None would leave it as it is).
    """

    title: str | None = None
    body: str | None = None
    summary: str | None = None
    category: str | None = None
    section: str | None = None
    tags: tuple[str, ...] | None = None
    locale: str | None = None
    visibility: Visibility | None = None
    review_required: bool | None = None

    def over(self, base: ArticleDraft) -> ArticleDraft:
        """`base` with this draft's set fields laid on top."""
        changes = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(base, **{k: v for k, v in changes.items() if v is not None})


def content_of(row: Article | PendingRevision) -> ArticleDraft:
    """The content fields of an article or a pending revision, every one set."""
    return ArticleDraft(
        title=row.title,
        body=row.body,
        summary=row.summary,
        category=row.category or "",
        section=row.section or "",
        tags=tuple(row.tags or ()),
        locale=row.locale,
        visibility=row.visibility,
    )


def same_content(one: ArticleDraft, other: ArticleDraft) -> bool:
    """True when writing either draft's content would give the same article."""
    return _normal(one) == _normal(other)


def _normal(draft: ArticleDraft) -> ArticleDraft:
    return replace(
        draft,
        category=(draft.category or "").strip(),
        section=(draft.section or "").strip(),
        tags=tuple(sorted(clean_tags(draft.tags or ()))),  # the editor sorts tags
        review_required=None,
    )


def write_content(row: Article | PendingRevision, draft: ArticleDraft) -> None:
    """Copy the draft's set content fields (not the review flag) onto the row."""
    for name in ("title", "body", "summary", "locale", "visibility"):
        value = getattr(draft, name)
        if value is not None:
            setattr(row, name, value)
    if draft.category is not None:
        row.category = draft.category.strip() or None
    if draft.section is not None:
        row.section = draft.section.strip() or None
    if draft.tags is not None:
        row.tags = clean_tags(draft.tags)


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Trimmed, lower-case tags without duplicates, in their first order."""
    seen: dict[str, None] = {}
    for tag in tags:
        if tag.strip():
            seen.setdefault(tag.strip().lower(), None)
    return list(seen)


def add_revision(
    session: Session, article: Article, author_agent_id: int | None, note: str
) -> ArticleRevision:
    """Snapshot the article's title and body as its next numbered revision."""
    revision = ArticleRevision(
        article_id=article.id,
        number=latest_revision_number(session, article.id) + 1,
        title=article.title,
        body=article.body,
        author_agent_id=author_agent_id,
        note=note,
    )
    session.add(revision)
    session.flush()
    return revision


def latest_revision_number(session: Session, article_id: int) -> int:
    """The number of the article's newest revision (0 when it has none)."""
    last = session.scalar(
        select(func.max(ArticleRevision.number)).where(ArticleRevision.article_id == article_id)
    )
    return int(last or 0)
