"""Passage and solved-request embeddings, loaded from SQL into NumPy matrices.

The snapshot is cached per process and reloaded when the tables change: a cheap
(count, max id) stamp is read at most once per `refresh_seconds`, and writers in this
process call `invalidate()` so they see their own changes at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.embedding import Vectors
from knowledge.models import Article, ArticleStatus, IndexState, Passage, SolvedRequestDoc

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class ArticleMeta:
    """What search results need about a published article."""

    article_id: int
    key: str
    title: str
    locale: str
    category: str
    visibility: str


@dataclass
class Snapshot:
    """Every published article's passages as one matrix, grouped by article."""

    matrix: Vectors
    passage_ids: IntArray
    starts: IntArray  # first row of each article's passages
    article_ids: IntArray  # one per group, in matrix order
    articles: dict[int, ArticleMeta]
    solved_matrix: Vectors
    solved_request_ids: IntArray
    # Filter masks over the article groups, computed once per snapshot (see search.py).
    mask_cache: dict[object, npt.NDArray[np.bool_]] = field(default_factory=dict)

    def article_scores(self, query: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Cosine of every passage, and each article's best passage cosine."""
        if len(self.passage_ids) == 0:
            empty = np.zeros(0, dtype=np.float32)
            return empty, empty
        passage_scores = self.matrix @ query
        return passage_scores, np.maximum.reduceat(passage_scores, self.starts)

    def best_passage(self, passage_scores: FloatArray, group: int) -> int:
        """The id of the best-scoring passage in an article's group."""
        start = int(self.starts[group])
        end = int(self.starts[group + 1]) if group + 1 < len(self.starts) else len(passage_scores)
        return int(self.passage_ids[start + int(np.argmax(passage_scores[start:end]))])


def to_bytes(vector: FloatArray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(blob: bytes) -> FloatArray:
    return np.frombuffer(blob, dtype=np.float32)


def _load(session: Session, dimension: int) -> Snapshot:
    rows = session.execute(
        select(Passage.id, Passage.article_id, Passage.embedding)
        .join(Article, Article.id == Passage.article_id)
        .where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(Passage.article_id, Passage.ordinal)
    ).all()
    metas = session.execute(
        select(
            Article.id,
            Article.external_key,
            Article.title,
            Article.locale,
            Article.category,
            Article.visibility,
        ).where(Article.status == ArticleStatus.PUBLISHED)
    ).all()
    solved = session.execute(
        select(SolvedRequestDoc.request_id, SolvedRequestDoc.embedding).order_by(
            SolvedRequestDoc.request_id
        )
    ).all()
    passage_article = np.array([row[1] for row in rows], dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, passage_article[1:] != passage_article[:-1]])
    if len(rows) == 0:
        starts = np.zeros(0, dtype=np.int64)
    return Snapshot(
        matrix=_stack([row[2] for row in rows], dimension),
        passage_ids=np.array([row[0] for row in rows], dtype=np.int64),
        starts=starts.astype(np.int64),
        article_ids=passage_article[starts] if len(rows) else np.zeros(0, dtype=np.int64),
        articles={
            m[0]: ArticleMeta(m[0], m[1] or str(m[0]), m[2], m[3], m[4] or "", m[5].value)
            for m in metas
        },
        solved_matrix=_stack([row[1] for row in solved], dimension),
        solved_request_ids=np.array([row[0] for row in solved], dtype=np.int64),
    )


def _stack(blobs: list[bytes], dimension: int) -> Vectors:
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dimension)


def _stamp(session: Session) -> tuple[object, ...]:
    # One tiny row, bumped by every index change (see indexing.bump_index_version).
    return (session.scalar(select(IndexState.version).where(IndexState.id == 1)),)


class VectorStore:
    """The process's cached snapshot, rebuilt when SQL changed."""

    def __init__(
        self,
        session_factory: Callable[[], Session],
        dimension: int,
        refresh_seconds: float = 1.0,
    ) -> None:
        self._sessions = session_factory
        self._dimension = dimension
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._stamp: tuple[object, ...] | None = None
        self._checked_at = 0.0

    def invalidate(self) -> None:
        """Forget the snapshot; the next search reloads it."""
        with self._lock:
            self._snapshot = None

    def snapshot(self) -> Snapshot:
        with self._lock:
            now = time.monotonic()
            if self._snapshot is not None and now - self._checked_at < self._refresh_seconds:
                return self._snapshot
            session = self._sessions()
            try:
                stamp = _stamp(session)
                if self._snapshot is None or stamp != self._stamp:
                    self._snapshot = _load(session, self._dimension)
                    self._stamp = stamp
            finally:
                session.close()
            self._checked_at = now
            return self._snapshot
