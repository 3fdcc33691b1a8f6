"""Reader feedback as a small, bounded ranking prior.

Helpful and unhelpful ratings and "used in a reply" counts (agents inserting the article
into an answer: `knowledge.articles.record_article_use`, the one entry point) nudge the
hybrid ranking. The prior lies strictly inside (-weight, +weight), and the weight is
smaller than the cosine gap between a relevant and an irrelevant article, so feedback
reorders near-ties but can never lift an off-topic article over the right one.

The counts change often and independently of the indexes, so they are read on their own
(one small query for articles with any feedback) at most once per `refresh_seconds`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.models import Article, ArticleStatus

# Pseudo-votes: an article needs several signals before its prior gets near the bound.
SMOOTHING = 5.0


def feedback_signal(helpful: int, unhelpful: int, used_in_replies: int) -> float:
    """A smoothed net approval in (-1, 1); a use in a reply counts as a helpful vote."""
    positive = helpful + used_in_replies
    total = positive + unhelpful
    return (positive - unhelpful) / (total + SMOOTHING)


class FeedbackPriors:
    """Per-article signals in (-1, 1), cached and refreshed from SQL."""

    def __init__(self, session_factory: Callable[[], Session], refresh_seconds: float = 30.0):
        self._sessions = session_factory
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._signals: dict[int, float] = {}
        self._loaded_at: float | None = None

    def invalidate(self) -> None:
        """Re-read the counts on the next search (after a change in this process)."""
        with self._lock:
            self._loaded_at = None

    def signals(self) -> Mapping[int, float]:
        """Article id -> signal, for published articles with any feedback."""
        with self._lock:
            now = time.monotonic()
            if self._loaded_at is None or now - self._loaded_at >= self._refresh_seconds:
                with self._sessions() as session:
                    self._signals = _load(session)
                self._loaded_at = now
            return self._signals


def _load(session: Session) -> dict[int, float]:
    rows = session.execute(
        select(
            Article.id,
            Article.helpful_count,
            Article.unhelpful_count,
            Article.used_in_reply_count,
        ).where(
            Article.status == ArticleStatus.PUBLISHED,
            (Article.helpful_count + Article.unhelpful_count + Article.used_in_reply_count) > 0,
        )
    ).all()
    return {row[0]: feedback_signal(row[1], row[2], row[3]) for row in rows}
