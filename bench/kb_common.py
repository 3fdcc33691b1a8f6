"""Shared parts of the knowledge-search benchmarks: data loading, a bench KB, metrics."""

from __future__ import annotations

import csv
import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm_core.db import make_engine, make_session_factory
from knowledge.embedding import Embedder
from knowledge.fusion import FusionSettings
from knowledge.importing import import_articles
from knowledge.service import KnowledgeBase
from servicedesk import migrate

DEV_SUFFIXES = {f"_q{n:02d}" for n in range(5)}


@dataclass
class FaqData:
    corpus: list[dict[str, Any]]
    queries: dict[str, str]
    qrels: dict[str, str]  # query id -> the one relevant article id


def load_stackfaq(data_dir: Path) -> FaqData:
    root = data_dir / "stackfaq"
    corpus = [json.loads(line) for line in (root / "corpus.jsonl").open() if line.strip()]
    queries = {}
    for line in (root / "queries.jsonl").open():
        if line.strip():
            record = json.loads(line)
            queries[record["_id"]] = record["text"]
    qrels: dict[str, str] = {}
    with (root / "qrels.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if int(row["score"]) > 0:
                qrels[row["query-id"]] = row["corpus-id"]
    return FaqData(corpus=corpus, queries=queries, qrels=qrels)


def split_queries(data: FaqData, split: str) -> dict[str, str]:
    """dev = suffixes _q00-_q04 (tuning), test = _q05-_q09 (measuring only)."""

    def in_split(query_id: str) -> bool:
        is_dev = query_id[-4:] in DEV_SUFFIXES
        return split == "all" or (split == "dev") == is_dev

    return {qid: text for qid, text in data.queries.items() if qid in data.qrels and in_split(qid)}


def load_oos(data_dir: Path, part: str) -> list[str]:
    """clinc150 out-of-scope questions: `oos_val` for calibrating, `oos_test` for measuring."""
    data = json.loads((data_dir / "clinc150" / "data_full.json").read_text())
    return [text for text, _ in data[part]]


def build_kb(
    workdir: Path,
    corpus: list[dict[str, Any]],
    embedder: Embedder,
    settings: FusionSettings | None = None,
    query_embedder: Embedder | None = None,
) -> KnowledgeBase:
    """A knowledge base in `workdir` holding the corpus (re-runs reuse the embeddings);
    `query_embedder` encodes the queries when given (else `embedder`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{workdir / 'bench.db'}")
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    kb = KnowledgeBase(sessions, workdir / "whoosh", embedder, settings, query_embedder)
    kb.searcher.query_cache_size = 0  # time every encode: modes repeat the same queries
    with sessions() as session:
        records = [
            {"_id": r["_id"], "title": r["title"], "text": r["text"], "locale": "en"}
            for r in corpus
        ]
        report = import_articles(session, records)
        session.commit()
    kb.rebuild()  # whoosh from scratch; passages reuse stored embeddings by hash
    del report
    return kb


def rank_of(results: list[str], relevant: str) -> int | None:
    """1-based rank of the relevant id, or None."""
    for rank, key in enumerate(results, start=1):
        if key == relevant:
            return rank
    return None


def metrics(ranks: list[int | None], latencies_ms: list[float]) -> dict[str, float]:
    """Recall@1/5, MRR@10, nDCG@10 (one relevant document per query), latency p50/p95."""
    count = max(len(ranks), 1)

    def recall(k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / count

    mrr = sum(1 / r for r in ranks if r is not None and r <= 10) / count
    ndcg = sum(1 / math.log2(r + 1) for r in ranks if r is not None and r <= 10) / count
    out = {"recall@1": recall(1), "recall@5": recall(5), "mrr@10": mrr, "ndcg@10": ndcg}
    if latencies_ms:
        ordered = sorted(latencies_ms)
        out["p50_ms"] = statistics.median(ordered)
        out["p95_ms"] = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return out


def print_table(title: str, rows: dict[str, dict[str, float]]) -> None:
    columns = ["recall@1", "recall@5", "mrr@10", "ndcg@10", "p50_ms", "p95_ms"]
    print(f"\n{title}")
    print(f"{'mode':<12}" + "".join(f"{c:>10}" for c in columns))
    for name, values in rows.items():
        cells = "".join(
            f"{values[c]:>10.3f}" if c in values and "ms" not in c else f"{values.get(c, 0):>10.1f}"
            for c in columns
        )
        print(f"{name:<12}{cells}")
