"""Score-calibrated fusion of keyword and semantic article scores.

Reciprocal rank fusion throws the scores away: when the semantic retriever is sure and
BM25 is noise, RRF still lets the noise vote (measured on StackFAQ: keyword MRR@10 0.80,
semantic 0.976, RRF only 0.885). Here the semantic cosine is the base score, BM25 is
normalised by the best BM25 of the same query and added with a small weight (tuned on
the dev queries only), and an article that contains every identifier in the query (an
error code, SKU or order number) gets a bonus that puts it above any paraphrase.
Reader feedback adds a prior bounded by `feedback_weight` (see `knowledge.feedback`).

Because every addition is bounded, the keyword leg (the slow one: pure-Python BM25) is
skipped when it cannot change the best article: see `keyword_can_change_top`.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FusionSettings:
    """Weights and thresholds; the defaults come from `bench.kb_tune` on the dev split."""

    keyword_weight: float = 0.04
    keyword_power: float = 2.0
    identifier_bonus: float = 1.0
    # At most this much from feedback; below the cosine gap to an irrelevant article.
    feedback_weight: float = 0.02
    # Skip BM25 when the semantic leader is ahead by more than BM25 could add.
    skip_keyword_when_settled: bool = True
    # BM25 only re-ranks the semantic candidates (and identifier matches) instead of
    # searching the whole index: same scores for them, a fraction of the cost.
    keyword_over_candidates: bool = True
    semantic_candidates: int = 50
    keyword_candidates: int = 50
    # Below these top scores there is no answer worth showing (calibrated on dev queries
    # against off-topic questions; see BENCHMARKS.md).
    hybrid_threshold: float = 0.47
    semantic_threshold: float = 0.46


def fuse(
    semantic: Mapping[int, float],
    keyword: Sequence[tuple[int, float]],
    identifier_hits: set[int],
    settings: FusionSettings,
    feedback: Mapping[int, float] | None = None,
) -> list[tuple[int, float]]:
    """Fused (article id, score) pairs, best first.

    `semantic` must hold the cosine of every candidate (articles found only by keyword
    included); `keyword` holds BM25 scores, best first; `feedback` signals in (-1, 1).
    """
    best_keyword = keyword[0][1] if keyword else 0.0
    keyword_scores = dict(keyword)
    candidates = set(semantic) | set(keyword_scores) | identifier_hits
    base = base_scores(semantic, candidates, identifier_hits, settings, feedback)
    fused: list[tuple[int, float]] = []
    for article_id, score in base.items():
        if best_keyword > 0 and article_id in keyword_scores:
            relative = keyword_scores[article_id] / best_keyword
            score += settings.keyword_weight * relative**settings.keyword_power
        fused.append((article_id, score))
    fused.sort(key=lambda pair: (-pair[1], pair[0]))
    return fused


def base_scores(
    semantic: Mapping[int, float],
    candidates: set[int],
    identifier_hits: set[int],
    settings: FusionSettings,
    feedback: Mapping[int, float] | None = None,
) -> dict[int, float]:
    """Everything but the keyword term: cosine, identifier bonus, feedback prior."""
    feedback = feedback or {}
    scores: dict[int, float] = {}
    for article_id in candidates:
        score = semantic.get(article_id, 0.0)
        if article_id in identifier_hits:
            score += settings.identifier_bonus
        scores[article_id] = score + settings.feedback_weight * feedback.get(article_id, 0.0)
    return scores


def keyword_can_change_top(
    base: Mapping[int, float], settings: FusionSettings, outsider_bound: float
) -> bool:
    """Whether BM25 could still change which article comes first.

    The keyword term adds between 0 and `keyword_weight` to any article; an article
    outside the candidates scores at most `outsider_bound` without it. So when the best
    base score leads every other by at least `keyword_weight`, the leader is settled.
    """
    if not settings.skip_keyword_when_settled:
        return True
    if not base:
        return outsider_bound != float("-inf")
    best = heapq.nlargest(2, base.values())
    runner_up = max(best[1] if len(best) > 1 else float("-inf"), outsider_bound)
    return best[0] - runner_up < settings.keyword_weight


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], k: int = 60
) -> list[tuple[int, float]]:
    """Plain RRF, kept as the baseline the benchmark compares against."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, article_id in enumerate(ranking, start=1):
            scores[article_id] = scores.get(article_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
