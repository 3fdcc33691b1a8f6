"""The whoosh keyword index: BM25F over title and body, identifiers as exact terms.

Queries are built from analysed tokens as `Term` objects, never through whoosh's query
parser (which reads user text as syntax: `mean?` is a wildcard, `help:` a field name).
Scoring is pure Python and its cost grows with the posting lists a query touches, so a
query keeps only its rarest terms. One searcher per process is kept open and refreshed
when the index changed (the writer may be another process: the `knowledge` queue worker).
A full rebuild fills a new generation directory and swaps it in (`knowledge.generations`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.query import And, Or, Query, Term

from knowledge import generations
from knowledge.text import identifiers, mixed_analyzer

TITLE_BOOST = 2.5
IDENTIFIER_BOOST = 8.0
ALL_FIELDS = ("title", "body", "tags")
# Short fields only: posting lists stay short, so scoring stays fast at any corpus size.
SHORT_FIELDS = ("title", "tags")


@dataclass(frozen=True)
class KeywordDoc:
    """What the keyword index stores for one published article."""

    article_id: int
    title: str
    body: str
    tags: str
    locale: str
    category: str
    visibility: str


@dataclass(frozen=True)
class Filters:
    """Restrictions on which articles may match; None means any."""

    locale: str | None = None
    category: str | None = None
    visibilities: tuple[str, ...] = ("public", "internal")


def build_schema() -> Schema:
    analyzer = mixed_analyzer()
    return Schema(
        article_id=ID(stored=True, unique=True),
        title=TEXT(analyzer=analyzer),
        body=TEXT(analyzer=analyzer),
        tags=TEXT(analyzer=analyzer),
        ident=KEYWORD(lowercase=True, scorable=True),
        locale=ID,
        category=ID,
        visibility=ID,
    )


class KeywordIndex:
    """A whoosh index directory with one shared, refreshed searcher."""

    def __init__(
        self,
        directory: Path,
        max_terms: int = 6,
        posting_budget: int = 3000,
        refresh_seconds: float = 1.0,
    ) -> None:
        self.directory = Path(directory)
        self.max_terms = max_terms
        self.posting_budget = posting_budget
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._index: Any = None
        self._location: Path | None = None
        self._searcher: Any = None
        self._checked_at = 0.0
        self._filter_cache: dict[Filters, set[int]] = {}
        self._docnums: dict[int, int | None] = {}  # article id -> whoosh document number
        self._analyzer = mixed_analyzer()

    # -- writing ---------------------------------------------------------------------------
    def _open(self) -> Any:
        if self._index is None:
            location = generations.current_generation(self.directory)
            location.mkdir(parents=True, exist_ok=True)
            if whoosh_index.exists_in(str(location)):
                self._index = whoosh_index.open_dir(str(location))
            else:
                self._index = whoosh_index.create_in(str(location), build_schema())
            self._location = location
        return self._index

    def _follow_pointer(self) -> None:
        # A rebuild (maybe in another process) swapped a new generation in.
        if self._index is not None and generations.current_generation(self.directory) != (
            self._location
        ):
            self._close_searcher()
            self._index = None

    def write(self, upserts: Iterable[KeywordDoc], deletions: Iterable[int] = ()) -> None:
        """Add or replace documents and delete others, in one commit (one writer at a time)."""
        with generations.writer_lock(self.directory):
            with self._lock:
                self._follow_pointer()
                index = self._open()
            _commit(index, upserts, deletions)
        self._checked_at = 0.0  # our own change: refresh on the next search

    def new_build(self) -> GenerationBuild:
        """An empty new generation to fill; searches keep reading the live one."""
        return GenerationBuild(generations.new_generation(self.directory))

    def swap_in(self, build: GenerationBuild, catch_up: Callable[[GenerationBuild], None]) -> None:
        """Under the writer lock: let `catch_up` add what changed during the build, then
        make the build live. Writers that waited meanwhile write to the new generation."""
        with generations.writer_lock(self.directory):
            try:
                catch_up(build)
                build.index.optimize()
            except BaseException:
                generations.discard(build.path)
                raise
            generations.publish(self.directory, build.path)
        with self._lock:
            self._close_searcher()
            self._index = None
            self._checked_at = 0.0

    def recreate(self) -> None:
        """Swap in an empty generation (benchmarks fill it with `write`)."""
        self.swap_in(self.new_build(), lambda build: None)

    def optimize(self) -> None:
        """Merge every segment into one: fewer, longer posting lists score faster."""
        with generations.writer_lock(self.directory):
            with self._lock:
                self._follow_pointer()
                index = self._open()
            index.optimize()
        self._checked_at = 0.0

    # -- reading ---------------------------------------------------------------------------
    def searcher(self) -> Any:
        """The shared searcher, refreshed at most once per `refresh_seconds`."""
        with self._lock:
            now = time.monotonic()
            if self._searcher is not None and now - self._checked_at < self._refresh_seconds:
                return self._searcher
            self._checked_at = now
            self._follow_pointer()
            if self._searcher is None:
                self._searcher = self._open().searcher(weighting=_weighting())
                self._filter_cache, self._docnums = {}, {}
            elif not self._searcher.up_to_date():
                # whoosh cannot refresh a searcher opened on an empty index (its
                # EmptyReader has no segments to reuse), so open a fresh one.
                stale = self._searcher
                self._searcher = self._open().searcher(weighting=_weighting())
                stale.close()
                self._filter_cache, self._docnums = {}, {}
            return self._searcher

    def close(self) -> None:
        with self._lock:
            self._close_searcher()
            self._index = None

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def analyze(self, text: str) -> list[str]:
        """The index terms of a text, in order, with duplicates."""
        return [token.text for token in self._analyzer(text)]

    def search(
        self, text: str, filters: Filters, limit: int = 50, fields: tuple[str, ...] = ALL_FIELDS
    ) -> list[tuple[int, float]]:
        """(article id, BM25F score) pairs, best first, matching in `fields`."""
        searcher = self.searcher()
        query = self.build_query(searcher, text, fields)
        if query is None:
            return []
        allowed = self._allowed(searcher, filters)
        if not allowed:
            return []
        hits = searcher.search(query, limit=limit, filter=allowed)
        return [(int(hit["article_id"]), float(hit.score)) for hit in hits]

    def score_articles(self, text: str, article_ids: Iterable[int]) -> list[tuple[int, float]]:
        """BM25F scores (the query `search` runs) of these articles only, best first.

        Each term's posting list is walked with `skip_to` over the candidates' sorted
        document numbers, so the cost follows the candidates, not the posting lengths.
        """
        searcher = self.searcher()
        query = self.build_query(searcher, text)
        articles = self._document_numbers(searcher, article_ids)
        if query is None or not articles:
            return []
        ordered = sorted(articles)
        scores: dict[int, float] = {}
        for clause in query.subqueries:
            matcher = clause.matcher(searcher)
            for docnum in ordered:
                if not matcher.is_active():
                    break
                if matcher.id() < docnum:
                    matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    scores[docnum] = scores.get(docnum, 0.0) + matcher.score()
        ranked = [(articles[docnum], score) for docnum, score in scores.items()]
        return sorted(ranked, key=lambda pair: (-pair[1], pair[0]))

    def _document_numbers(self, searcher: Any, article_ids: Iterable[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for article_id in article_ids:
            if article_id not in self._docnums:
                docnum = searcher.document_number(article_id=str(article_id))
                self._docnums[article_id] = docnum
            docnum = self._docnums[article_id]
            if docnum is not None:
                found[docnum] = article_id
        return found

    def identifier_matches(self, text: str, filters: Filters) -> set[int]:
        """Articles containing every identifier (error code, SKU, order number) in the text."""
        codes = identifiers(text)
        if not codes:
            return set()
        searcher = self.searcher()
        query = And([Term("ident", code) for code in codes])
        docs = set(searcher.docs_for_query(query)) & self._allowed(searcher, filters)
        return {int(searcher.stored_fields(doc)["article_id"]) for doc in docs}

    def build_query(
        self, searcher: Any, text: str, fields: tuple[str, ...] = ALL_FIELDS
    ) -> Query | None:
        """OR of the rarest query terms in title (boosted) and body, plus identifiers."""
        terms = self._rarest_terms(searcher, self.analyze(text))
        budget = self.posting_budget
        clauses: list[Query] = []
        for term in terms:
            for field in fields:
                if field == "body":
                    # Bodies are long and common words touch most documents: add a body
                    # clause only while the postings it costs fit the budget.
                    postings = searcher.doc_frequency("body", term)
                    if postings > budget:
                        continue
                    budget -= postings
                boost = TITLE_BOOST if field == "title" else 1.0
                clauses.append(Term(field, term, boost=boost))
        clauses.extend(Term("ident", code, boost=IDENTIFIER_BOOST) for code in identifiers(text))
        return Or(clauses) if clauses else None

    def _rarest_terms(self, searcher: Any, terms: Sequence[str]) -> list[str]:
        total = max(searcher.doc_count(), 1)
        scored: list[tuple[float, str]] = []
        for term in dict.fromkeys(terms):
            frequency = searcher.doc_frequency("body", term) + searcher.doc_frequency("title", term)
            if frequency:
                scored.append((math.log(1 + total / frequency), term))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [term for _, term in scored[: self.max_terms]]

    def _allowed(self, searcher: Any, filters: Filters) -> set[int]:
        # A plain set: whoosh accepts it as a filter (not a frozenset); never mutated.
        cached = self._filter_cache.get(filters)
        if cached is None:
            clauses: list[Query] = [Or([Term("visibility", v) for v in filters.visibilities])]
            if filters.locale:
                clauses.append(Term("locale", filters.locale))
            if filters.category:
                clauses.append(Term("category", filters.category))
            cached = set(searcher.docs_for_query(And(clauses)))
            self._filter_cache[filters] = cached
        return cached

    def stored_ids(self) -> list[int]:
        """Every article id in the index (for checks and tests)."""
        searcher = self.searcher()
        return sorted(int(fields["article_id"]) for fields in searcher.all_stored_fields())


class GenerationBuild:
    """A new index generation being filled, invisible to searches until swapped in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index = whoosh_index.create_in(str(path), build_schema())

    def write(self, upserts: Iterable[KeywordDoc], deletions: Iterable[int] = ()) -> None:
        _commit(self.index, upserts, deletions)


def _commit(index: Any, upserts: Iterable[KeywordDoc], deletions: Iterable[int]) -> None:
    writer = index.writer(timeout=30.0, limitmb=256)
    try:
        for article_id in deletions:
            writer.delete_by_term("article_id", str(article_id))
        for doc in upserts:
            writer.update_document(**_fields(doc))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _weighting() -> Any:
    # Titles are short; normalise their length less than bodies (BM25F per-field B).
    return scoring.BM25F(B=0.75, K1=1.2, title_B=0.4)


def _fields(doc: KeywordDoc) -> dict[str, str]:
    codes = identifiers(f"{doc.title}\n{doc.body}\n{doc.tags}")
    return {
        "article_id": str(doc.article_id),
        "title": doc.title,
        "body": doc.body,
        "tags": doc.tags,
        "ident": " ".join(codes),
        "locale": doc.locale,
        "category": doc.category,
        "visibility": doc.visibility,
    }
