"""`KnowledgeBase`: the one object the web app, the CLI and the workers talk to.

It owns the process's keyword index handle, vector snapshot and searcher. Search-side
methods open their own short sessions; index-side methods are thin wrappers over
`knowledge.indexing` so an rq job can call either.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from knowledge import indexing
from knowledge.embedding import Embedder
from knowledge.feedback import FeedbackPriors
from knowledge.fusion import FusionSettings
from knowledge.keyword import KeywordIndex
from knowledge.models import Passage, SearchLog, SolvedRequestDoc
from knowledge.search import (
    ArticleSearcher,
    Audience,
    Hit,
    Mode,
    SearchResponse,
    filters_for,
)
from knowledge.snippets import best_passage, highlight, query_terms
from knowledge.text import normalize_query
from knowledge.vectors import VectorStore

# Built once: every suggestion runs it, and building a statement cost more than running it.
_SNIPPET_PASSAGES = (
    select(Passage.id, Passage.article_id, Passage.text)
    .where(
        or_(
            Passage.id.in_(bindparam("known", expanding=True)),
            Passage.article_id.in_(bindparam("unknown", expanding=True)),
        )
    )
    .order_by(Passage.article_id, Passage.ordinal)
)


@dataclass(frozen=True)
class SolvedMatch:
    """A similar solved request (agents only)."""

    request_id: int
    subject: str
    answer: str
    score: float


@dataclass
class Suggestions:
    """What the console shows next to a request."""

    articles: SearchResponse
    solved_requests: list[SolvedMatch] = field(default_factory=list)


EMPTY_RECHECK_S = 10.0


class KnowledgeBase:
    """Search, suggestions and index maintenance over one database and index directory."""

    def __init__(
        self,
        session_factory: Callable[[], Session],
        index_dir: Path,
        embedder: Embedder,
        settings: FusionSettings | None = None,
        query_embedder: Embedder | None = None,
    ) -> None:
        """`embedder` encodes the passages and solved requests; `query_embedder` (by default
        the same) the searched texts: a cheaper encoder of the same model (int8 weights)
        serves queries without re-encoding the index (see `knowledge.embedding`)."""
        self._sessions = session_factory
        self.embedder = embedder
        self.keyword_index = KeywordIndex(index_dir)
        self.vectors = VectorStore(session_factory, embedder.dimension)
        self.feedback = FeedbackPriors(session_factory)
        self.searcher = ArticleSearcher(
            self.keyword_index, self.vectors, query_embedder or embedder, settings, self.feedback
        )
        self._has_content: bool | None = None
        self._empty_until = 0.0

    # -- presence --------------------------------------------------------------------------
    def has_content(self) -> bool:
        """Whether any article passage or solved request is indexed.

        Asked before every suggestion (once per chat message), so the answer is kept: a yes
        until this process changes the index, a no for `EMPTY_RECHECK_S` because another
        process (an rq worker) may index the first article meanwhile.
        """
        if self._has_content or (
            self._has_content is False and time.monotonic() < self._empty_until
        ):
            return bool(self._has_content)
        with self._sessions() as session:
            articles = session.scalar(select(Passage.id).limit(1))
            found = (
                articles is not None
                or session.scalar(select(SolvedRequestDoc.request_id).limit(1)) is not None
            )
        self._has_content = found
        self._empty_until = time.monotonic() + EMPTY_RECHECK_S
        return found

    def _index_changed(self) -> None:
        self.vectors.invalidate()
        self._has_content = None

    # -- search ----------------------------------------------------------------------------
    def search(
        self,
        text: str,
        *,
        mode: Mode | str = Mode.HYBRID,
        audience: Audience | str = Audience.PORTAL,
        locale: str | None = None,
        category: str | None = None,
        limit: int = 10,
        snippets: bool = True,
        log: bool = True,
        source: str = "search",
    ) -> SearchResponse:
        """Ranked articles for a reader; the portal audience never sees internal articles."""
        mode, audience = Mode(mode), Audience(audience)
        filters = filters_for(audience, locale, category)
        response = self.searcher.search(text, mode, filters, limit=limit)
        if snippets and response.hits:
            response.hits = self._with_snippets(text, response.hits)
        if log and text.strip():
            self._log(response, audience, source)
        return response

    def prepare_queries(self, texts: list[str]) -> None:
        """Encode texts about to be searched in one batch (see `ArticleSearcher`)."""
        self.searcher.prepare_queries([t for t in texts if t.strip()])

    def suggest_for_text(
        self, text: str, *, limit: int = 5, locale: str | None = None, log: bool = True
    ) -> Suggestions:
        """Articles (public and internal) and similar solved requests for an agent."""
        articles = self.search(
            text, audience=Audience.AGENT, locale=locale, limit=limit, log=log, source="suggest"
        )
        return Suggestions(articles=articles, solved_requests=self.similar_solved_requests(text))

    def similar_solved_requests(
        self, text: str, *, limit: int = 3, min_score: float = 0.45
    ) -> list[SolvedMatch]:
        """The solved requests closest in meaning to `text` (never shown on the portal)."""
        snapshot = self.vectors.snapshot()
        if not text.strip() or len(snapshot.solved_request_ids) == 0:
            return []
        scores = snapshot.solved_matrix @ self.searcher.encode_query(text)
        order = np.argsort(-scores, kind="stable")[:limit]
        picked = {int(snapshot.solved_request_ids[i]): float(scores[i]) for i in order}
        picked = {rid: score for rid, score in picked.items() if score >= min_score}
        if not picked:
            return []
        with self._sessions() as session:
            docs = session.scalars(
                select(SolvedRequestDoc).where(SolvedRequestDoc.request_id.in_(picked))
            ).all()
        matches = [
            SolvedMatch(d.request_id, d.subject, d.answer, picked[d.request_id]) for d in docs
        ]
        return sorted(matches, key=lambda m: (-m.score, m.request_id))

    def _with_snippets(self, text: str, hits: list[Hit]) -> list[Hit]:
        terms = query_terms(text)
        # Semantic hits know their best passage; only keyword hits need all of theirs.
        known = [hit.passage_id for hit in hits if hit.passage_id is not None]
        unknown = [hit.article_id for hit in hits if hit.passage_id is None]
        with self._sessions() as session:
            rows = session.execute(_SNIPPET_PASSAGES, {"known": known, "unknown": unknown}).all()
        by_id = {row[0]: row[2] for row in rows}
        by_article: dict[int, list[tuple[int, str]]] = {}
        for row_id, article_id, passage_text in rows:
            by_article.setdefault(article_id, []).append((row_id, passage_text))
        out: list[Hit] = []
        for hit in hits:
            passage_id = hit.passage_id
            if passage_id not in by_id and by_article.get(hit.article_id):
                candidates = by_article[hit.article_id]
                passage_id = candidates[best_passage([p for _, p in candidates], terms)][0]
            text_of = by_id.get(passage_id) if passage_id is not None else None
            snippet = highlight(text_of, terms) if text_of is not None else ""
            out.append(replace(hit, passage_id=passage_id, snippet=snippet))
        return out

    def _log(self, response: SearchResponse, audience: Audience, source: str) -> None:
        with self._sessions() as session:
            self.log_search(session, response, audience, source)
            session.commit()

    @staticmethod
    def log_search(
        session: Session, response: SearchResponse, audience: Audience | str, source: str
    ) -> None:
        """Add the search-log row of a search to `session` (the caller commits): a
        caller that writes anyway logs in its own transaction."""
        session.add(
            SearchLog(
                query=response.query[:2000],
                normalized_query=normalize_query(response.query),
                mode=response.mode.value,
                audience=Audience(audience).value,
                source=source,
                top_score=response.hits[0].score if response.hits else None,
                result_ids=[hit.key for hit in response.hits],
                no_answer=response.no_answer,
            )
        )

    # -- index maintenance -----------------------------------------------------------------
    def index_article(self, article_id: int) -> None:
        """Re-index one article after it changed (the `knowledge` queue job)."""
        with self._sessions() as session:
            indexing.index_article(session, self.keyword_index, self.embedder, article_id)
        self._index_changed()

    def index_articles(self, article_ids: list[int]) -> None:
        """Re-index many articles in one batch (after an import)."""
        with self._sessions() as session:
            indexing.index_articles(session, self.keyword_index, self.embedder, article_ids)
        self._index_changed()

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> indexing.RebuildReport:
        """Rebuild whoosh and the passages from SQL (`servicedesk kb reindex`); searches and
        incremental updates keep working meanwhile (see `indexing.rebuild_index`)."""
        with self._sessions() as session:
            report = indexing.rebuild_index(
                session, self.keyword_index, self.embedder, progress=progress
            )
        self._index_changed()
        return report

    def index_solved_request(
        self, request_id: int, *, subject: str, question: str, answer: str
    ) -> None:
        """Remember a solved request for "similar solved requests"."""
        with self._sessions() as session:
            indexing.index_solved_request(
                session,
                self.embedder,
                request_id,
                subject=subject,
                question=question,
                answer=answer,
            )
        self._index_changed()

    def remove_solved_request(self, request_id: int) -> None:
        with self._sessions() as session:
            indexing.remove_solved_request(session, request_id)
        self._index_changed()

    def close(self) -> None:
        self.keyword_index.close()
