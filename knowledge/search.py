"""Article search in three modes (keyword, semantic, hybrid) over the two indexes.

A hybrid search runs in sequence: encode the query (one torch thread), score every
passage (one BLAS thread), add identifier matches and feedback, and only then, if BM25
could still change the best article, score the keyword leg. Running whoosh alongside the
encoder on a helper thread was slower: the encoder's many small torch calls each wait for
the GIL that whoosh's pure-Python scoring holds (measured: encode 15 ms alone, 230 ms
next to whoosh on 2 loaded cores).
"""

from __future__ import annotations

import enum
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from knowledge.embedding import Embedder, Vectors
from knowledge.feedback import FeedbackPriors
from knowledge.fusion import FusionSettings, base_scores, fuse, keyword_can_change_top
from knowledge.keyword import Filters, KeywordIndex
from knowledge.vectors import ArticleMeta, Snapshot, VectorStore

RECENT_QUERIES = 256
_blas: ThreadpoolController | None = None


def one_blas_thread() -> AbstractContextManager[Any]:
    """One BLAS thread for a matrix-vector product: it is memory bound, and a second
    thread only spins against the web workers and the encoder on two cores."""
    global _blas
    if _blas is None:
        _blas = ThreadpoolController()
    limiter: AbstractContextManager[Any] = _blas.limit(limits=1, user_api="blas")
    return limiter


class Mode(enum.StrEnum):
    KEYWORD = "keyword"
    SEMANTIC = "semantic"
    HYBRID = "hybrid"


class Audience(enum.StrEnum):
    """Who is reading: the portal (and chat widget) sees public articles only."""

    PORTAL = "portal"
    AGENT = "agent"


def filters_for(audience: Audience, locale: str | None, category: str | None) -> Filters:
    """The filters an audience is allowed; the portal never sees internal articles."""
    visibilities = ("public",) if audience is Audience.PORTAL else ("public", "internal")
    return Filters(locale=locale, category=category, visibilities=visibilities)


@dataclass(frozen=True)
class Hit:
    """One article in a result list."""

    article_id: int
    key: str
    title: str
    score: float
    keyword_score: float | None = None
    semantic_score: float | None = None
    passage_id: int | None = None
    snippet: str = ""


@dataclass
class SearchResponse:
    """Ranked hits and whether the best of them is good enough to show as an answer."""

    query: str
    mode: Mode
    hits: list[Hit] = field(default_factory=list)
    no_answer: bool = True

    @property
    def answers(self) -> list[Hit]:
        """The hits to show a reader: none when there is no confident answer."""
        return [] if self.no_answer else self.hits


@dataclass
class SemanticCandidates:
    """The semantic leg's result: every passage's cosine and the best allowed articles."""

    snapshot: Snapshot
    passage_scores: Vectors
    article_scores: Vectors
    group_of: dict[int, int]  # article id -> its group in the snapshot
    # The lowest cosine among the candidates when more articles were left out, else -inf.
    cutoff: float

    def add_articles(self, article_ids: Iterable[int]) -> None:
        """Make articles found by another leg known, with their cosine."""
        missing = [aid for aid in article_ids if aid not in self.group_of]
        self.group_of.update(_groups_of(self.snapshot, missing))

    def cosines(self) -> dict[int, float]:
        return {aid: float(self.article_scores[g]) for aid, g in self.group_of.items()}


