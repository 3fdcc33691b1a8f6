"""Article search in three modes (keyword, semantic, hybrid) over the two indexes.

The query is encoded on a helper thread while whoosh scores on this one: torch releases
the GIL, so the two legs of a hybrid search overlap on a two-core machine.
"""

from __future__ import annotations

import enum
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from knowledge.embedding import Embedder, Vectors
from knowledge.fusion import FusionSettings, fuse
from knowledge.keyword import Filters, KeywordIndex
from knowledge.vectors import ArticleMeta, Snapshot, VectorStore


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


class ArticleSearcher:
    """Runs one query against the keyword index and the vector snapshot."""

    def __init__(
        self,
        keyword_index: KeywordIndex,
        vectors: VectorStore,
        embedder: Embedder,
        settings: FusionSettings | None = None,
    ) -> None:
        self.keyword_index = keyword_index
        self.vectors = vectors
        self.embedder = embedder
        self.settings = settings or FusionSettings()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-encode")

    def encode_query(self, text: str) -> Vectors:
        return np.asarray(self.embedder.encode([text])[0], dtype=np.float32)

    def search(self, text: str, mode: Mode, filters: Filters, limit: int = 10) -> SearchResponse:
        """The best `limit` articles for `text` under `filters`."""
        text = text.strip()
        if not text:
            return SearchResponse(query=text, mode=mode)
        encoding: Future[Vectors] | None = None
        if mode is not Mode.KEYWORD:
            encoding = self._pool.submit(self.encode_query, text)
        keyword: list[tuple[int, float]] = []
        identifier_hits: set[int] = set()
        if mode is not Mode.SEMANTIC:
            keyword = self.keyword_index.search(
                text, filters, limit=max(limit, self.settings.keyword_candidates)
            )
            identifier_hits = self.keyword_index.identifier_matches(text, filters)
        if encoding is None:
            return self._keyword_response(text, keyword, identifier_hits, limit)
        snapshot = self.vectors.snapshot()
        return self._vector_response(
            text, mode, snapshot, encoding.result(), keyword, identifier_hits, filters, limit
        )

    def _keyword_response(
        self, text: str, keyword: list[tuple[int, float]], identifier_hits: set[int], limit: int
    ) -> SearchResponse:
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

    def _vector_response(
        self,
        text: str,
        mode: Mode,
        snapshot: Snapshot,
        query: Vectors,
        keyword: list[tuple[int, float]],
        identifier_hits: set[int],
        filters: Filters,
        limit: int,
    ) -> SearchResponse:
        passage_scores, article_scores = snapshot.article_scores(query)
        allowed = allowed_groups(snapshot, filters)
        masked = np.where(allowed, article_scores, -np.inf)
        wanted = max(limit, self.settings.semantic_candidates)
        top = _top_groups(masked, wanted)
        group_of = {int(snapshot.article_ids[g]): int(g) for g in top}
        if mode is Mode.SEMANTIC:
            ranked = [(int(snapshot.article_ids[g]), float(masked[g])) for g in top]
            threshold = self.settings.semantic_threshold
        else:
            group_of.update(_groups_of(snapshot, [aid for aid, _ in keyword] + [*identifier_hits]))
            cosines = {aid: float(article_scores[g]) for aid, g in group_of.items()}
            ranked = fuse(cosines, keyword, identifier_hits, self.settings)
            threshold = self.settings.hybrid_threshold
        keyword_scores = dict(keyword)
        hits: list[Hit] = []
        for aid, score in ranked[:limit]:
            group = group_of.get(aid)
            meta = snapshot.articles.get(aid)
            if group is None or meta is None:
                continue
            hits.append(
                _hit(
                    meta,
                    score,
                    keyword_score=keyword_scores.get(aid),
                    semantic_score=float(article_scores[group]),
                    passage_id=snapshot.best_passage(passage_scores, group),
                )
            )
        confident = bool(hits) and (
            hits[0].score >= threshold or hits[0].article_id in identifier_hits
        )
        return SearchResponse(query=text, mode=mode, hits=hits, no_answer=not confident)


def _hit(meta: ArticleMeta, score: float, **extra: float | int | None) -> Hit:
    return Hit(article_id=meta.article_id, key=meta.key, title=meta.title, score=score, **extra)  # type: ignore[arg-type]


def _top_groups(scores: np.ndarray, count: int) -> list[int]:
    finite = int(np.isfinite(scores).sum())
    count = min(count, finite)
    if count <= 0:
        return []
    part = np.argpartition(-scores, count - 1)[:count]
    return [int(g) for g in part[np.argsort(-scores[part], kind="stable")]]


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
