"""Knowledge search quality on StackFAQ: keyword, semantic, hybrid (and plain RRF) side by side.

    python -m bench.kb_quality [--data ../shared/data] [--split dev|test] --json-out FILE

Tune only on `--split dev`; `test` is for measuring. Also reports the no-answer
threshold: in-domain queries answered vs clinc150 out-of-scope questions rejected.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.kb_common import (
    build_kb,
    load_oos,
    load_stackfaq,
    metrics,
    print_table,
    rank_of,
    split_queries,
)
from knowledge.embedding import MiniLMEmbedder
from knowledge.fusion import reciprocal_rank_fusion
from knowledge.service import KnowledgeBase

MODES = ("keyword", "semantic", "hybrid")


def run_mode(
    kb: KnowledgeBase, queries: dict[str, str], qrels: dict[str, str], mode: str
) -> tuple[dict[str, float], dict[str, list[str]], float]:
    """Metrics, the ranked ids per query, and the share of queries answered."""
    ranks: list[int | None] = []
    latencies: list[float] = []
    rankings: dict[str, list[str]] = {}
    answered = 0
    for query_id, text in queries.items():
        started = time.perf_counter()
        response = kb.search(text, mode=mode, audience="agent", limit=50, snippets=False, log=False)
        latencies.append((time.perf_counter() - started) * 1000)
        rankings[query_id] = [hit.key for hit in response.hits]
        ranks.append(rank_of(rankings[query_id][:10], qrels[query_id]))
        answered += not response.no_answer
    return metrics(ranks, latencies), rankings, answered / max(len(queries), 1)


def rrf_baseline(
    keyword: dict[str, list[str]], semantic: dict[str, list[str]], qrels: dict[str, str]
) -> dict[str, float]:
    ranks = []
    for query_id in keyword:
        keys = {
            key: n for n, key in enumerate(dict.fromkeys(keyword[query_id] + semantic[query_id]))
        }
        by_number = {n: key for key, n in keys.items()}
        fused = reciprocal_rank_fusion(
            [[keys[k] for k in keyword[query_id]], [keys[k] for k in semantic[query_id]]]
        )
        ranks.append(rank_of([by_number[n] for n, _ in fused][:10], qrels[query_id]))
    return metrics(ranks, [])


def no_answer_check(
    kb: KnowledgeBase, oos: list[str], answered_in_domain: float
) -> dict[str, float]:
    rejected = sum(
        kb.search(text, audience="agent", limit=5, snippets=False, log=False).no_answer
        for text in oos
    )
    return {
        "in_domain_answered": answered_in_domain,
        "out_of_scope_rejected": rejected / max(len(oos), 1),
        "out_of_scope_queries": len(oos),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kb_bench_stackfaq"
    )
    for part in ("documents", "queries"):
        parser.add_argument(
            f"--{part}",
            choices=("float", "int8"),
            default="float",
            help=f"encode the {part} with the float model or its int8 copy (knowledge.embedding)",
        )
    args = parser.parse_args(argv)

    data = load_stackfaq(args.data)
    queries = split_queries(data, args.split)
    kb = build_kb(
        args.workdir,
        data.corpus,
        MiniLMEmbedder(quantized=args.documents == "int8"),
        query_embedder=MiniLMEmbedder(quantized=args.queries == "int8", batch_size=8),
    )
    kb.search("warm up", log=False)  # load the model and the indexes outside the timings

    rows: dict[str, dict[str, float]] = {}
    rankings: dict[str, dict[str, list[str]]] = {}
    answered: dict[str, float] = {}
    for mode in MODES:
        rows[mode], rankings[mode], answered[mode] = run_mode(kb, queries, data.qrels, mode)
    rows["rrf_k60"] = rrf_baseline(rankings["keyword"], rankings["semantic"], data.qrels)
    oos_part = "oos_val" if args.split == "dev" else "oos_test"
    no_answer = no_answer_check(kb, load_oos(args.data, oos_part), answered["hybrid"])

    print_table(f"StackFAQ {args.split}: {len(queries)} queries, {len(data.corpus)} articles", rows)
    print(
        f"\nno-answer threshold (hybrid): {no_answer['in_domain_answered']:.3f} of in-domain "
        f"queries answered, {no_answer['out_of_scope_rejected']:.3f} of "
        f"{no_answer['out_of_scope_queries']} clinc150 {oos_part} questions rejected"
    )
    result = {
        "dataset": "stackfaq",
        "split": args.split,
        "queries": len(queries),
        "articles": len(data.corpus),
        "modes": rows,
        "no_answer": no_answer,
        "settings": vars(kb.searcher.settings),
        "document_encoder": args.documents,
        "query_encoder": args.queries,
    }
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