class ArticleSearcher:
    """Runs one query against the keyword index and the vector snapshot."""

    def __init__(
        self,
        keyword_index: KeywordIndex,
        vectors: VectorStore,
        embedder: Embedder,
        settings: FusionSettings | None = None,
        feedback: FeedbackPriors | None = None,
    ) -> None:
        self.keyword_index = keyword_index
        self.vectors = vectors
        self.embedder = embedder
        self.settings = settings or FusionSettings()
        self.feedback = feedback
        self.query_cache_size = RECENT_QUERIES  # benchmarks set 0 to time every encode
        self._recent_queries: OrderedDict[str, Vectors] = OrderedDict()
        self._recent_lock = threading.Lock()

    def prepare_queries(self, texts: Sequence[str]) -> None:
        """Encode queries about to be searched in one batch (several times faster per text
        than one by one); `encode_query` then finds them among the recent ones."""
        with self._recent_lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._recent_queries]
        if not missing or self.query_cache_size < len(missing):
            return
        vectors = np.asarray(self.embedder.encode(missing), dtype=np.float32)
        with self._recent_lock:
            for text, vector in zip(missing, vectors, strict=True):
                self._recent_queries[text] = vector
            while len(self._recent_queries) > self.query_cache_size:
                self._recent_queries.popitem(last=False)

    def encode_query(self, text: str) -> Vectors:
        """The query's vector; recent queries are remembered (suggestions search articles
        and solved requests with the same text, portal readers repeat questions)."""
        with self._recent_lock:
            vector = self._recent_queries.get(text)
            if vector is not None:
                self._recent_queries.move_to_end(text)
                return vector
        vector = np.asarray(self.embedder.encode([text])[0], dtype=np.float32)
        with self._recent_lock:
            self._recent_queries[text] = vector
            while len(self._recent_queries) > self.query_cache_size:
                self._recent_queries.popitem(last=False)
        return vector

    def search(self, text: str, mode: Mode, filters: Filters, limit: int = 10) -> SearchResponse:
        """The best `limit` articles for `text` under `filters`."""
        text = text.strip()
        if not text:
            return SearchResponse(query=text, mode=mode)
        if mode is Mode.KEYWORD:
            return self._keyword_response(text, filters, limit)
        wanted = max(limit, self.settings.semantic_candidates)
        semantic = self.semantic_candidates(self.encode_query(text), filters, wanted)
        if mode is Mode.SEMANTIC:
            ranked = sorted(semantic.cosines().items(), key=lambda pair: (-pair[1], pair[0]))
            return self._response(text, mode, semantic, ranked, {}, set(), limit)
        ranked, keyword, identifier_hits = self._hybrid(text, filters, limit, semantic)
        return self._response(text, mode, semantic, ranked, dict(keyword), identifier_hits, limit)

    def semantic_candidates(
        self, query: Vectors, filters: Filters, wanted: int
    ) -> SemanticCandidates:
        """The `wanted` allowed articles closest to the query vector."""
        snapshot = self.vectors.snapshot()
        with one_blas_thread():
            passage_scores, article_scores = snapshot.article_scores(query)
        masked = np.where(allowed_groups(snapshot, filters), article_scores, -np.inf)
        top, more_left = _top_groups(masked, wanted)
        group_of = {int(snapshot.article_ids[g]): g for g in top}
        cutoff = float(masked[top[-1]]) if top and more_left else float("-inf")
        return SemanticCandidates(snapshot, passage_scores, article_scores, group_of, cutoff)

    def _hybrid(
        self, text: str, filters: Filters, limit: int, semantic: SemanticCandidates
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]], set[int]]:
        """Fused ranking, the keyword scores (empty when skipped) and identifier matches."""
        settings = self.settings
        identifier_hits = self.keyword_index.identifier_matches(text, filters)
        semantic.add_articles(identifier_hits)
        feedback = self.feedback.signals() if self.feedback is not None else {}
        cosines = semantic.cosines()
        base = base_scores(cosines, set(cosines), identifier_hits, settings, feedback)
        outsider_bound = semantic.cutoff + settings.feedback_weight
        keyword: list[tuple[int, float]] = []
        if keyword_can_change_top(base, settings, outsider_bound):
            keyword = self._keyword_leg(text, filters, limit, semantic)
            cosines = semantic.cosines()
        ranked = fuse(cosines, keyword, identifier_hits, settings, feedback)
        return ranked, keyword, identifier_hits

    def _keyword_leg(
        self, text: str, filters: Filters, limit: int, semantic: SemanticCandidates
    ) -> list[tuple[int, float]]:
        if self.settings.keyword_over_candidates:
            return self.keyword_index.score_articles(text, list(semantic.group_of))
        wanted = max(limit, self.settings.keyword_candidates)
        keyword = self.keyword_index.search(text, filters, limit=wanted)
        semantic.add_articles(aid for aid, _ in keyword)
        return keyword

    def _keyword_response(self, text: str, filters: Filters, limit: int) -> SearchResponse:
        wanted = max(limit, self.settings.keyword_candidates)
        keyword = self.keyword_index.search(text, filters, limit=wanted)
        identifier_hits = self.keyword_index.identifier_matches(text, filters)
        articles = self.vectors.snapshot().articles
        ranked = sorted(
            keyword,
            key=lambda pair: (pair[0] not in identifier_hits, -pair[1], pair[0]),
        )
        hits = [
            _hit(articles[aid], score, keyword_score=score)
            for aid, score in ranked
            if aid in articles
        ][:limit]
        return SearchResponse(query=text, mode=Mode.KEYWORD, hits=hits, no_answer=not hits)

    def _response(
        self,
        text: str,
        mode: Mode,
        semantic: SemanticCandidates,
        ranked: list[tuple[int, float]],
        keyword_scores: dict[int, float],
        identifier_hits: set[int],
        limit: int,
    ) -> SearchResponse:
        snapshot = semantic.snapshot
        hits: list[Hit] = []
        for aid, score in ranked:
            group = semantic.group_of.get(aid)
            meta = snapshot.articles.get(aid)
            if group is None or meta is None:
                continue
            hits.append(
                _hit(
                    meta,
                    score,
                    keyword_score=keyword_scores.get(aid),
                    semantic_score=float(semantic.article_scores[group]),
                    passage_id=snapshot.best_passage(semantic.passage_scores, group),
                )
            )
            if len(hits) == limit:
                break
        threshold = (
            self.settings.semantic_threshold
            if mode is Mode.SEMANTIC
            else self.settings.hybrid_threshold
        )
        confident = bool(hits) and (
            hits[0].score >= threshold or hits[0].article_id in identifier_hits
        )
        return SearchResponse(query=text, mode=mode, hits=hits, no_answer=not confident)


