"""The gap report: what readers looked for and did not find, and articles that need care."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm_core.db import utcnow
from knowledge.models import Article, ArticleStatus, SearchLog


@dataclass(frozen=True)
class SearchGap:
    """Searches with no good answer that normalise to the same words."""

    normalized_query: str
    count: int
    example: str
    last_seen: datetime


@dataclass(frozen=True)
class StaleArticle:
    """A published article that is old or poorly rated."""

    article_id: int
    key: str
    title: str
    reason: str


@dataclass(frozen=True)
class GapReport:
    unanswered: list[SearchGap]
    stale: list[StaleArticle]


def unanswered_searches(
    session: Session, *, since: datetime, min_count: int = 1, limit: int = 50
) -> list[SearchGap]:
    """No-answer searches since a time, grouped by normalised query, most frequent first."""
    rows = session.execute(
        select(
            SearchLog.normalized_query,
            func.count(SearchLog.id),
            func.min(SearchLog.query),
            func.max(SearchLog.created_at),
        )
        .where(SearchLog.no_answer.is_(True), SearchLog.created_at >= since)
        .where(SearchLog.normalized_query != "")
        .group_by(SearchLog.normalized_query)
        .having(func.count(SearchLog.id) >= min_count)
        .order_by(func.count(SearchLog.id).desc(), SearchLog.normalized_query)
        .limit(limit)
    ).all()
    return [SearchGap(row[0], int(row[1]), row[2], row[3]) for row in rows]


def stale_articles(
    session: Session,
    *,
    months: int = 12,
    min_ratings: int = 5,
    max_helpful_share: float = 0.5,
    now: datetime | None = None,
) -> list[StaleArticle]:
    """Published articles not updated for `months`, or rated helpful by too few readers."""
    cutoff = (now or utcnow()) - timedelta(days=30 * months)
    ratings = Article.helpful_count + Article.unhelpful_count
    articles = session.scalars(
        select(Article)
        .where(Article.status == ArticleStatus.PUBLISHED)
        .where(
            or_(
                Article.updated_at < cutoff,
                (ratings >= min_ratings) & (Article.helpful_count < ratings * max_helpful_share),
            )
        )
        .order_by(Article.updated_at, Article.id)
    ).all()
    out: list[StaleArticle] = []
    for article in articles:
        reasons = []
        if _aware(article.updated_at) < cutoff:
            reasons.append(f"not updated since {article.updated_at:%Y-%m-%d}")
        total = article.helpful_count + article.unhelpful_count
        if total >= min_ratings and article.helpful_count < total * max_helpful_share:
            reasons.append(f"{article.helpful_count} of {total} readers found it helpful")
        out.append(StaleArticle(article.id, article.public_key, article.title, "; ".join(reasons)))
    return out


def gap_report(session: Session, *, days: int = 30, stale_months: int = 12) -> GapReport:
    """Both halves of the gap report for the console page and `servicedesk kb gaps`."""
    since = utcnow() - timedelta(days=days)
    return GapReport(
        unanswered=unanswered_searches(session, since=since),
        stale=stale_articles(session, months=stale_months),
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
