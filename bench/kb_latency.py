"""Search latency at scale: 10,000 synthetic articles built from real FAQ sentences.

    python -m bench.kb_latency [--data ../shared/data] [--articles 10000] --json-out FILE

Article text is sampled from StackFAQ sentences (real vocabulary, ~400 words each);
passage embeddings are random unit vectors (encoding 50k passages would take an hour and
does not change the cost of a dot product); the queries are real StackFAQ questions,
encoded by the real model on every search, as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select

from bench.kb_common import load_stackfaq, split_queries
from crm_core.db import make_engine, make_session_factory
from knowledge.embedding import MiniLMEmbedder
from knowledge.fusion import FusionSettings
from knowledge.indexing import _hash, bump_index_version, keyword_doc, passage_texts
from knowledge.models import Article, ArticleStatus, Passage, Visibility
from knowledge.service import KnowledgeBase
from servicedesk import migrate


def synthetic_articles(data_dir: Path, count: int, seed: int = 7) -> list[dict[str, Any]]:
    data = load_stackfaq(data_dir)
    sentences = [
        s.strip()
        for record in data.corpus
        for s in re.split(r"(?<=[.!?])\s+", record["text"])
        if 5 <= len(s.split()) <= 60
    ]
    titles = [record["title"] for record in data.corpus]
    rng = random.Random(seed)
    articles = []
    for number in range(count):
        words, body = 0, []
        while words < 400:
            sentence = rng.choice(sentences)
            body.append(sentence)
            words += len(sentence.split())
        if number % 50 == 0:
            body.append(f"Error code ERR-{number:05d} means the request was rejected.")
        articles.append(
            {
                "external_key": f"syn{number:05d}",
                "title": f"{rng.choice(titles)} ({number})",
                "body": " ".join(body),
                "visibility": Visibility.INTERNAL if number % 10 == 0 else Visibility.PUBLIC,
            }
        )
    return articles


def populate(
    workdir: Path, kb: KnowledgeBase, sessions: Any, articles: list[dict[str, Any]]
) -> float:
    """Insert articles and random-vector passages, build whoosh; returns build seconds."""
    rng = np.random.default_rng(7)
    with sessions() as session:
        session.execute(
            insert(Article),
            [
                {**a, "summary": "", "tags": [], "locale": "en", "status": ArticleStatus.PUBLISHED}
                for a in articles
            ],
        )
        session.commit()
        rows = session.scalars(select(Article)).all()
        passages = []
        for article in rows:
            for ordinal, text in enumerate(passage_texts(article)):
                vector = rng.standard_normal(kb.embedder.dimension).astype(np.float32)
                vector /= np.linalg.norm(vector)
                passages.append(
                    {
                        "article_id": article.id,
                        "ordinal": ordinal,
                        "text": text,
                        "content_hash": _hash(kb.embedder, text),
                        "embedding": vector.tobytes(),
                    }
                )
        session.execute(insert(Passage), passages)
        bump_index_version(session)
        session.commit()
        started = time.perf_counter()
        kb.keyword_index.recreate()
        for start in range(0, len(rows), 1000):
            kb.keyword_index.write([keyword_doc(a) for a in rows[start : start + 1000]])
        kb.keyword_index.optimize()
        return time.perf_counter() - started


def side_by_side(
    kb: KnowledgeBase,
    variants: dict[str, tuple[FusionSettings, dict[str, Any]]],
    queries: list[str],
) -> dict[str, dict[str, float]]:
    """Interleave the variants query by query, so machine load hits them alike."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    skipped = dict.fromkeys(variants, 0)
    for text in queries:
        for name, (settings, options) in variants.items():
            kb.searcher.settings = settings
            started = time.perf_counter()
            response = kb.search(text, log=False, **options)
            samples[name].append((time.perf_counter() - started) * 1000)
            skipped[name] += all(hit.keyword_score is None for hit in response.hits)
    rows = {}
    for name, latencies in samples.items():
        latencies.sort()
        rows[name] = {
            "p50_ms": statistics.median(latencies),
            "p95_ms": latencies[int(0.95 * len(latencies))],
            "p99_ms": latencies[int(0.99 * len(latencies))],
            "bm25_skipped": skipped[name] / max(len(queries), 1),
        }
    return rows


def run_variants(kb: KnowledgeBase, queries: list[str]) -> dict[str, dict[str, float]]:
    """Every search shape, each pair of variants interleaved query by query."""
    settled = kb.searcher.settings
    always = replace(settled, skip_keyword_when_settled=False)
    agent = {"audience": "agent", "snippets": False}
    rows = side_by_side(
        kb,
        {
            "keyword": (settled, {**agent, "mode": "keyword"}),
            "semantic": (settled, {**agent, "mode": "semantic"}),
            "hybrid": (settled, {**agent, "mode": "hybrid"}),
            "hybrid, BM25 always": (always, {**agent, "mode": "hybrid"}),
            "hybrid+portal+snippets": (settled, {"mode": "hybrid", "audience": "portal"}),
        },
        queries,
    )
    identifier_queries = [f"what does ERR-{n * 50:05d} mean" for n in range(100)]
    rows.update(
        side_by_side(
            kb,
            {
                "identifier query": (settled, {"audience": "portal"}),
                "identifier, BM25 always": (always, {"audience": "portal"}),
            },
            identifier_queries,
        )
    )
    kb.searcher.settings = settled
    return rows


def print_rows(rows: dict[str, dict[str, float]]) -> None:
    print(f"{'search':<26}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'BM25 skipped':>14}")
    for name, values in rows.items():
        print(
            f"{name:<26}{values['p50_ms']:>10.1f}{values['p95_ms']:>10.1f}"
            f"{values['p99_ms']:>10.1f}{values['bm25_skipped']:>14.2f}"
        )


def open_bench_kb(workdir: Path, data: Path, articles: int) -> tuple[KnowledgeBase, float | None]:
    """The bench knowledge base, populated on the first run; also the build seconds."""
    engine = make_engine(f"sqlite:///{workdir / 'bench.db'}")
    workdir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    kb = KnowledgeBase(sessions, workdir / "whoosh", MiniLMEmbedder())
    kb.searcher.query_cache_size = 0  # time every encode
    with sessions() as session:
        existing = session.scalar(select(func.count(Article.id))) or 0
    if existing == articles:
        return kb, None
    if existing:
        raise SystemExit(f"{workdir} holds {existing} articles; remove it first")
    return kb, populate(workdir, kb, sessions, synthetic_articles(data, articles))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kb_bench_10k"
    )
    args = parser.parse_args(argv)
    kb, build_seconds = open_bench_kb(args.workdir, args.data, args.articles)
    data = load_stackfaq(args.data)
    queries = list(split_queries(data, "test").values())[: args.queries]
    kb.search("warm up", log=False)
    load_before = os.getloadavg()[0]
    rows = run_variants(kb, queries)
    load_after = os.getloadavg()[0]
    print(f"\n{args.articles} articles, {len(queries)} real queries (2 cores)")
    print(f"load average (1 min) before {load_before:.1f}, after {load_after:.1f}")
    print_rows(rows)
    if build_seconds is not None:
        print(f"whoosh index build: {build_seconds:.1f} s")
    result = {
        "articles": args.articles,
        "queries": len(queries),
        "latency": rows,
        "load_average": [load_before, load_after],
        "whoosh_build_seconds": build_seconds,
    }
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