def _hit(meta: ArticleMeta, score: float, **extra: float | int | None) -> Hit:
    return Hit(article_id=meta.article_id, key=meta.key, title=meta.title, score=score, **extra)  # type: ignore[arg-type]


def _top_groups(scores: np.ndarray, count: int) -> tuple[list[int], bool]:
    """The best `count` finite groups, best first, and whether finite ones were left out."""
    finite = int(np.isfinite(scores).sum())
    taken = min(count, finite)
    if taken <= 0:
        return [], False
    part = np.argpartition(-scores, taken - 1)[:taken]
    return [int(g) for g in part[np.argsort(-scores[part], kind="stable")]], finite > taken


def _groups_of(snapshot: Snapshot, article_ids: list[int]) -> dict[int, int]:
    if not article_ids or len(snapshot.article_ids) == 0:
        return {}
    wanted = np.array(article_ids, dtype=np.int64)
    positions = np.searchsorted(snapshot.article_ids, wanted)
    positions = np.clip(positions, 0, len(snapshot.article_ids) - 1)
    found = snapshot.article_ids[positions] == wanted
    return {int(a): int(p) for a, p, ok in zip(wanted, positions, found, strict=True) if ok}


def allowed_groups(snapshot: Snapshot, filters: Filters) -> np.ndarray:
    """A boolean mask over the snapshot's article groups, cached per filter."""
    mask = snapshot.mask_cache.get(filters)
    if mask is None:
        mask = np.zeros(len(snapshot.article_ids), dtype=bool)
        for group, aid in enumerate(snapshot.article_ids.tolist()):
            meta = snapshot.articles.get(aid)
            mask[group] = meta is not None and _passes(meta, filters)
        snapshot.mask_cache[filters] = mask
    return mask


def _passes(meta: ArticleMeta, filters: Filters) -> bool:
    if meta.visibility not in filters.visibilities:
        return False
    if filters.locale and meta.locale != filters.locale:
        return False
    return not (filters.category and meta.category != filters.category)
