"""Tune the hybrid fusion weights and the no-answer threshold on the DEV split only.

    python -m bench.kb_tune [--data ../shared/data]

Collects each dev query's keyword and semantic scores once, then grid-searches the
fusion settings offline; the threshold is set from dev queries vs clinc150 `oos_val`.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from pathlib import Path

import numpy as np

from bench.kb_common import build_kb, load_oos, load_stackfaq, metrics, rank_of, split_queries
from knowledge.embedding import MiniLMEmbedder
from knowledge.fusion import FusionSettings, fuse
from knowledge.keyword import ALL_FIELDS, SHORT_FIELDS, Filters
from knowledge.service import KnowledgeBase

ALL = Filters()


def collect(
    kb: KnowledgeBase, texts: list[str], fields=ALL_FIELDS
) -> list[tuple[dict[int, float], list, set[int]]]:
    snapshot = kb.vectors.snapshot()
    ids = snapshot.article_ids.tolist()
    out = []
    for text in texts:
        _, article_scores = snapshot.article_scores(kb.searcher.encode_query(text))
        semantic = dict(zip(ids, article_scores.tolist(), strict=True))
        keyword = kb.keyword_index.search(text, ALL, limit=50, fields=fields)
        out.append((semantic, keyword, kb.keyword_index.identifier_matches(text, ALL)))
    return out


def evaluate(collected, keys, relevant, settings: FusionSettings) -> tuple[float, list[float]]:
    ranks, tops = [], []
    for (semantic, keyword, idents), wanted in zip(collected, relevant, strict=True):
        fused = fuse(semantic, keyword, idents, settings)
        ranks.append(rank_of([keys[a] for a, _ in fused[:10]], wanted))
        tops.append(fused[0][1])
    return metrics(ranks, [])["mrr@10"], tops


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kb_bench_stackfaq"
    )
    parser.add_argument("--short", action="store_true", help="keyword leg on title+tags only")
    parser.add_argument("--max-terms", type=int, default=6)
    args = parser.parse_args(argv)
    data = load_stackfaq(args.data)
    dev = split_queries(data, "dev")
    kb = build_kb(args.workdir, data.corpus, MiniLMEmbedder())
    kb.keyword_index.max_terms = args.max_terms
    keys = {aid: meta.key for aid, meta in kb.vectors.snapshot().articles.items()}
    collected = collect(kb, list(dev.values()), SHORT_FIELDS if args.short else ALL_FIELDS)
    relevant = [data.qrels[q] for q in dev]

    results = []
    for weight, power in itertools.product(
        [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3], [0.5, 1.0, 2.0, 3.0]
    ):
        settings = FusionSettings(keyword_weight=weight, keyword_power=power)
        mrr, _ = evaluate(collected, keys, relevant, settings)
        results.append((mrr, weight, power))
    results.sort(reverse=True)
    for mrr, weight, power in results[:8]:
        print(f"weight={weight:<5} power={power:<4} dev MRR@10={mrr:.4f}")
    best = FusionSettings(keyword_weight=results[0][1], keyword_power=results[0][2])
    _, in_domain = evaluate(collected, keys, relevant, best)
    oos = collect(kb, load_oos(args.data, "oos_val"), SHORT_FIELDS if args.short else ALL_FIELDS)
    oos_tops = [fuse(s, k, i, best)[0][1] for s, k, i in oos]
    for quantile in (0.005, 0.01, 0.02, 0.05):
        threshold = float(np.quantile(in_domain, quantile))
        rejected = np.mean([top < threshold for top in oos_tops])
        print(
            f"threshold {threshold:.3f}: answers {1 - quantile:.3f} of dev, "
            f"rejects {rejected:.3f} oos"
        )


if __name__ == "__main__":
    main()
