"""Bulk import of articles from JSON lines (`_id`, `title`, `text`, optional `category`, `locale`).

Imported articles are published at once. The `_id` is the article's external key, so a
second import of the same file updates in place and never duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db import utcnow
from knowledge.articles import create_article
from knowledge.drafts import ArticleDraft, add_revision, write_content
from knowledge.models import Article, ArticleStatus
from knowledge.review import withdraw_revision


class ArticleImportError(ValueError):
    """A line of the import file is not a valid article record."""


@dataclass
class ImportReport:
    """Counts of what an import did, and the ids that need (re)indexing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON-lines file; blank lines are skipped."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ArticleImportError(f"line {number}: not JSON ({error.msg})") from error
            if not isinstance(record, dict):
                raise ArticleImportError(f"line {number}: expected an object")
            yield record


def import_articles(session: Session, records: Iterable[dict[str, Any]]) -> ImportReport:
    """Create or update one published article per record (flushes, does not commit)."""
    report = ImportReport()
    for number, record in enumerate(records, start=1):
        key, draft = _draft(number, record)
        article = session.scalar(select(Article).where(Article.external_key == key))
        if article is None:
            article = create_article(session, draft, external_key=key)
            _publish(article)
            report.created += 1
        elif _differs(article, draft):
            _overwrite(session, article, draft)
            _publish(article)
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        report.changed_ids.append(article.id)
    session.flush()
    return report


def _draft(number: int, record: dict[str, Any]) -> tuple[str, ArticleDraft]:
    key, title = record.get("_id"), record.get("title")
    if not isinstance(key, str | int) or str(key).strip() == "":
        raise ArticleImportError(f"record {number}: missing _id")
    if not isinstance(title, str) or not title.strip():
        raise ArticleImportError(f"record {number} ({key}): missing title")
    draft = ArticleDraft(
        title=title.strip(),
        body=str(record.get("text") or ""),
        category=record.get("category") or None,
        section=record.get("section") or None,
        locale=str(record.get("locale") or "en"),
    )
    return str(key), draft


def _differs(article: Article, draft: ArticleDraft) -> bool:
    return (
        article.title != draft.title
        or article.body != draft.body
        or article.category != draft.category
        or article.section != draft.section
        or article.locale != draft.locale
        or article.status is not ArticleStatus.PUBLISHED
    )


def _overwrite(session: Session, article: Article, draft: ArticleDraft) -> None:
    # The import file is the source of truth: a pending edit would undo it when approved.
    withdraw_revision(session, article.id, "replaced by an import")
    write_content(article, draft)
    article.updated_at = utcnow()
    add_revision(session, article, None, "imported")


def _publish(article: Article) -> None:
    # An import is an administrator's bulk action: it bypasses the review workflow.
    article.status = ArticleStatus.PUBLISHED
    article.published_at = utcnow()
